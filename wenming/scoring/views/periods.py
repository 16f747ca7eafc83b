"""Scoring pages: see the package docstring."""
