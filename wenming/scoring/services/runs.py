"""Computing a period from the web page: a :class:`~wenming.scoring.models.ComputeRun` asked for by a
person, run by a Celery task (``scoring.compute_run``), polled by the page for its progress.

How the progress becomes visible while the computation runs
-----------------------------------------------------------
``period_compute`` is one transaction and, for a rollup (每季综合评判), computes the source periods
inside it. Progress saved from inside that transaction would stay invisible to the polling request
until the very end: PostgreSQL shows other sessions only committed rows, and SQLite (WAL) gives
readers the snapshot of the last commit; a second connection writing the progress is no way out on
SQLite, which has one writer at a time (it would wait for the computation's own lock).

So :func:`compute_run` splits the work instead: it first lists the periods the computation needs
(:func:`compute_plan`: the source periods that have begun and are not finalized, recursively,
sources before the periods that roll them up, the period itself last), then computes each in its
own ``period_compute`` transaction, passing the ones already done as ``computed`` so they are read
and not computed again. Between two periods it is in autocommit mode, and saves ``steps_done`` to
the run's row, which any other connection sees at once, on both databases, with no extra
connection and no cache.

What this changes: each period's results are still written all or nothing, but the periods are no
longer written together. If the last one fails, the source periods computed before it keep their
fresh results. That is harmless: they are not finalized, and a recomputation would have given the
same results; the run ends ``failed`` with the reason, and nothing of the failed period is written.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.selectors import hospital_today
from wenming.standards.definition import Cycle, Rule
from wenming.standards.models import Standard

from ..models import ComputeRun, ComputeStatus, ScoringPeriod
from .periods import ScoringError, _period, _version, period_compute

logger = logging.getLogger(__name__)

ACTIVE = (ComputeStatus.QUEUED, ComputeStatus.RUNNING)
# A run still queued or running this long after it was asked for is taken to have been lost (a worker
# that died, a broker that dropped the message); it no longer blocks a new computation.
STALE_AFTER = timedelta(hours=1)


def run_is_active(run: ComputeRun | None) -> bool:
    """True for a run that is waiting or computing and has not been given up as lost."""
    return (
        run is not None
        and run.status in ACTIVE
        and run.requested_at is not None
        and timezone.now() - run.requested_at < STALE_AFTER
    )


def active_run(*, standard: Standard, period_key: str) -> ComputeRun | None:
    """The run of this period that is waiting or computing now, if any."""
    run = ComputeRun.objects.filter(standard=standard, period_key=period_key, status__in=ACTIVE).first()
    return run if run_is_active(run) else None


def compute_plan(*, standard_code: str, period_key: str, today: date | None = None) -> list[tuple[str, str]]:
    """The ``(standard code, period key)`` pairs computing this period computes, in order: the
    source periods of its rollup items that have begun by ``today`` and are not finalized (their
    own sources before them), then the period itself. Mirrors ``services.periods._rollup_sources``.
    ScoringError for an unknown standard or a key that does not fit its cycle."""
    today = today or hospital_today()
    plan: list[tuple[str, str]] = []

    def visit(code: str, key: str) -> None:
        version = _version(code)
        period = _period(version, key)
        for item in version.definition.leaves(Rule.ROLLUP):
            source = item.source or ""
            source_version = _version(source)
            parts = period.sub_periods(Cycle(source_version.standard.cycle), begun_by=today)
            finalized = set(
                ScoringPeriod.objects.filter(
                    standard=source_version.standard,
                    key__in=[part.key for part in parts],
                    finalized_at__isnull=False,
                ).values_list("key", flat=True)
            )
            for part in parts:
                if part.key not in finalized:
                    visit(source, part.key)
        if (code, period.key) not in plan:
            plan.append((code, period.key))

    visit(standard_code, period_key)
    return plan


def compute_request(*, standard: Standard, period_key: str, by) -> ComputeRun:
    """Ask for a period to be (re)computed in the background; return its run.

    Refused (ScoringError) for a key that does not fit the standard's cycle, a period that has not
    begun and a finalized period. While a run of the same period is waiting or computing, that run is
    returned and no second one is started (``run.already_running`` is True). Otherwise a new run is
    queued, audited, and its task sent once the request is committed: a worker picks it up, or, with
    Celery eager (no broker), it runs right there, before this function returns to a view outside a
    transaction.
    """
    from ..tasks import compute_run_task

    with transaction.atomic():
        # Two people pressing 计算 at once: the second waits here and then finds the first one's run.
        Standard.objects.select_for_update().filter(pk=standard.pk).first()
        version = _version(standard.code)
        period = _period(version, period_key)
        if period.start > hospital_today():
            raise ScoringError(
                _("%(period)s has not begun yet; it can be computed from %(start)s on.")
                % {"period": period.label, "start": period.start.isoformat()}
            )
        scoring_period = ScoringPeriod.objects.filter(standard=standard, key=period.key).first()
        if scoring_period is not None and scoring_period.is_finalized:
            raise ScoringError(
                _("%(period)s of %(standard)s is finalized and cannot be computed again; corrections are new records.")
                % {"period": period.label, "standard": standard.code}
            )
        running = ComputeRun.objects.select_for_update().filter(
            standard=standard, period_key=period.key, status__in=ACTIVE
        )
        for run in running:
            if run_is_active(run):
                run.already_running = True
                return run
            run.status, run.finished_at = ComputeStatus.FAILED, timezone.now()
            run.error = _("This computation stopped responding and was given up.")
            run.save(update_fields=["status", "finished_at", "error"])
        run = ComputeRun.objects.create(
            standard=standard,
            period_key=period.key,
            requested_by=by if getattr(by, "pk", None) else None,
            steps_total=len(compute_plan(standard_code=standard.code, period_key=period.key)),
        )
        run.already_running = False
        audit_log(
            actor=by,
            action="scoring.run.requested",
            target=run,
            target_repr=f"{standard.code} {period.key}",
            data={"recompute": bool(scoring_period and scoring_period.computed_at), "periods": run.steps_total},
        )
        by_id, language, run_id = getattr(by, "pk", None), get_language(), run.pk
        transaction.on_commit(lambda: compute_run_task.delay(run_id, by_id=by_id, language=language))
    return run


def _save_progress(run: ComputeRun, done: int, total: int) -> None:
    """Saved in autocommit mode, between two period transactions: the polling page sees it at once."""
    run.steps_done, run.steps_total = done, total
    ComputeRun.objects.filter(pk=run.pk).update(steps_done=done, steps_total=total)


def _finish(run: ComputeRun, *, by, status: str, error: str = "") -> ComputeRun:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    fields = ["status", "error", "finished_at"]
    if status == ComputeStatus.DONE:
        run.steps_done = run.steps_total
        fields.append("steps_done")
    with transaction.atomic():
        run.save(update_fields=fields)
        if status == ComputeStatus.FAILED:
            audit_log(
                actor=by,
                action="scoring.run.failed",
                target=run,
                target_repr=f"{run.standard.code} {run.period_key}",
                data={"error": error},
            )
    return run


def compute_run(*, run_id: int, by=None) -> ComputeRun | None:
    """Run a queued computation: the body of the Celery task.

    Runs at most once (the run must be ``queued``; it becomes ``running`` under a lock). Computes the
    periods of :func:`compute_plan` one transaction each, saving ``steps_done`` after each (see the
    module docstring), and ends ``done``, or ``failed`` with a translated message: the ScoringError's
    own (a finalized period, an inconsistent standard), or a general one for anything unexpected
    (the traceback goes to the log). A failure is audited; each period computed is audited by
    ``period_compute``.
    """
    with transaction.atomic():
        run = ComputeRun.objects.select_for_update(of=("self",)).filter(pk=run_id).select_related("standard").first()
        if run is None or run.status != ComputeStatus.QUEUED:
            logger.info("Computation %s is not waiting to run; nothing to do", run_id)
            return run
        run.status, run.started_at = ComputeStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    by = by if by is not None else run.requested_by
    code = run.standard.code
    try:
        plan = compute_plan(standard_code=code, period_key=run.period_key)
        _save_progress(run, 0, len(plan))
        done: list[tuple[str, str]] = []
        for step in plan:
            source_finalized_meanwhile = (
                step != plan[-1]
                and ScoringPeriod.objects.filter(
                    standard__code=step[0], key=step[1], finalized_at__isnull=False
                ).exists()
            )
            if not source_finalized_meanwhile:
                period_compute(standard_code=step[0], period_key=step[1], by=by, computed=frozenset(done))
            done.append(step)
            _save_progress(run, len(done), len(plan))
    except ScoringError as exc:
        return _finish(run, by=by, status=ComputeStatus.FAILED, error=" ".join(exc.messages))
    except Exception:  # whatever it was, the run must end visibly instead of hanging
        logger.exception("Computation %s (%s %s) failed", run.pk, code, run.period_key)
        message = _(
            "The computation stopped because of an unexpected error; the results of this period were "
            "not changed. Please tell the system administrator (the details are in the server log)."
        )
        return _finish(run, by=by, status=ComputeStatus.FAILED, error=message)
    return _finish(run, by=by, status=ComputeStatus.DONE)
