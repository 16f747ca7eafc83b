"""Scoring periods (考核周期): the overview of every standard's recent periods, one period's
dashboard, computing it in the background with its progress shown, and finalizing it (定稿).

Who: the whole-hospital roles (``can_view_rankings``) and the office (``can_manage_standards``)
see these pages; department heads and staff get 403 (their scorecards are elsewhere). Only
``can_manage_standards`` may compute and finalize (403 on the POST for everyone else). A standard
that does not exist, or a key that does not fit its cycle, is 404.

Computing: the button queues a :class:`~wenming.scoring.models.ComputeRun` (``compute_request``);
the page then polls ``run_progress`` every second while it waits or runs, and that endpoint
answers with the refreshed dashboard once it is over. With Celery eager (no broker) the run is
over before the POST redirects, so the page shows the results straight away; with a worker it
shows the progress bar first. Either way the same templates serve.

The pages link to the other scoring pages (ranking, records, manual grid, bulletin, pay, corrections)
only when those URL names resolve (:func:`~wenming.scoring.selectors.common.optional_url`).
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wenming.org.access import access_for, require
from wenming.org.selectors import hospital_today
from wenming.standards.definition import Cycle
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from ..models import ComputeRun, ComputeStatus
from ..periods import Period, parse_period
from ..selectors.common import optional_url
from ..selectors.periods import (
    dashboard_period,
    flag_summary,
    grade_rows,
    last_run,
    overview_groups,
    pending_count,
    period_state,
    record_counts,
)
from ..services import ScoringError, period_finalize
from ..services.runs import ACTIVE, active_run, compute_request, run_is_active


def _may_view(access) -> bool:
    return access.can_view_rankings or access.can_manage_standards


def _viewer(view):
    """Login first, then 403 unless the person may see the periods of the whole hospital."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _may_view(access_for(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _standard_or_404(code: str) -> Standard:
    return get_object_or_404(Standard, code=code)


def _period_or_404(standard: Standard, key: str) -> Period:
    try:
        return parse_period(key, Cycle(standard.cycle))
    except (ValueError, TypeError):
        raise Http404 from None


# --- The overview --------------------------------------------------------------------------------


@_viewer
@require_GET
def period_overview(request):
    """Every standard's recent periods (12 months, 4 quarters or 2 years up to the current one, in the
    hospital's time zone) with their state: not computed, computed, finalized."""
    today = hospital_today()
    context = {"groups": overview_groups(today), "today": today, "standards_url": optional_url("standards:list")}
    return render(request, "scoring/period_list.html", context)


# --- One period ----------------------------------------------------------------------------------


class FinalizeForm(forms.Form):
    """定稿: a reason (required by the service while pending flags remain) and a confirmation."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have checked the results. After finalizing, the records of this period can no longer be "
            "changed; later changes are made as corrections."
        ),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, pending: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        if pending:
            reason.widget.attrs["required"] = True
            reason.help_text = _(
                "Some results are still waiting for manual scores. To finalize anyway, please give the reason."
            )
        else:
            reason.help_text = _("Optional: why the period is finalized now, or anything readers should know.")


def _links(standard: Standard, period: Period, *, access, computed: bool) -> list[dict]:
    """Buttons to the period's other pages that exist and that this person may use. Each entry tries
    its URL names in turn (a page before its download); the result pages only once there are results."""
    candidates = [
        (("scoring:records",), _("Records"), True),
        (("scoring:manual_grid",), _("Manual scores"), access.can_enter_scores),
        (("scoring:ranking",), _("Ranking"), computed),
        (("scoring:bulletin_page", "scoring:bulletin"), _("Bulletin"), computed),
        (("scoring:pay_page", "scoring:pay"), _("Pay linkage"), computed),
    ]
    links = []
    for names, label, shown in candidates:
        urls = (optional_url(name, standard.code, period.key) for name in names) if shown else ()
        if url := next((u for u in urls if u), None):
            links.append({"url": url, "label": label})
    return links


def _period_context(request, standard: Standard, period: Period, *, form: FinalizeForm | None = None) -> dict:
    """Everything the dashboard shows. While a run waits or computes, only what the progress needs."""
    access = access_for(request.user)
    today = hospital_today()
    scoring_period = dashboard_period(standard=standard, period=period)
    latest = last_run(standard=standard, period=period)
    state = period_state(scoring_period)
    running = latest if run_is_active(latest) else None
    computed_at = scoring_period.computed_at if scoring_period else None
    failed = (
        latest
        if latest is not None
        and latest.status == ComputeStatus.FAILED
        and (computed_at is None or latest.requested_at > computed_at)
        else None
    )
    context = {
        "standard": standard,
        "period": period,
        "last_day": date.fromordinal(period.end.toordinal() - 1),
        "stored": scoring_period,
        "state": state,
        "run": running,
        "failed_run": failed,
        "future": period.start > today,
        "can_manage": access.can_manage_standards,
    }
    if running is not None:
        return context
    definition = scoring_period.version.definition if scoring_period and scoring_period.version else None
    context["records"] = record_counts(standard, period, scoring_period)
    if state != "none":
        grades, subjects, vetoed = grade_rows(scoring_period, definition)
        flags = flag_summary(scoring_period, definition)
        context.update(grades=grades, subjects=subjects, vetoed=vetoed, flags=flags)
        if state == "computed":
            newest = newest_version(standard.code)
            if newest is not None and scoring_period.version_id != newest.pk:
                context["newer_version"] = newest
            if context["can_manage"]:
                context["finalize_form"] = form or FinalizeForm(pending=flags["counts"]["pending"])
    context["links"] = _links(standard, period, access=access, computed=state != "none")
    if access.can_enter_scores:
        context["manual_grid_url"] = optional_url("scoring:manual_grid", standard.code, period.key)
    if state == "finalized":
        context["correction_url"] = optional_url("scoring:correction_new", standard.code, period.key)
    return context


@_viewer
@require_GET
def period_detail(request, code: str, key: str):
    """One period's dashboard: state, version, grades, flags (who is pending what), records, actions."""
    standard = _standard_or_404(code)
    period = _period_or_404(standard, key)
    return render(request, "scoring/period_detail.html", _period_context(request, standard, period))


