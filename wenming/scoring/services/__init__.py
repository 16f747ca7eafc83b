"""Writes of scoring, one module per area: ``periods`` (compute, finalize), ``records`` (entry,
approval, voiding, evidence, corrections). Import services from here."""

from .periods import ScoringError, period_compute, period_finalize

__all__ = ["ScoringError", "period_compute", "period_finalize"]
