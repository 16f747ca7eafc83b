"""Scoring records pages: a period's records (filters, approval, voiding, its corrections), entering
findings, bonuses and vetoes, one record with its evidence and history, and evidence files. The
manual score grid is in ``manual``, entering corrections (更正) of finalized periods in ``corrections``;
both use this module's ``_period_page`` and ``_page_links``.

Who: everyone who may open scorecards (``can_view_scores``) sees a period's records within their
scope — a department head only their own departments', read-only (another department's record or
evidence is 404). Entering (records, manual scores, evidence, edits) needs ``can_enter_scores``
(文明办, 领导小组); approving, voiding and corrections need ``can_manage_standards`` (文明办).
Everyone else gets 403. A standard that does not exist, or a key that does not fit its cycle, is 404.

Evaluators are never shown to the evaluated: who entered a manual score is shown only to the
whole-hospital roles.

Reads are in ``wenming.scoring.selectors.records`` (scoped to the person, query counts pinned in the
tests); every write is one call into ``wenming.scoring.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.attachments import is_image
from wenming.org.access import access_for, require
from wenming.org.selectors import hospital_today, staff_search
from wenming.standards.definition import Rule

from .. import services
from ..forms import (
    EvidenceForm,
    RecordEditForm,
    RecordFilterForm,
    RecordForm,
    VoidForm,
    apply_service_errors,
)
from ..models import Record, RecordKind, RecordStatus
from ..selectors.common import optional_url
from ..selectors.records import (
    DATED,
    LISTED,
    RECORD_RELATED,
    PeriodPage,
    decorate_records,
    evidence_for_user,
    filter_departments,
    filtered_records,
    period_corrections,
    period_page,
    period_records,
    record_evidence,
    record_for_user,
    record_history,
    record_is_locked,
    record_period,
    scope_departments,
    scope_staff,
    status_counts,
)

PAGE_SIZE = 50
STAFF_OPTIONS = 20


# --- What a URL names -------------------------------------------------------------------------


def _period_page(code: str, key: str) -> PeriodPage:
    """The standard and period of a URL; 404 for an unknown standard or a key of another cycle."""
    page = period_page(standard_code=code, period_key=key)
    if page is None:
        raise Http404
    return page


def _record_for_user(user, pk: int) -> Record:
    """The record if the person may see its subject; 404 for missing and not-yours alike."""
    record = record_for_user(user=user, pk=pk)
    if record is None:
        raise Http404
    return record


def _page_links(access, page: PeriodPage) -> dict:
    """Where the breadcrumbs lead: the period's page for those who may open it, else the records."""
    records_url = reverse("scoring:records", args=page.args)
    period_url = None
    if access.can_view_rankings or access.can_manage_standards:
        period_url = optional_url("scoring:period", *page.args)
    return {
        "period_url": period_url or records_url,
        "periods_url": optional_url("scoring:periods") if period_url else None,
        "records_url": records_url,
    }


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- A period's records -----------------------------------------------------------------------


def _row_context(request, record: Record, *, error: str = "", done: str = "") -> dict:
    """What one row of the record list needs when it is drawn alone (after approve / void)."""
    access = access_for(request.user)
    page = _period_page(record.standard.code, record_period(record).key)
    decorate_records([record], catalogue=page.catalogue, access=access)
    return {
        "r": record,
        "can_decide": access.can_manage_standards,
        "locked": record_is_locked(record),
        "next_url": _next_url(request, reverse("scoring:records", args=page.args)),
        "row_error": error,
        "row_done": done,
        "period": page.period,
    }


