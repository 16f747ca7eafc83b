"""Inspection pages: plans, the schedule and entering a round (``plans``, ``entry``); reading rounds,
their photos and appeals (``review``, ``appeals``)."""
