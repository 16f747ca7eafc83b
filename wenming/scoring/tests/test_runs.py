"""Computing from the web page: compute_plan, compute_request, compute_run and the Celery task
(eager), progress saved between the periods, refusals, failures and the audit."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connections
from django.utils import timezone, translation

from wenming.core.models import AuditEntry
from wenming.scoring.models import ComputeRun, ComputeStatus, Result, ScoringPeriod
from wenming.scoring.services import (
    ScoringError,
    active_run,
    compute_plan,
    compute_request,
    compute_run,
    period_compute,
    period_finalize,
)
from wenming.scoring.services import runs as run_services
from wenming.scoring.tasks import compute_run_task
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

MONTH, QUARTER, YEAR = "WMKS-M-2026", "WMKS-Q-2026", "YDKP-2026"
# 2026-11-20 12:00 in Shanghai: October has ended, November has begun, December has not.
NOW = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)


class Clock:
    """timezone.now() that starts at NOW and moves on a millisecond at every call."""

    def __init__(self):
        self.now = NOW

    def __call__(self):
        self.now += dt.timedelta(milliseconds=1)
        return self.now


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", Clock())


@pytest.fixture(autouse=True)
def _eager_celery():
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def standards(scenario):
    load_example_standards()
    return {s.code: s for s in Standard.objects.all()}


def audit_count(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.mark.django_db
def test_the_plan_lists_the_source_periods_that_have_begun_first(standards):
    assert compute_plan(standard_code=MONTH, period_key="2026-10") == [(MONTH, "2026-10")]
    assert compute_plan(standard_code=QUARTER, period_key="2026-Q4") == [
        (MONTH, "2026-10"),
        (MONTH, "2026-11"),
        (QUARTER, "2026-Q4"),
    ]
    assert len(compute_plan(standard_code=QUARTER, period_key="2026-Q3")) == 4
    period_compute(standard_code=MONTH, period_key="2026-10")
    period_finalize(standard_code=MONTH, period_key="2026-10", reason="checked")
    assert compute_plan(standard_code=QUARTER, period_key="2026-Q4") == [(MONTH, "2026-11"), (QUARTER, "2026-Q4")]
    with pytest.raises(ScoringError):
        compute_plan(standard_code=MONTH, period_key="2026-Q4")
    with pytest.raises(ScoringError):
        compute_plan(standard_code="NOPE", period_key="2026-10")


@pytest.mark.django_db
def test_a_request_queues_a_run_that_the_eager_task_computes(standards, scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = compute_request(standard=standards[QUARTER], period_key="2026-Q4", by=scenario.office)
        assert (run.status, run.steps_total, run.steps_done) == (ComputeStatus.QUEUED, 3, 0)
        assert run.already_running is False
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert (run.status, run.steps_done, run.steps_total, run.percent, run.error) == ("done", 3, 3, 100, "")
    assert run.started_at is not None and run.finished_at >= run.started_at
    stored = ScoringPeriod.objects.filter(computed_at__isnull=False)
    assert sorted(stored.values_list("standard__code", "key")) == [
        (MONTH, "2026-10"),
        (MONTH, "2026-11"),
        (QUARTER, "2026-Q4"),
    ]
    assert Result.objects.filter(period__standard__code=QUARTER).count() == 4  # the scenario's departments
    # Each period was computed once (the rollup read its fresh sources), each audited with who asked.
    computed = AuditEntry.objects.filter(action="scoring.period.computed")
    assert computed.count() == 3 and set(computed.values_list("actor", flat=True)) == {scenario.office.pk}
    entry = AuditEntry.objects.get(action="scoring.run.requested")
    assert entry.actor == scenario.office and entry.target_repr == f"{QUARTER} 2026-Q4"
    assert entry.data == {"recompute": False, "periods": 3}
    assert active_run(standard=standards[QUARTER], period_key="2026-Q4") is None


@pytest.mark.django_db
def test_progress_is_saved_before_each_period_and_a_rollup_reads_its_fresh_sources(standards, scenario, monkeypatch):
    seen = []

    def spy(*, standard_code, period_key, by, computed):
        seen.append((period_key, sorted(computed), ComputeRun.objects.get().steps_done))
        return period_compute(standard_code=standard_code, period_key=period_key, by=by, computed=computed)

    monkeypatch.setattr(run_services, "period_compute", spy)
    run = ComputeRun.objects.create(standard=standards[QUARTER], period_key="2026-Q4", requested_by=scenario.office)
    compute_run(run_id=run.pk)
    assert seen == [
        ("2026-10", [], 0),
        ("2026-11", [(MONTH, "2026-10")], 1),
        ("2026-Q4", [(MONTH, "2026-10"), (MONTH, "2026-11")], 2),
    ]
    run.refresh_from_db()
    assert (run.status, run.steps_done) == ("done", 3)


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_another_connection_while_the_run_goes_on(standards, scenario, monkeypatch):
    """What the polling page needs: each period is its own transaction, the progress is committed
    between them, so a second database connection reads it while the run is still going."""
    seen = []

    def spy(**kwargs):
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                table = ComputeRun._meta.db_table
                cursor.execute(f"SELECT status, steps_done, steps_total FROM {table}")  # noqa: S608
                seen.append(cursor.fetchone())
        finally:
            other.close()
        return period_compute(**kwargs)

    monkeypatch.setattr(run_services, "period_compute", spy)
    run = ComputeRun.objects.create(standard=standards[QUARTER], period_key="2026-Q4", requested_by=scenario.office)
    compute_run(run_id=run.pk)
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    run.refresh_from_db()
    assert run.status == "done"


@pytest.mark.django_db
def test_a_second_request_returns_the_run_under_way(standards, scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = compute_request(standard=standards[MONTH], period_key="2026-10", by=scenario.office)
        second = compute_request(standard=standards[MONTH], period_key="2026-10", by=scenario.leader)
    assert second.pk == first.pk and second.already_running is True
    assert len(callbacks) == 1 and ComputeRun.objects.count() == 1
    ComputeRun.objects.filter(pk=first.pk).update(status=ComputeStatus.RUNNING)
    assert compute_request(standard=standards[MONTH], period_key="2026-10", by=scenario.office).pk == first.pk
    assert active_run(standard=standards[MONTH], period_key="2026-10").pk == first.pk
    # Another period of the same standard is computed independently.
    other = compute_request(standard=standards[MONTH], period_key="2026-09", by=scenario.office)
    assert other.pk != first.pk
    assert audit_count("scoring.run.requested") == 2


@pytest.mark.django_db
def test_a_run_lost_for_an_hour_no_longer_blocks_a_new_one(standards, scenario, django_capture_on_commit_callbacks):
    lost = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", status=ComputeStatus.RUNNING)
    ComputeRun.objects.filter(pk=lost.pk).update(requested_at=NOW - dt.timedelta(hours=2))
    assert active_run(standard=standards[MONTH], period_key="2026-10") is None
    with django_capture_on_commit_callbacks(execute=True):
        run = compute_request(standard=standards[MONTH], period_key="2026-10", by=scenario.office)
    assert run.pk != lost.pk
    lost.refresh_from_db()
    assert lost.status == "failed" and "stopped responding" in lost.error
    run.refresh_from_db()
    assert run.status == "done"


@pytest.mark.django_db
def test_refusals_finalized_future_and_bad_keys(standards, scenario):
    period_compute(standard_code=MONTH, period_key="2026-10")
    period_finalize(standard_code=MONTH, period_key="2026-10", reason="checked")
    with pytest.raises(ScoringError, match="is finalized and cannot be computed again"):
        compute_request(standard=standards[MONTH], period_key="2026-10", by=scenario.office)
    with pytest.raises(ScoringError, match=r"has not begun yet; it can be computed from 2026-12-01 on"):
        compute_request(standard=standards[MONTH], period_key="2026-12", by=scenario.office)
    with pytest.raises(ScoringError, match="the standard's cycle is month"):
        compute_request(standard=standards[MONTH], period_key="2026-Q4", by=scenario.office)
    assert not ComputeRun.objects.exists()
    assert audit_count("scoring.run.requested") == 0
    # The current period has begun: it may be computed before it ends.
    assert compute_request(standard=standards[MONTH], period_key="2026-11", by=scenario.office).pk


@pytest.mark.django_db
def test_a_run_only_runs_once(standards, scenario):
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", requested_by=scenario.office)
    assert compute_run(run_id=run.pk).status == "done"
    assert compute_run(run_id=run.pk).status == "done"
    assert audit_count("scoring.period.computed") == 1
    assert compute_run(run_id=999999) is None


@pytest.mark.django_db
def test_a_scoring_error_fails_the_run_with_its_message(standards, scenario, monkeypatch):
    def broken(**kwargs):
        raise ScoringError("item A2: the standard is inconsistent")

    monkeypatch.setattr(run_services, "period_compute", broken)
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", requested_by=scenario.office)
    compute_run(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "item A2: the standard is inconsistent")
    assert run.finished_at is not None and run.steps_done == 0
    entry = AuditEntry.objects.get(action="scoring.run.failed")
    assert entry.actor == scenario.office and entry.data == {"error": run.error}
    assert not ScoringPeriod.objects.exists()


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_and_is_logged(standards, scenario, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_services, "period_compute", broken)
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", requested_by=scenario.office)
    with caplog.at_level(logging.ERROR, logger="wenming.scoring.services.runs"):
        compute_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "unexpected error" in run.error and "disk full" not in run.error
    assert "disk full" in caplog.text


@pytest.mark.django_db
def test_the_task_runs_in_the_language_of_the_person_who_asked(standards, scenario):
    """A period finalized between the request and the run: the run fails with the service's message,
    translated for the person who asked (the task gets their language)."""
    runs = [
        ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", requested_by=scenario.office)
        for _ in range(2)
    ]
    period_compute(standard_code=MONTH, period_key="2026-10")
    period_finalize(standard_code=MONTH, period_key="2026-10", reason="checked")
    assert compute_run_task.delay(runs[0].pk, by_id=scenario.office.pk, language="zh-hans").get() == "failed"
    assert compute_run_task.delay(runs[1].pk, by_id=scenario.office.pk, language="en").get() == "failed"
    runs[0].refresh_from_db()
    runs[1].refresh_from_db()
    assert "已定稿" in runs[0].error
    assert "is finalized; corrections are new records" in runs[1].error
    assert AuditEntry.objects.filter(action="scoring.run.failed", actor=scenario.office).count() == 2


@pytest.mark.django_db
def test_a_source_finalized_meanwhile_is_read_not_computed(standards, scenario, monkeypatch):
    run = ComputeRun.objects.create(standard=standards[QUARTER], period_key="2026-Q4", requested_by=scenario.office)
    real_plan = run_services.compute_plan

    def plan_then_finalize(**kwargs):
        plan = real_plan(**kwargs)
        period_compute(standard_code=MONTH, period_key="2026-10")
        period_finalize(standard_code=MONTH, period_key="2026-10", reason="checked")
        return plan

    monkeypatch.setattr(run_services, "compute_plan", plan_then_finalize)
    compute_run(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.steps_done, run.steps_total) == ("done", 3, 3)
    assert ScoringPeriod.objects.get(standard__code=MONTH, key="2026-10").is_finalized