@require("can_view_scores")
@require_GET
def records_list(request, code: str, key: str):
    """The period's records, filtered, 50 a page, with the counts per status; corrections below."""
    access = access_for(request.user)
    page = _period_page(code, key)
    form = RecordFilterForm(request.GET or None, departments=filter_departments(access=access, page=page))
    form.fields["kind"].choices = [("", _("All kinds")), *[(k.value, k.label) for k in LISTED]]
    filters = form.filters()
    records = filtered_records(period_records(access=access, page=page), filters=filters, page=page)
    counts = status_counts(records)
    if status := filters.get("status"):
        records = records.filter(status=status)
    records = records.select_related(*RECORD_RELATED).order_by(F("date").desc(nulls_last=True), "-pk")
    paginated = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = decorate_records(list(paginated.object_list), catalogue=page.catalogue, access=access)
    can_enter = access.can_enter_scores and not page.finalized
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "page": paginated,
        "rows": rows,
        "counts": counts,
        "can_decide": access.can_manage_standards and not page.finalized,
        "locked": page.finalized,
        "next_url": request.get_full_path(),
        "new_links": [
            {"kind": kind, "label": label}
            for kind, label in (
                (RecordKind.FINDING, _("New finding")),
                (RecordKind.BONUS, _("New bonus")),
                (RecordKind.VETO, _("New veto")),
            )
            if can_enter and page.has(kind)
        ],
        "manual_url": (
            reverse("scoring:manual_grid", args=page.args)
            if access.can_enter_scores and page.definition.leaves(Rule.MANUAL)
            else None
        ),
        "correction_url": (
            reverse("scoring:correction_new", args=page.args)
            if page.finalized and access.can_manage_standards
            else None
        ),
        "corrections": period_corrections(access=access, page=page),
        **_page_links(access, page),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "scoring/records_table.html" if partial else "scoring/records_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _decided(request, record: Record, *, error=None, done: str = ""):
    """After approve / void: the redrawn row for HTMX, else a message and back to the list."""
    if request.htmx:
        fresh = _record_for_user(request.user, record.pk)
        text = " ".join(error.messages) if error is not None else ""
        response = render(request, "scoring/record_row.html", _row_context(request, fresh, error=text, done=done))
        if error is None:
            response["HX-Trigger"] = "records-changed"  # the status counts above the list redraw themselves
        return response
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(_next_url(request, reverse("scoring:record_detail", args=[record.pk])))


@require("can_manage_standards")
@require_POST
def record_approve(request, pk: int):
    """pending → counts."""
    record = _record_for_user(request.user, pk)
    try:
        services.record_approve(record=record, by=request.user)
    except services.ScoringError as error:
        return _decided(request, record, error=error)
    return _decided(request, record, done=_("The record has been approved and now counts."))


@require("can_manage_standards")
@require_POST
def record_void(request, pk: int):
    """pending / counts → voided, with a reason."""
    record = _record_for_user(request.user, pk)
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.record_void(record=record, by=request.user, reason=reason)
    except services.ScoringError as error:
        return _decided(request, record, error=error)
    return _decided(request, record, done=_("The record has been voided; it no longer counts."))


# --- Entering records -------------------------------------------------------------------------


@require("can_enter_scores")
@require_GET
def staff_options(request, code: str, key: str):
    """Staff in post matching what was typed, as ``<option>``s for a staff number box."""
    access = access_for(request.user)
    _period_page(code, key)
    q = next((request.GET.get(name, "").strip() for name in ("q", "subject", "assessor") if request.GET.get(name)), "")
    staff = list(staff_search(access=access, q=q)[:STAFF_OPTIONS]) if q else []
    return render(request, "scoring/records_staff_options.html", {"staff": staff})


def _kind_titles() -> dict[str, str]:
    return {
        RecordKind.FINDING: _("New finding"),
        RecordKind.BONUS: _("New bonus"),
        RecordKind.VETO: _("New veto"),
    }


