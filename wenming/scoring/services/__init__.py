"""Writes of scoring, one module per area: ``periods`` (compute, finalize), ``records`` (entry,
approval, voiding, evidence, corrections). Import services from here."""

from .pay import PayRuleConflictError, pay_rule_save
from .periods import ScoringError, period_compute, period_finalize
from .records import (
    ManualScoresConflict,
    ManualScoresInvalid,
    RecordConflict,
    correction_create,
    ensure_period_open,
    evidence_add,
    finalized_period,
    manual_scores_save,
    record_approve,
    record_create,
    record_update,
    record_void,
)
from .runs import active_run, compute_plan, compute_request, compute_run

__all__ = ["ScoringError", "period_compute", "period_finalize"]
__all__ += ["active_run", "compute_plan", "compute_request", "compute_run"]
__all__ += [
    "ManualScoresConflict",
    "ManualScoresInvalid",
    "RecordConflict",
    "correction_create",
    "ensure_period_open",
    "evidence_add",
    "finalized_period",
    "manual_scores_save",
    "record_approve",
    "record_create",
    "record_update",
    "record_void",
]
__all__ += ["PayRuleConflictError", "pay_rule_save"]
