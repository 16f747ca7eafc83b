"""The periods pages: overview, a period's dashboard, compute (a background run with progress),
recompute, finalize; refusals per role, 404s, and pinned query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.core.models import AuditEntry
from wenming.org.tests.factories import DepartmentFactory
from wenming.scoring.models import ComputeRun, ComputeStatus, Record, RecordKind, RecordStatus, Result, ScoringPeriod
from wenming.scoring.selectors.common import optional_url as _url_or_none
from wenming.scoring.services import ScoringError, compute_request, period_compute, period_finalize
from wenming.scoring.services import runs as run_services
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard
from wenming.standards.services import standard_import

from .test_runs import MONTH, QUARTER, YEAR, Clock

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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


@pytest.fixture
def standards(scenario):
    load_example_standards()
    return {s.code: s for s in Standard.objects.all()}


@pytest.fixture
def office(scenario, standards, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page_url(code: str = MONTH, key: str = "2026-10") -> str:
    return reverse("scoring:period", args=[code, key])


def text(response) -> str:
    return response.content.decode()


def manual_scores(code: str, key: str, item: str, value: str = "8") -> None:
    """A manual score for every department in scope, so nothing is pending."""
    for department in ("D01", "D0101", "D02", "D09"):
        from wenming.org.models import Department

        Record.objects.create(
            kind=RecordKind.MANUAL,
            standard=Standard.objects.get(code=code),
            department=Department.objects.get(code=department),
            code=item,
            period_key=key,
            value=Decimal(value),
        )


def compute_via_page(client, django_capture_on_commit_callbacks, code=MONTH, key="2026-10"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:compute", args=[code, key]))
    assert response.status_code == 302 and response["Location"] == page_url(code, key)
    return response


# --- Who may see and do what -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee"])
def test_heads_and_staff_are_refused(scenario, standards, client_for, who):
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10")
    client = client_for(getattr(scenario, who))
    assert client.get(reverse("scoring:periods")).status_code == 403
    assert client.get(page_url()).status_code == 403
    assert client.get(reverse("scoring:run_progress", args=[run.pk]), **HTMX).status_code == 403
    assert client.post(reverse("scoring:compute", args=[MONTH, "2026-10"])).status_code == 403
    assert client.post(reverse("scoring:finalize", args=[MONTH, "2026-10"]), {"reason": "x"}).status_code == 403
    home = text(client.get(reverse("core:home")))
    assert f'href="{reverse("scoring:periods")}"' not in home
    assert ComputeRun.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_leadership_and_inspectors_see_but_may_not_compute_or_finalize(
    scenario, standards, client_for, who, django_capture_on_commit_callbacks
):
    period_compute(standard_code=MONTH, period_key="2026-10")
    client = client_for(getattr(scenario, who))
    overview = text(client.get(reverse("scoring:periods")))
    assert f'href="{reverse("scoring:periods")}"' in overview  # the menu entry
    response = client.get(page_url())
    assert response.status_code == 200
    assert 'data-testid="compute-form"' not in text(response) and 'data-testid="finalize-form"' not in text(response)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("scoring:compute", args=[MONTH, "2026-10"])).status_code == 403
    response = client.post(reverse("scoring:finalize", args=[MONTH, "2026-10"]), {"reason": "x", "confirm": "on"})
    assert response.status_code == 403
    assert not ComputeRun.objects.exists()
    assert not ScoringPeriod.objects.get().is_finalized


def test_anonymous_visitors_are_sent_to_log_in(client, standards):
    login = reverse("accounts:login")
    for url in (reverse("scoring:periods"), page_url(), reverse("scoring:run_progress", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login)
    response = client.post(reverse("scoring:compute", args=[MONTH, "2026-10"]))
    assert response.status_code == 302 and response["Location"].startswith(login)


def test_unknown_standards_keys_of_another_cycle_and_unknown_runs_are_404(office):
    assert office.get(page_url("NOPE", "2026-10")).status_code == 404
    assert office.get(page_url(MONTH, "2026-Q4")).status_code == 404
    assert office.get(page_url(MONTH, "2026-13")).status_code == 404
    assert office.get(page_url(QUARTER, "2026-10")).status_code == 404
    assert office.get(page_url(YEAR, "2026-Q1")).status_code == 404
    assert office.get("/scoring/WMKS-M-2026/october/").status_code == 404
    assert office.post(reverse("scoring:compute", args=["NOPE", "2026-10"])).status_code == 404
    assert office.post(reverse("scoring:finalize", args=[MONTH, "2026-Q4"]), {"confirm": "on"}).status_code == 404
    assert office.get(reverse("scoring:run_progress", args=[999999]), **HTMX).status_code == 404
    assert not ComputeRun.objects.exists()


def test_url_or_none_answers_none_for_pages_that_do_not_exist():
    assert _url_or_none("scoring:periods") == "/scoring/"
    assert _url_or_none("scoring:no_such_page", MONTH, "2026-10") is None
    assert _url_or_none("scoring:period", MONTH, "not-a-key") is None


# --- The overview --------------------------------------------------------------------------------


def test_the_overview_lists_recent_periods_with_their_state(office, scenario, standards):
    period_compute(standard_code=MONTH, period_key="2026-10")
    period_compute(standard_code=MONTH, period_key="2026-09")
    period_finalize(standard_code=MONTH, period_key="2026-09", by=scenario.office, reason="领导小组同意")
    page = text(office.get(reverse("scoring:periods")))
    # Grouped by cycle, monthly first.
    assert page.index('data-testid="cycle-month"') < page.index('data-testid="cycle-quarter"')
    assert page.index('data-testid="cycle-quarter"') < page.index('data-testid="cycle-year"')
    # 12 months up to the current one (2026-11), 4 quarters, 2 years.
    months = re.findall(rf'data-testid="period-{MONTH}-([0-9-]+)"', page)
    assert months[0] == "2026-11" and months[-1] == "2025-12" and len(months) == 12
    assert re.findall(rf'data-testid="period-{QUARTER}-([0-9Q-]+)"', page) == [
        "2026-Q4",
        "2026-Q3",
        "2026-Q2",
        "2026-Q1",
    ]
    assert re.findall(rf'data-testid="period-{YEAR}-([0-9]+)"', page) == ["2026", "2025"]

    def row(key: str) -> str:
        start = page.index(f'data-testid="period-{MONTH}-{key}"')
        return page[start : page.index("</tr>", start)]

    assert "Not computed" in row("2026-11") and reverse("scoring:period", args=[MONTH, "2026-11"]) in row("2026-11")
    october = row("2026-10")
    assert "Computed" in october and "v1" in october
    assert '<td class="text-end">4</td>' in october  # 4 results
    assert '<span class="badge text-bg-warning">4</span>' in october  # A2 pending for each department
    september = row("2026-09")
    assert "Finalized" in september and "文明办" in september and "领导小组同意" in september


def test_the_overview_without_standards(scenario, client_for):
    page = text(client_for(scenario.office).get(reverse("scoring:periods")))
    assert 'data-testid="no-standards"' in page


def test_the_overview_query_count_does_not_grow(office, scenario, standards, django_assert_max_num_queries):
    def load():
        office.get(reverse("scoring:periods"))  # warm the hospital cache
        with django_assert_max_num_queries(13) as queries:
            assert office.get(reverse("scoring:periods")).status_code == 200
        return len(queries.captured_queries)

    period_compute(standard_code=MONTH, period_key="2026-11")
    few = load()
    for key in ("2026-10", "2026-09", "2026-08"):
        period_compute(standard_code=MONTH, period_key=key)
    period_compute(standard_code=QUARTER, period_key="2026-Q3")
    period_finalize(standard_code=MONTH, period_key="2026-08", by=scenario.office, reason="ok")
    compute_request(standard=standards[YEAR], period_key="2026", by=scenario.office)  # a run under way
    month_yaml = Standard.objects.get(code=MONTH).versions.get().source
    for number in range(3):
        standard_import(text=month_yaml.replace(MONTH, f"EXTRA-{number}"), filename="extra.yaml")
        period_compute(standard_code=f"EXTRA-{number}", period_key="2026-10")
    assert load() == few


# --- One period: compute, progress, recompute ------------------------------------------------------


def test_compute_from_the_page_runs_in_the_background_and_shows_the_results(
    office, scenario, django_capture_on_commit_callbacks
):
    page = text(office.get(page_url()))
    assert "Not computed" in page and 'data-testid="period-not-computed"' in page
    assert '<button type="submit" class="btn btn-primary btn-sm" data-testid="compute-button">Compute</button>' in page
    assert 'data-testid="finalize-form"' not in page
    compute_via_page(office, django_capture_on_commit_callbacks)
    run = ComputeRun.objects.get()
    assert (run.status, run.requested_by, run.steps_done, run.steps_total) == ("done", scenario.office, 1, 1)
    stored = ScoringPeriod.objects.get(standard__code=MONTH, key="2026-10")
    assert stored.computed_at is not None and stored.results.count() == 4
    assert AuditEntry.objects.filter(action="scoring.run.requested", actor=scenario.office).count() == 1
    assert AuditEntry.objects.filter(action="scoring.period.computed", actor=scenario.office).count() == 1
    page = text(office.get(page_url()))
    assert 'data-testid="period-state">Computed<' in page
    assert 'data-testid="period-version">v1<' in page
    assert 'data-testid="stat-subjects">4<' in page
    assert 'data-testid="stat-pending">4<' in page
    # Who is pending what: every department lacks the manual item A2.
    pending = page[page.index('data-testid="pending-table"') :]
    for code in ("D01", "D0101", "D02", "D09"):
        assert f'<td class="text-nowrap">{code}</td>' in pending
    assert "A2 " in pending
    grades = page[page.index('data-testid="grade-table"') : page.index("</table>", page.index("grade-table"))]
    shares = re.findall(r'<th scope="row" class="fw-normal">(.+?)</th><td class="text-end">(\d+)</td>'
                        r'<td class="text-end">([0-9.]+)%</td>', grades)  # fmt: skip
    assert [name for name, _n, _share in shares] == ["优秀", "良好", "合格", "不合格"]  # the standard's order
    assert sum(int(n) for _name, n, _share in shares) == 4
    assert all(re.fullmatch(r"\d+\.\d\d", share) for _name, _n, share in shares)  # two decimals
    assert sum(Decimal(share) for _name, _n, share in shares) == Decimal("100.00")
    assert ">Recompute</button>" in page and 'data-testid="finalize-form"' in page


def test_recompute_replaces_the_results(office, scenario, standards, django_capture_on_commit_callbacks):
    compute_via_page(office, django_capture_on_commit_callbacks)
    before = dict(Result.objects.values_list("subject_code", "total"))
    old_ids = set(Result.objects.values_list("pk", flat=True))
    Record.objects.create(
        kind=RecordKind.FINDING,
        standard=standards[MONTH],
        department=scenario.ortho,
        code="B1",
        date=dt.date(2026, 10, 12),
    )
    manual_scores(MONTH, "2026-10", "A2", "9")
    compute_via_page(office, django_capture_on_commit_callbacks)
    assert ComputeRun.objects.filter(status="done").count() == 2
    after = dict(Result.objects.values_list("subject_code", "total"))
    assert set(after) == set(before) and not old_ids & set(Result.objects.values_list("pk", flat=True))
    assert after["D02"] < after["D01"]
    assert not any(f.startswith("pending:") for flags in Result.objects.values_list("flags", flat=True) for f in flags)
    assert AuditEntry.objects.get(action="scoring.run.requested", data__recompute=True)
    page = text(office.get(page_url()))
    assert 'data-testid="stat-pending">0<' in page and 'data-testid="no-pending"' in page
    assert 'data-testid="record-total">5<' in page  # one finding and four manual scores


def test_the_flags_are_counted_and_the_pending_list_names_the_items(office, scenario, client_for):
    period_compute(standard_code=MONTH, period_key="2026-10")
    Result.objects.update(flags=[])
    Result.objects.filter(subject_code="D01").update(flags=["pending:A2", "pending:B", "quota:优秀"])
    Result.objects.filter(subject_code="D02").update(flags=["insufficient_sample:E", "missing:M"])
    Result.objects.filter(subject_code="D09").update(flags=["quota:优秀"], vetoed=True)
    page = text(office.get(page_url()))
    assert 'data-testid="stat-pending">2<' in page
    assert 'data-testid="stat-insufficient">1<' in page and 'data-testid="stat-missing">1<' in page
    assert "1 result still waits for manual scores" in page
    assert "2 results moved down by a grade quota." in page and "1 result vetoed." in page
    assert "1 result has too few satisfaction responses" in page and "1 result has no source result" in page
    pending = page[page.index('data-testid="pending-table"') : page.index("</table>", page.index("pending-table"))]
    assert pending.count("<tr>") == 2 and "D01" in pending and "D02" not in pending  # header + D01
    assert "A2 科室负责人履职评议" in pending and "B 思想道德与学习" in pending
    grid = reverse("scoring:manual_grid", args=[MONTH, "2026-10"])
    assert f'href="{grid}" data-testid="pending-manual-grid"' in page
    # The inspector sees the list but is not offered the manual grid, nor actions.
    inspector = text(client_for(scenario.inspector).get(page_url()))
    assert 'data-testid="pending-table"' in inspector and grid not in inspector
    assert reverse("scoring:ranking", args=[MONTH, "2026-10"]) in inspector


def test_links_to_the_other_pages_follow_what_exists(office):
    page = text(office.get(page_url()))
    links = page[page.index('data-testid="period-links"') : page.index("</nav>", page.index("period-links"))]
    assert reverse("scoring:records", args=[MONTH, "2026-10"]) in links
    assert reverse("scoring:manual_grid", args=[MONTH, "2026-10"]) in links
    assert "ranking" not in links  # no results yet
    period_compute(standard_code=MONTH, period_key="2026-10")
    page = text(office.get(page_url()))
    for name in ("ranking", "bulletin_page", "pay_page"):
        url = _url_or_none(f"scoring:{name}", MONTH, "2026-10")
        assert url is None or url in page


def test_a_second_compute_while_one_is_queued_shows_the_same_run(office, scenario, standards):
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", requested_by=scenario.office)
    response = office.post(reverse("scoring:compute", args=[MONTH, "2026-10"]), follow=True)
    assert ComputeRun.objects.get().pk == run.pk
    page = text(response)
    assert "This period is already being computed" in page
    assert f'hx-get="{reverse("scoring:run_progress", args=[run.pk])}" hx-trigger="every 1s"' in page
    assert 'data-testid="run-progress"' in page and "Waiting for the background worker" in page
    assert 'data-testid="compute-form"' not in page  # no second button while it runs


def test_the_progress_endpoint_shows_the_percent_then_the_refreshed_dashboard(office, scenario, standards):
    run = ComputeRun.objects.create(standard=standards[QUARTER], period_key="2026-Q4", requested_by=scenario.office)
    url = reverse("scoring:run_progress", args=[run.pk])
    queued = text(office.get(url, **HTMX))
    assert 'data-testid="run-percent">0%<' in queued and 'hx-trigger="every 1s"' in queued
    ComputeRun.objects.filter(pk=run.pk).update(status=ComputeStatus.RUNNING, steps_done=1, steps_total=3)
    running = text(office.get(url, **HTMX))
    assert 'data-testid="run-percent">33%<' in running and "1 of 3 periods computed." in running
    assert 'aria-valuenow="33"' in running
    ComputeRun.objects.filter(pk=run.pk).update(status=ComputeStatus.QUEUED)
    run_services.compute_run(run_id=run.pk)
    done = text(office.get(url, **HTMX))
    assert 'hx-trigger="every' not in done and 'data-testid="run-done"' in done
    assert 'data-testid="period-state">Computed<' in done and 'data-testid="stat-subjects">4<' in done
    assert not done.lstrip().startswith("<!doctype")  # a partial
    # Without HTMX (no JavaScript) it is the period's page.
    response = office.get(url)
    assert response.status_code == 302 and response["Location"] == page_url(QUARTER, "2026-Q4")


def test_a_failed_computation_shows_its_error(office, scenario, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise ScoringError("item A2: the standard is inconsistent")

    monkeypatch.setattr(run_services, "period_compute", broken)
    compute_via_page(office, django_capture_on_commit_callbacks)
    run = ComputeRun.objects.get()
    assert run.status == "failed" and run.error == "item A2: the standard is inconsistent"
    assert AuditEntry.objects.filter(action="scoring.run.failed").count() == 1
    page = text(office.get(page_url()))
    assert 'data-testid="run-failed"' in page and "item A2: the standard is inconsistent" in page
    assert "this period has no results" in page
    assert ">Compute</button>" in page  # one may try again
    done = text(office.get(reverse("scoring:run_progress", args=[run.pk]), **HTMX))
    assert "item A2: the standard is inconsistent" in done and 'hx-trigger="every' not in done


def test_a_future_period_cannot_be_computed(office):
    page = text(office.get(page_url(MONTH, "2026-12")))
    assert 'data-testid="period-future"' in page and "it begins on 2026-12-01" in page
    assert 'data-testid="compute-form"' not in page
    response = office.post(reverse("scoring:compute", args=[MONTH, "2026-12"]), follow=True)
    assert "has not begun yet" in text(response)
    assert not ComputeRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_the_computation_is_over_before_the_redirect(scenario, client_for):
    """Celery eager and real commits (no test transaction): the task runs when the request's
    transaction commits, inside the POST, so the page it redirects to shows the results."""
    load_example_standards()
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("scoring:compute", args=[QUARTER, "2026-Q4"]), follow=True)
    page = text(response)
    assert "2026 Q4 has been computed." in page
    assert 'data-testid="period-state">Computed<' in page and 'data-testid="run-progress"' not in page
    assert ComputeRun.objects.get().status == "done"
    assert ScoringPeriod.objects.filter(computed_at__isnull=False).count() == 3


# --- Finalize ----------------------------------------------------------------------------------------


def finalize(client, **data):
    return client.post(reverse("scoring:finalize", args=[MONTH, "2026-10"]), data)


def test_finalizing_with_pending_results_needs_a_reason(office, scenario):
    period_compute(standard_code=MONTH, period_key="2026-10")
    page = text(office.get(page_url()))
    assert 'data-testid="finalize-pending"' in page and "4 results still wait for manual scores" in page
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', page)
    response = finalize(office, reason="", confirm="on")
    assert response.status_code == 400
    page = text(response)
    assert "Some results are still pending; give a reason to finalize anyway" in page
    assert "<details open" in page
    assert not ScoringPeriod.objects.get().is_finalized
    # What was typed is kept when the confirmation is missing.
    response = finalize(office, reason="领导小组已同意，A2 下月补录")
    assert response.status_code == 400
    assert "领导小组已同意，A2 下月补录</textarea>" in text(response)
    assert not ScoringPeriod.objects.get().is_finalized
    assert not AuditEntry.objects.filter(action="scoring.period.finalized").exists()


def test_finalizing_with_a_reason_locks_the_period(office, scenario, django_capture_on_commit_callbacks):
    period_compute(standard_code=MONTH, period_key="2026-10")
    response = finalize(office, reason="领导小组已同意", confirm="on")
    assert response.status_code == 302 and response["Location"] == page_url()
    stored = ScoringPeriod.objects.get()
    assert stored.is_finalized and stored.finalized_by == scenario.office and stored.finalize_reason == "领导小组已同意"
    entry = AuditEntry.objects.get(action="scoring.period.finalized")
    assert entry.actor == scenario.office and entry.data == {"reason": "领导小组已同意"}
    page = text(office.get(page_url()))
    assert "2026-10 has been finalized." in page
    assert 'data-testid="period-state">Finalized<' in page
    assert "领导小组已同意" in page and "文明办" in page
    assert 'data-testid="compute-form"' not in page and 'data-testid="finalize-form"' not in page
    correction = _url_or_none("scoring:correction_new", MONTH, "2026-10")
    assert ('data-testid="correction-link"' in page) == (correction is not None)
    # Compute is refused, on the page and in the service.
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("scoring:compute", args=[MONTH, "2026-10"]), follow=True)
    assert "is finalized and cannot be computed again" in text(response)
    assert not ComputeRun.objects.exists()
    # Finalizing again is refused with the service's message.
    response = finalize(office, reason="again", confirm="on")
    assert response.status_code == 302
    assert "already finalized" in text(office.get(page_url()))


def test_finalizing_without_pending_needs_no_reason(office, scenario):
    manual_scores(MONTH, "2026-10", "A2")
    period_compute(standard_code=MONTH, period_key="2026-10")
    page = text(office.get(page_url()))
    assert 'data-testid="finalize-pending"' not in page
    assert not re.search(r'<textarea[^>]*name="reason"[^>]*required', page)
    assert finalize(office, reason="", confirm="on").status_code == 302
    assert ScoringPeriod.objects.get().is_finalized


def test_finalizing_is_refused_while_a_computation_runs(office, scenario, standards):
    period_compute(standard_code=MONTH, period_key="2026-10")
    ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", status=ComputeStatus.RUNNING)
    response = finalize(office, reason="ok", confirm="on")
    assert response.status_code == 302
    assert "This period is being computed" in text(office.get(page_url()))
    assert not ScoringPeriod.objects.get().is_finalized


def test_finalizing_a_period_never_computed_is_refused(office):
    response = finalize(office, reason="ok", confirm="on")
    assert response.status_code == 302
    assert "has not been computed" in text(office.get(page_url()))


# --- Query counts --------------------------------------------------------------------------------


def test_the_period_page_query_count_does_not_grow(office, scenario, standards, django_assert_max_num_queries):
    def load():
        office.get(page_url())  # warm the hospital cache
        with django_assert_max_num_queries(16) as queries:
            assert office.get(page_url()).status_code == 200
        return len(queries.captured_queries)

    period_compute(standard_code=MONTH, period_key="2026-10")
    few = load()
    for number in range(15):
        DepartmentFactory(code=f"D5{number:02d}", name=f"科室{number}")
    for day in range(1, 20):
        Record.objects.create(
            kind=RecordKind.FINDING,
            standard=standards[MONTH],
            department=scenario.ortho,
            code="B1",
            date=dt.date(2026, 10, day),
            status=RecordStatus.PENDING if day % 2 else RecordStatus.COUNTS,
        )
    period_compute(standard_code=MONTH, period_key="2026-10")
    assert load() == few
    page = text(office.get(page_url()))
    assert 'data-testid="stat-subjects">19<' in page and 'data-testid="record-total">19<' in page


def test_query_count_is_pinned_for_a_run_under_way(office, scenario, standards, django_assert_max_num_queries):
    run = ComputeRun.objects.create(standard=standards[MONTH], period_key="2026-10", status=ComputeStatus.RUNNING)
    office.get(reverse("scoring:periods"))  # warm the hospital cache
    with django_assert_max_num_queries(11):
        assert office.get(reverse("scoring:run_progress", args=[run.pk]), **HTMX).status_code == 200