@require("can_enter_scores")
@require_http_methods(["GET", "POST"])
def record_new(request, code: str, key: str):
    """Enter a finding, bonus or veto (?kind=) dated in the period, with evidence."""
    access = access_for(request.user)
    page = _period_page(code, key)
    kind = request.GET.get("kind") or RecordKind.FINDING
    if kind not in DATED or not page.has(kind):
        raise Http404
    if page.finalized:
        messages.warning(request, _("This period has been finalized; its records can no longer be changed."))
        return redirect("scoring:records", *page.args)
    today = hospital_today()
    form = RecordForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
        catalogue=page.catalogue,
        period=page.period,
        departments=scope_departments(access=access, definition=page.definition) if page.is_department else None,
        staff=scope_staff(access=access),
        search_url=reverse("scoring:records_staff_options", args=page.args),
        initial={"date": today if page.period.contains(today) else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create(
                standard=page.standard,
                kind=kind,
                subject=data["subject"],
                code=data["code"],
                date=data["date"],
                count=data["count"] or 1,
                note=data["note"],
                assessor=data["assessor"],
                by=request.user,
                status=data["status"],
                evidence=data["evidence"],
            )
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The record %(code)s for %(subject)s has been saved.")
                % {"code": record.code, "subject": record.subject.name},
            )
            if request.POST.get("another"):
                return redirect(f"{reverse('scoring:record_new', args=page.args)}?kind={kind}")
            return redirect("scoring:records", *page.args)
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "kind": kind,
        "title": _kind_titles()[kind],
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        **_page_links(access, page),
    }
    return render(request, "scoring/record_form.html", context, status=400 if form.errors else 200)


# --- One record -------------------------------------------------------------------------------


@require("can_view_scores")
@require_http_methods(["GET", "POST"])
def record_detail(request, pk: int):
    """One record: what it says, its evidence (with upload), its history; the editors change its
    date, count and note here (with the version they saw)."""
    access = access_for(request.user)
    record = _record_for_user(request.user, pk)
    if request.method == "POST" and not access.can_enter_scores:
        raise PermissionDenied
    period = record_period(record)
    page = _period_page(record.standard.code, period.key)
    locked = record_is_locked(record)
    open_record = not locked and record.status != RecordStatus.VOIDED
    editable = access.can_enter_scores and open_record and record.kind != RecordKind.CORRECTION
    form = None
    if editable:
        form = RecordEditForm(
            request.POST if request.method == "POST" else None,
            record=record,
            period=None if record.kind == RecordKind.MANUAL else period,
        )
    elif request.method == "POST":
        messages.error(request, _("This record can no longer be changed."))
        return redirect("scoring:record_detail", pk=record.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_update(
                record=record,
                by=request.user,
                expected_version=data["version"],
                note=data["note"],
                count=data.get("count"),
                date=data.get("date"),
            )
        except services.RecordConflict:
            form.mark_conflict(Record.objects.get(pk=record.pk))
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The record has been saved."))
            return redirect("scoring:record_detail", pk=record.pk)
    decorate_records([record], catalogue=page.catalogue, access=access)
    context = {
        "record": record,
        "page_info": page,
        "standard": page.standard,
        "period": period,
        "form": form,
        "locked": locked,
        "evidence": record_evidence(record),
        "evidence_form": EvidenceForm() if access.can_enter_scores and open_record else None,
        "can_decide": access.can_manage_standards and open_record,
        "history": record_history(access=access, record=record),
        "next_url": request.get_full_path(),
        **_page_links(access, page),
    }
    return render(request, "scoring/record_detail.html", context, status=400 if form and form.errors else 200)


@require("can_enter_scores")
@require_POST
def evidence_upload(request, pk: int):
    """Attach files to a record, then back to it."""
    record = _record_for_user(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        try:
            stored = services.evidence_add(record=record, files=form.cleaned_data["files"], by=request.user)
        except services.ScoringError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            count = len(stored)
            messages.success(
                request,
                ngettext("%(count)d file has been attached.", "%(count)d files have been attached.", count)
                % {"count": count},
            )
    return redirect("scoring:record_detail", pk=record.pk)


@require("can_view_scores")
@require_GET
def evidence_file(request, pk: int):
    """An evidence file, to people who may see its record's subject: images shown, others downloaded."""
    evidence = evidence_for_user(user=request.user, pk=pk)
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not is_image(evidence.name),
        filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
