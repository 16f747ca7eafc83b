"""The 日常记实 pages: the list with entry, and one record with approval, 退回 and resubmission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wenming.org.access import access_for
from wenming.org.models import Staff, StaffStatus
from wenming.scoring.selectors.records import code_catalogue

from .. import selectors
from ..forms import (
    DailyRecordForm,
    ReturnForm,
    apply_service_errors,
)
from ..models import DailyState
from ..services import daily
from ..services.common import definition_of, may_decide, may_manage
from .common import cycle_or_404, evaluations_required, fail, form_errors, posted_version

# --- 日常记实 ---------------------------------------------------------------------------------


def _may_keep_records(access) -> bool:
    return may_decide(access) or bool(access.head_paths)


def _record_form(request, cycle, access, data=None, files=None, initial=None):
    staff = Staff.objects.filter(status=StaffStatus.ACTIVE, ethics_members__cycle=cycle).select_related("department")
    if not may_manage(access):
        staff = staff.filter(pk__in=selectors.visible_members(access=access, cycle=cycle).values("staff_id"))
    catalogue = code_catalogue(definition_of(cycle))
    codes = [(c.code, c.label) for c in catalogue.values() if c.kind in ("deduction", "bonus", "veto")]
    return DailyRecordForm(data, files, staff_queryset=staff.order_by("staff_no"), codes=codes, initial=initial)


@evaluations_required
@require_http_methods(["GET", "POST"])
def records(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not _may_keep_records(access):
        raise Http404
    may_enter = may_manage(access) or bool(access.head_paths)
    form = None
    if may_enter and cycle.state in daily.OPEN_STATES:
        form = _record_form(request, cycle, access, request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                daily.daily_record_create(
                    by=request.user,
                    cycle=cycle,
                    staff=data["staff"],
                    kind=data["kind"],
                    day=data["date"],
                    code=data["code"],
                    count=data["count"],
                    description=data["description"],
                    evidence=data["evidence"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The record was entered and waits for approval."))
                return redirect("evaluations:records", year=year)
    state = request.GET.get("state", "")
    rows = selectors.daily_records_for(access=access, cycle=cycle)
    if state in DailyState.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "evaluations/records.html",
        {
            "cycle": cycle,
            "rows": rows[:500],
            "form": form,
            "state": state,
            "states": list(DailyState),
            "counts": selectors.daily_counts(access=access, cycle=cycle),
            "may_manage": may_manage(access),
        },
    )


@evaluations_required
@require_http_methods(["GET", "POST"])
def record_detail(request, year: int, pk: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    record = selectors.daily_record_for_user(access=access, pk=pk)
    if record is None or record.cycle_id != cycle.pk:
        raise Http404
    return_form = ReturnForm(initial={"version": record.version})
    edit_form = None
    if record.state == DailyState.RETURNED and cycle.state in daily.OPEN_STATES:
        edit_form = _record_form(
            request,
            cycle,
            access,
            initial={
                "staff": record.staff,
                "kind": record.kind,
                "date": record.date,
                "code": record.code,
                "count": record.count,
                "description": record.description,
                "version": record.version,
            },
        )
        edit_form.fields["staff"].disabled = True
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                daily.daily_record_approve(
                    by=request.user, record=record, expected_version=posted_version(request.POST)
                )
                messages.success(request, _("The record was approved."))
            elif action == "return":
                return_form = ReturnForm(request.POST)
                if not return_form.is_valid():
                    raise form_errors(return_form)
                daily.daily_record_return(
                    by=request.user,
                    record=record,
                    reason=return_form.cleaned_data["reason"],
                    expected_version=return_form.cleaned_data["version"],
                )
                messages.success(request, _("The record was returned."))
            elif action == "resubmit" and edit_form is not None:
                edit_form = _record_form(request, cycle, access, request.POST, initial={"staff": record.staff})
                edit_form.fields["staff"].disabled = True
                if not edit_form.is_valid():
                    raise form_errors(edit_form)
                data = edit_form.cleaned_data
                daily.daily_record_resubmit(
                    by=request.user,
                    record=record,
                    kind=data["kind"],
                    day=data["date"],
                    code=data["code"],
                    count=data["count"],
                    description=data["description"],
                    expected_version=data["version"],
                )
                messages.success(request, _("The record was corrected and submitted again."))
            else:
                raise PermissionDenied
        except ValidationError as error:
            fail(request, error)
            if action == "resubmit":
                return render(
                    request,
                    "evaluations/record_detail.html",
                    {"cycle": cycle, "record": record, "return_form": return_form, "edit_form": edit_form},
                )
        return redirect("evaluations:record", year=year, pk=pk)
    return render(
        request,
        "evaluations/record_detail.html",
        {
            "cycle": cycle,
            "record": record,
            "return_form": return_form,
            "edit_form": edit_form,
            "may_approve": _may_approve(access, record),
        },
    )


def _may_approve(access, record) -> bool:
    if record.state == DailyState.SUBMITTED:
        return daily.may_handle(access, record)
    if record.state == DailyState.DEPARTMENT_APPROVED:
        return may_manage(access)
    return False
