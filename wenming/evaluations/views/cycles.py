"""The cycle pages: the list, starting a year, a year's steps and progress, moving it on or back,
and the person's self-evaluation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wenming.org.access import access_for

from .. import selectors
from ..forms import (
    CycleForm,
    SelfForm,
    StepBackForm,
    apply_service_errors,
)
from ..models import CycleState, EthicsCycle, EthicsMember
from ..services import cycles, steps
from ..services.common import definition_of, grade_names, may_decide, may_manage
from .common import cycle_or_404, evaluations_required, fail

# --- Cycles -----------------------------------------------------------------------------------


@evaluations_required
def cycle_list(request):
    access = access_for(request.user)
    cycle_rows = list(EthicsCycle.objects.select_related("standard").order_by("-year"))
    own = {
        m.cycle_id: m for m in EthicsMember.objects.filter(staff_id=access.staff_id).only("cycle_id", "self_at")
    } if access.staff_id else {}  # fmt: skip
    return render(
        request,
        "evaluations/cycle_list.html",
        {"cycles": [(c, own.get(c.pk)) for c in cycle_rows], "may_manage": may_manage(access)},
    )


@evaluations_required
@require_http_methods(["GET", "POST"])
def cycle_new(request):
    access = access_for(request.user)
    if not may_manage(access):
        raise PermissionDenied
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = cycles.cycle_create(
                by=request.user,
                year=data["year"],
                standard=data["standard"],
                title=data["title"],
                categories=data["categories"] or None,
                self_due=data["self_due"],
                department_due=data["department_due"],
                publicity_days=data["publicity_days"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The cycle was created with %(count)d people.") % {"count": cycle.members.count()}
            )
            return redirect("evaluations:detail", year=cycle.year)
    return render(request, "evaluations/cycle_new.html", {"form": form})


@evaluations_required
def cycle_detail(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    own = selectors.own_member(access=access, cycle=cycle)
    context = {
        "cycle": cycle,
        "steps": list(CycleState),
        "own": own,
        "may_manage": may_manage(access),
        "may_decide": may_decide(access),
        "progress": selectors.progress_by_department(access=access, cycle=cycle),
        "departments": selectors.headed_departments(access=access, cycle=cycle) if access.head_paths else [],
        "daily_counts": selectors.daily_counts(access=access, cycle=cycle),
        "step_back_form": StepBackForm(initial={"version": cycle.version}),
        "may_see_publicity": selectors.may_see_publicity(access, cycle),
    }
    if may_decide(access):
        context["grades"] = selectors.grade_counts(cycle=cycle)
    return render(request, "evaluations/cycle_detail.html", context)


@evaluations_required
@require_POST
def cycle_move(request, year: int, direction: str):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not may_manage(access):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        if direction == "next":
            cycle = cycles.cycle_advance(cycle=cycle, by=request.user, expected_version=version)
            messages.success(request, _("The cycle is now at: %(step)s.") % {"step": cycle.get_state_display()})
        elif direction == "back":
            cycle = cycles.cycle_step_back(
                cycle=cycle, by=request.user, reason=request.POST.get("reason", ""), expected_version=version
            )
            messages.success(request, _("The cycle is back at: %(step)s.") % {"step": cycle.get_state_display()})
        else:
            cycles.cycle_recompute(cycle=cycle, by=request.user)
            messages.success(request, _("The results were recomputed."))
    except ValidationError as error:
        fail(request, error)
    return redirect("evaluations:detail", year=year)


# --- 个人自评 ---------------------------------------------------------------------------------


@evaluations_required
@require_http_methods(["GET", "POST"])
def self_evaluation(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    member = selectors.own_member(access=access, cycle=cycle)
    if member is None:
        raise Http404
    grades = grade_names(definition_of(cycle))
    initial = {"summary": member.self_summary, "grade": member.self_grade, "version": member.version}
    form = SelfForm(request.POST or None, initial=initial, grades=grades)
    editable = cycle.state == CycleState.SELF
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                steps.self_evaluation_submit(
                    by=request.user,
                    member=member,
                    summary=form.cleaned_data["summary"],
                    grade=form.cleaned_data["grade"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request, _("Your self-evaluation was submitted. You may change it until the step ends.")
                )
                return redirect("evaluations:self", year=year)
    return render(
        request,
        "evaluations/self.html",
        {
            "cycle": cycle,
            "member": member,
            "form": form,
            "editable": editable,
            "show_grades": selectors.may_see_grades(access, cycle, member),
        },
    )
