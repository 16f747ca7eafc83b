"""The entry side of inspections: the schedule (what is due this week or month under each plan), the
phone page an inspector records a round on, and the page that confirms a submitted round.

Who: the schedule is for the whole-hospital roles (inspectors, the civility office, the leadership
group, system admins) and, read-only, for department heads (their departments' recent rounds);
everyone else gets 403. Entering rounds is for inspectors, the office and system admins
(``may_enter_rounds``); the leadership group and heads get 403.

The round page works without JavaScript (a plain multipart POST; on an error the page comes back
with everything typed except the photos, and says so). ``static/inspections/round.js`` adds the
comfort a phone needs: a +/− stepper, the draft kept on the phone (localStorage, photos in
IndexedDB) until the server confirms, and a retry when the network failed. It posts the same
fields with ``Accept: application/json`` and gets JSON back. Both paths are idempotent by the
round's ``client_token``: a second submission answers with the round already stored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wenming.org.access import access_for
from wenming.org.models import Department, Role, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.rectification.models import RectificationItem
from wenming.scoring.selectors.common import optional_url
from wenming.standards.selectors import newest_version

from .. import services
from ..forms import RoundForm, checklist
from ..models import InspectionPlan, InspectionRound, RoundFinding, RoundState
from ..selectors import catalogues, plan_schedules, rounds_for, shows_inspector

RECENT_ROUNDS = 10
HEAD_ROUNDS = 20


def may_enter_rounds(access) -> bool:
    """Inspectors, the civility office and system admins record rounds (as the service allows)."""
    return access.has(Role.INSPECTOR) or access.is_office or access.is_system_admin


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _active_plans():
    return InspectionPlan.objects.filter(active=True).select_related("standard").order_by("name", "pk")


# --- The schedule -------------------------------------------------------------------------------


def _findings_of(rounds: list[InspectionRound]) -> None:
    """Set ``rows`` (code, name, count, note, points) and ``points`` on each round."""
    by_standard = catalogues(r.standard_id for r in rounds) if rounds else {}
    for inspection_round in rounds:
        catalogue = by_standard.get(inspection_round.standard_id, {})
        rows = []
        total = Decimal(0)
        for finding in inspection_round.findings.all():
            info = catalogue.get(finding.code)
            points = info.points * finding.count if info is not None and info.points is not None else None
            total += points or 0
            rows.append({"finding": finding, "name": info.name if info else "", "points": points})
        inspection_round.rows = rows
        inspection_round.points = total


@login_required
@require_GET
def schedule(request):
    """Inspectors and the office: each active plan's due and overdue departments with a "Start
    round" button, and their own recent rounds. Leadership: the same, read-only. Department heads:
    their departments' recent rounds and findings."""
    access = access_for(request.user)
    if not (access.sees_whole_hospital or access.is_department_head):
        raise PermissionDenied
    today = hospital_today()
    context = {
        "today": today,
        "may_enter": may_enter_rounds(access),
        "may_manage": access.can_manage_standards,
        "round_list_url": optional_url("inspections:round_list"),
    }
    if access.sees_whole_hospital:
        schedules = plan_schedules(plans=list(_active_plans()), today=today, user=request.user)
        schedules.sort(key=lambda s: not s.mine)
        mine = []
        if context["may_enter"]:
            mine = list(
                InspectionRound.objects.filter(inspector=request.user, state=RoundState.SUBMITTED)
                .select_related("department")
                .annotate(finding_count=Count("findings"))
                .order_by("-submitted_at", "-pk")[:RECENT_ROUNDS]
            )
        for inspection_round in mine:
            inspection_round.detail_url = optional_url("inspections:round_detail", inspection_round.pk)
        context.update({"schedules": schedules, "my_rounds": mine})
        return render(request, "inspections/schedule.html", context)
    rounds = list(
        rounds_for(user=request.user)
        .filter(state=RoundState.SUBMITTED)
        .select_related("inspector__staff")
        .prefetch_related(Prefetch("findings", queryset=RoundFinding.objects.select_related("record").order_by("pk")))
        .order_by("-date", "-pk")[:HEAD_ROUNDS]
    )
    _findings_of(rounds)
    for inspection_round in rounds:
        inspection_round.detail_url = optional_url("inspections:round_detail", inspection_round.pk)
        inspection_round.show_inspector = shows_inspector(access, inspection_round)
        inspection_round.appeal_until = services.appeal_deadline(inspection_round.date)
    context.update({"head_view": True, "head_rounds": rounds})
    return render(request, "inspections/schedule.html", context)


# --- Entering a round ---------------------------------------------------------------------------


