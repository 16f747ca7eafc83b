"""Writes of scoring, one module per area: ``periods`` (compute, finalize), ``runs`` (computing in
the background), ``records`` (entry, changes, approval, voiding, the finality check), ``evidence``
(files attached to records), ``manual`` (the manual score grid), ``corrections`` (更正 of finalized
periods), ``pay`` (the pay linkage rule). Import services from here."""

from .corrections import correction_create
from .evidence import evidence_add
from .manual import ManualScoresConflict, ManualScoresInvalid, manual_scores_save
from .pay import PayRuleConflictError, pay_rule_save
from .periods import ScoringError, period_compute, period_finalize, period_scope_set
from .records import (
    RecordConflict,
    ensure_period_open,
    finalized_period,
    record_approve,
    record_create,
    record_update,
    record_void,
)
from .runs import active_run, compute_plan, compute_request, compute_run

__all__ = ["ScoringError", "period_compute", "period_finalize", "period_scope_set"]
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