@require("can_manage_standards")
@require_POST
def period_compute_view(request, code: str, key: str):
    """Compute or recompute the period in the background (or at once, with Celery eager)."""
    standard = _standard_or_404(code)
    period = _period_or_404(standard, key)
    try:
        run = compute_request(standard=standard, period_key=period.key, by=request.user)
    except ScoringError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("scoring:period", code=standard.code, key=period.key)
    run.refresh_from_db(fields=["status", "error"])
    if run.already_running:
        messages.info(request, _("This period is already being computed; its progress is shown below."))
    elif run.status == ComputeStatus.DONE:
        messages.success(request, _("%(period)s has been computed.") % {"period": period.label})
    elif run.status == ComputeStatus.QUEUED or run.status == ComputeStatus.RUNNING:
        messages.info(request, _("The computation has started; its progress is shown below."))
    return redirect("scoring:period", code=standard.code, key=period.key)


@require("can_manage_standards")
@require_POST
def period_finalize_view(request, code: str, key: str):
    """定稿: refused by the service while pending flags remain and no reason is given; a refusal
    shows the page again with its message and what was typed."""
    standard = _standard_or_404(code)
    period = _period_or_404(standard, key)
    form = FinalizeForm(request.POST, pending=pending_count(standard=standard, period=period))
    if form.is_valid():
        try:
            if active_run(standard=standard, period_key=period.key) is not None:
                raise ScoringError(_("This period is being computed; please finalize it when the computation is over."))
            period_finalize(
                standard_code=standard.code, period_key=period.key, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ScoringError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("%(period)s has been finalized.") % {"period": period.label})
            return redirect("scoring:period", code=standard.code, key=period.key)
    context = _period_context(request, standard, period, form=form)
    if "finalize_form" not in context:  # no longer finalizable (finalized meanwhile, being computed…)
        for message in form.non_field_errors():
            messages.error(request, message)
        return redirect("scoring:period", code=standard.code, key=period.key)
    context["finalize_open"] = True
    return render(request, "scoring/period_detail.html", context, status=400)


@_viewer
@require_GET
def run_progress(request, pk: int):
    """Polled every second by the dashboard: the progress while the run waits or computes, then the
    refreshed dashboard (with the failure, if it failed). Without HTMX: the period's page."""
    run = get_object_or_404(ComputeRun.objects.select_related("standard"), pk=pk)
    standard = run.standard
    period = _period_or_404(standard, run.period_key)
    if not request.htmx:
        return redirect("scoring:period", code=standard.code, key=period.key)
    context = _period_context(request, standard, period)
    context["finished_run"] = run if run.status not in ACTIVE else None
    return render(request, "scoring/_period_body.html", context)