def _pk(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and value.isascii() else None


def _chosen_plan(value, *, inactive_too: bool = False) -> InspectionPlan | None:
    """The active plan a request names; None when it names none; 404 for an unknown or inactive one.
    A submission may name a plan made inactive since the page was opened: the service says so."""
    if not (value or "").strip():
        return None
    plans = InspectionPlan.objects.select_related("standard") if inactive_too else _active_plans()
    plan = plans.filter(pk=_pk(value) or 0).first()
    if plan is None:
        raise Http404
    return plan


def _refusal(plan: InspectionPlan, department: Department) -> str:
    """Why ``department`` cannot be inspected under ``plan`` now (the service says the same on
    submit), or ""."""
    if not department.is_active:
        return _("%(department)s is no longer active and cannot be inspected.") % {"department": department.name}
    if not plan.departments.filter(pk=department.pk).exists():
        return _("%(department)s is not inspected under this plan.") % {"department": department.name}
    return ""


def _department_staff(department: Department) -> list[Staff]:
    """Staff in post in the department and those under it: who may be named responsible."""
    return list(
        Staff.objects.filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
        .select_related("department")
        .order_by("department__path", "staff_no")
    )


def _round_page(request, *, plan, department, groups, staff, form=None, token="", started_at="", status=200):
    context = {
        "plan": plan,
        "department": department,
        "groups": groups,
        "staff": staff,
        "form": form,
        "client_token": token,
        "started_at": started_at,
        "today": hospital_today(),
        "finding_total": sum(len(g.rows) for g in groups),
    }
    return render(request, "inspections/round_form.html", context, status=status)


def _success(request, inspection_round: InspectionRound):
    url = reverse("inspections:round_done", args=[inspection_round.pk])
    if _wants_json(request):
        return JsonResponse({"ok": True, "round": inspection_round.pk, "url": url})
    return redirect(url)


def _failure(request, form: RoundForm, **page):
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": form.errors, "messages": form.non_field_errors}, status=400)
    return _round_page(request, form=form, token=form.client_token, **page)


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    """Record a round: ``?plan=`` and ``?department=`` choose what is inspected (a list to pick from
    when missing); the checklist is the deductions of the plan's standard, grouped by item."""
    access = access_for(request.user)
    if not may_enter_rounds(access):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    plan = _chosen_plan(source.get("plan"), inactive_too=request.method == "POST")
    if plan is None:
        if request.method == "POST":
            raise Http404
        schedules = plan_schedules(plans=list(_active_plans()), today=hospital_today(), user=request.user)
        schedules.sort(key=lambda s: not s.mine)
        return render(request, "inspections/round_form.html", {"step": "plan", "schedules": schedules})
    department_pk = _pk(source.get("department"))
    if department_pk is None:
        if request.method == "POST" or (source.get("department") or "").strip():
            raise Http404
        schedule_row = plan_schedules(plans=[plan], today=hospital_today(), user=request.user)[0]
        due = {d.pk for d in schedule_row.due}
        departments = list(plan.departments.filter(is_active=True).order_by("path"))
        context = {"step": "department", "plan": plan, "schedule": schedule_row, "departments": departments}
        context["due"] = due
        return render(request, "inspections/round_form.html", context)
    department = Department.objects.filter(pk=department_pk).first()
    if department is None:
        raise Http404
    version = newest_version(plan.standard.code)
    groups = checklist(version.definition)
    staff = _department_staff(department)
    page = {"plan": plan, "department": department, "groups": groups, "staff": staff}

    if request.method == "GET":
        refusal = _refusal(plan, department)
        if refusal:
            return render(request, "inspections/round_form.html", {"step": "refused", "plan": plan, "refusal": refusal})
        return _round_page(request, token=uuid.uuid4().hex, started_at=timezone.now().isoformat(), **page)

    form = RoundForm(
        request.POST,
        request.FILES,
        groups=groups,
        staff={s.staff_no: s for s in staff},
        department=department,
    )
    if form.client_token:
        stored = InspectionRound.objects.filter(client_token=form.client_token, inspector=request.user).first()
        if stored is not None:  # sent again (a double tap, a retry after a lost answer)
            return _success(request, stored)
    else:
        form.non_field_errors.append(_("The round has no valid identifier; start the round again."))
    if not form.is_valid():
        return _failure(request, form, **page)
    try:
        inspection_round = services.round_submit(
            client_token=form.client_token,
            department=department,
            inspector=request.user,
            standard=plan.standard,
            findings=form.findings,
            unannounced=form.unannounced,
            plan=plan,
            started_at=form.started_at,
            note=form.note,
            by=request.user,
        )
    except services.InspectionError as error:
        form.add_service_error(error)
        return _failure(request, form, **page)
    return _success(request, inspection_round)


# --- After submitting -----------------------------------------------------------------------------


@login_required
@require_GET
def round_done(request, pk: int):
    """The submitted round in short (findings, points, photos, unannounced, rectification items
    opened) with the way on: the next department due under the plan."""
    access = access_for(request.user)
    if not may_enter_rounds(access):
        raise PermissionDenied
    rounds = InspectionRound.objects.filter(pk=pk, state=RoundState.SUBMITTED)
    if not (access.is_office or access.is_system_admin):
        rounds = rounds.filter(inspector=request.user)
    inspection_round = rounds.select_related("department", "plan", "standard").first()
    if inspection_round is None:
        raise Http404
    findings = list(
        inspection_round.findings.annotate(photo_count=Count("photos")).select_related("responsible").order_by("pk")
    )
    version = newest_version(inspection_round.standard.code)
    definition = version.definition if version is not None else None
    total = Decimal(0)
    for finding in findings:
        deduction = services.deduction_of(definition, finding.code) if definition is not None else None
        finding.name = deduction.name if deduction else ""
        finding.points = deduction.points * finding.count if deduction else None
        total += finding.points or 0
    items = RectificationItem.objects.filter(finding__inspection_finding__round=inspection_round).count()
    next_department = None
    if inspection_round.plan is not None and inspection_round.plan.active:
        schedule_row = plan_schedules(plans=[inspection_round.plan], today=hospital_today())[0]
        next_department = next((d for d in schedule_row.due if d.pk != inspection_round.department_id), None)
    context = {
        "round": inspection_round,
        "findings": findings,
        "points": total,
        "photo_count": sum(f.photo_count for f in findings),
        "item_count": items,
        "ledger_url": optional_url("rectification:ledger"),
        "detail_url": optional_url("inspections:round_detail", inspection_round.pk),
        "next_department": next_department,
        "appeal_until": services.appeal_deadline(inspection_round.date),
    }
    return render(request, "inspections/round_done.html", context)
