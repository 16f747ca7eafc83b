"""Appeals (申诉) against inspection findings: filing one, the list, deciding one, its evidence.

Who: only the head of the finding's department files an appeal, within the appeal period (others
who may see the round get 403, those who may not 404). The leadership group and the civility office
see every appeal and decide them (everyone else 403); department heads see their departments'
appeals; everyone else gets 403. The evidence file is served to whoever may see the round.

Every write is one call into ``wenming.inspections.services`` (``appeal_file``, ``appeal_decide``),
which check the rules again under a row lock and refuse finalized scoring periods.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wenming.core.attachments import ATTACHMENT_TYPES, is_image
from wenming.org.access import access_for
from wenming.org.selectors import hospital_today
from wenming.scoring.services import finalized_period

from .. import services
from ..errors import InspectionError
from ..models import Appeal, AppealState
from ..review_forms import AppealFilterForm, AppealForm, DecideForm
from ..selectors import (
    add_appeal_facts,
    appeal_for_user,
    appeal_refusal,
    appeals_for,
    catalogues,
    finding_for_user,
    may_decide_appeals,
    shows_inspector,
)
from .review import filter_departments, require_that, reviewer

PAGE_SIZE = 30


def _sees_appeals(access) -> bool:
    return may_decide_appeals(access) or access.is_department_head


def _add_errors(form, error: InspectionError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# --- Filing an appeal -------------------------------------------------------------------------


@reviewer
@require_http_methods(["GET", "POST"])
def appeal_new(request, pk: int):
    """The head of the finding's department disputes it: the reason and one evidence file."""
    access = access_for(request.user)
    finding = finding_for_user(user=request.user, pk=pk)
    if finding is None:
        raise Http404
    inspection_round = finding.round
    if not access.heads_department(inspection_round.department):
        raise PermissionDenied
    today = hospital_today()
    locked = finalized_period(standard=inspection_round.standard, day=inspection_round.date) is not None
    refusal = appeal_refusal(finding, today=today, locked=locked, appealed=finding.appeals.exists())
    form = AppealForm(request.POST, request.FILES) if request.method == "POST" else AppealForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_file(
                finding=finding,
                by=request.user,
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                today=today,
            )
        except InspectionError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Your appeal against %(finding)s has been filed. The finding does not count until it is decided.")
                % {"finding": f"{finding.code} ×{finding.count}"},
            )
            return redirect(f"{reverse('inspections:round_detail', args=[inspection_round.pk])}#finding-{finding.pk}")
    info = catalogues([inspection_round.standard_id]).get(inspection_round.standard_id, {}).get(finding.code)
    context = {
        "finding": finding,
        "round": inspection_round,
        "info": info,
        "deadline": services.appeal_deadline(inspection_round.date),
        "refusal": refusal,
        "form": form,
        "show_form": refusal is None or bool(form.errors),
        "show_inspector": shows_inspector(access, inspection_round),
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
    }
    return render(request, "inspections/appeal_form.html", context, status=400 if form.errors else 200)


# --- The list ---------------------------------------------------------------------------------


@require_that(_sees_appeals)
@require_GET
def appeal_list(request):
    """The appeals the person may see, pending first (longest waiting first), 30 a page."""
    access = access_for(request.user)
    form = AppealFilterForm(request.GET or None, departments=filter_departments(access))
    filters = form.filters()
    appeals = appeals_for(user=request.user, state=filters.get("state", ""), department=filters.get("department"))
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = add_appeal_facts(list(page.object_list), today=hospital_today())
    pending = appeals_for(user=request.user, state=AppealState.PENDING).count()
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "pending": pending,
        "can_decide": may_decide_appeals(access),
        "filtered": bool(request.GET.dict().keys() - {"page"}),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "inspections/_appeal_table.html" if partial else "inspections/appeal_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Deciding ---------------------------------------------------------------------------------


def _appeal(user, pk: int) -> Appeal:
    appeal = appeal_for_user(user=user, pk=pk)
    if appeal is None:
        raise Http404
    return appeal


def _decided_elsewhere(appeal: Appeal) -> str:
    """The message for a decision made on a stale page: someone else decided first."""
    person = appeal.decided_by
    name = ""
    if person is not None:
        staff = getattr(person, "staff", None)
        name = staff.name if staff is not None else person.get_username()
    when = date_format(localtime(appeal.decided_at), "DATETIME_FORMAT") if appeal.decided_at else ""
    return _(
        "%(person)s decided this appeal on %(when)s, while you had it open: %(state)s. "
        "Your decision was not saved and nothing was changed."
    ) % {"person": name or "—", "when": when, "state": appeal.get_state_display()}


@require_that(may_decide_appeals)
@require_http_methods(["GET", "POST"])
def appeal_decide(request, pk: int):
    """Keep the finding (it counts again) or void it (with a note)."""
    appeal = _appeal(request.user, pk)
    form = DecideForm(request.POST if request.method == "POST" else None)
    status = 200
    stale = ""
    if request.method == "POST":
        if appeal.state != AppealState.PENDING:
            stale = _decided_elsewhere(appeal)
            status = 409
        elif form.is_valid():
            uphold = form.cleaned_data["decision"] == DecideForm.UPHOLD
            try:
                services.appeal_decide(appeal=appeal, by=request.user, uphold=uphold, note=form.cleaned_data["note"])
            except InspectionError as error:
                appeal = _appeal(request.user, pk)
                if appeal.state != AppealState.PENDING:
                    stale = _decided_elsewhere(appeal)
                    status = 409
                else:
                    _add_errors(form, error)
                    status = 400
            else:
                finding = f"{appeal.finding.code} ×{appeal.finding.count}"
                if uphold:
                    done = _("The finding %(finding)s is kept: it counts again. The department has been told.")
                else:
                    done = _(
                        "The finding %(finding)s has been voided: it no longer counts. The department has been told."
                    )
                messages.success(request, done % {"finding": finding})
                return redirect("inspections:appeals")
        else:
            status = 400
    finding = appeal.finding
    inspection_round = finding.round
    info = catalogues([inspection_round.standard_id]).get(inspection_round.standard_id, {}).get(finding.code)
    context = {
        "appeal": appeal,
        "finding": finding,
        "round": inspection_round,
        "info": info,
        "deadline": services.appeal_deadline(inspection_round.date),
        "form": form if appeal.state == AppealState.PENDING else None,
        "stale": stale,
        "show_inspector": True,  # only the leadership group and the office decide
    }
    return render(request, "inspections/appeal_decide.html", context, status=status)


# --- Evidence ---------------------------------------------------------------------------------


@reviewer
@require_GET
def appeal_evidence(request, pk: int):
    """An appeal's evidence file, to those who may see the round: images shown, others downloaded."""
    appeal = _appeal(request.user, pk)
    if not appeal.evidence:
        raise Http404
    extension = os.path.splitext(appeal.evidence.name)[1].lower()
    try:
        handle = appeal.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not is_image(appeal.evidence.name),
        filename=f"appeal-{appeal.pk}-evidence{extension}",
        content_type=ATTACHMENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
