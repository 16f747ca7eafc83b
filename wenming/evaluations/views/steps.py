"""The department panel's grid, the committee's decisions, and publicity with objections and their review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wenming.org.access import access_for
from wenming.org.models import StaffStatus
from wenming.scoring.engine import format_points
from wenming.scoring.services.manual import ManualScoresConflict, ManualScoresInvalid

from .. import selectors
from ..forms import (
    DecisionForm,
    ObjectionForm,
    ReviewForm,
    apply_service_errors,
)
from ..models import CycleState, ObjectionState
from ..services import steps
from ..services.common import EvaluationError, definition_of, grade_names, may_decide
from .common import cycle_or_404, evaluations_required, fail, fail_form, posted_version

# --- 科室评价 ---------------------------------------------------------------------------------


def _seen(raw: str) -> tuple[int, int] | None:
    """The (record pk, version) a grid cell was shown with; None when none (or garbled, which the
    save then reports as a conflict if a value is stored)."""
    try:
        pk, version = (int(x) for x in raw.split(":"))
    except ValueError:
        return None
    return pk, version


def _panel_input(request, items, rows):
    """The grid as posted: scores by (staff pk, item code), seen versions, opinions by member pk.
    People who have left since the cycle began are shown but not scored (they are out of scope)."""
    scores, seen, opinions, typed = {}, {}, {}, {}
    for row in rows:
        member = row.member
        for item, _value, _token in row.cells:
            name = f"s-{member.pk}-{item.code}"
            raw = request.POST.get(name, "").strip()
            typed[name] = raw
            if member.staff.status != StaffStatus.ACTIVE:
                continue
            scores[(member.staff_id, item.code)] = raw or None
            seen[(member.staff_id, item.code)] = _seen(request.POST.get(f"seen-{member.pk}-{item.code}", ""))
        grade = request.POST.get(f"g-{member.pk}", "")
        comment = request.POST.get(f"c-{member.pk}", "")
        typed[f"g-{member.pk}"], typed[f"c-{member.pk}"] = grade, comment
        if f"v-{member.pk}" in request.POST:  # a row not posted at all is left as it is
            opinions[member.pk] = (grade, comment, posted_version(request.POST, f"v-{member.pk}"))
    return scores, seen, opinions, typed


@evaluations_required
@require_http_methods(["GET", "POST"])
def department_panel(request, year: int, code: str):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    department = selectors.department_for_panel(access=access, cycle=cycle, code=code)
    if department is None:
        raise Http404
    items, rows = selectors.department_panel(cycle=cycle, department=department, user=request.user)
    editable = cycle.state == CycleState.DEPARTMENT
    typed, cell_errors, row_errors = {}, {}, {}
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        scores, seen, opinions, typed = _panel_input(request, items, rows)
        try:
            changed = steps.department_evaluation_save(
                by=request.user,
                cycle=cycle,
                members=[r.member for r in rows],
                scores=scores,
                seen=seen,
                opinions=opinions,
                submit="submit" in request.POST,
            )
        except (ManualScoresInvalid, ManualScoresConflict) as error:
            by_staff = {r.member.staff_id: r.member.pk for r in rows}
            cells = error.cells if isinstance(error.cells, dict) else dict.fromkeys(error.cells, "")
            cell_errors = {f"s-{by_staff[s]}-{c}": m for (s, c), m in cells.items()}
            fail(request, error)
        except EvaluationError as error:
            if hasattr(error, "error_dict"):
                row_errors = {int(k): v[0].messages[0] for k, v in error.error_dict.items() if str(k).isdigit()}
            fail(request, error)
        else:
            messages.success(request, _("Saved: %(count)d people changed.") % {"count": changed})
            return redirect("evaluations:department", year=year, code=code)
    _decorate_panel(rows, typed, cell_errors, row_errors)
    return render(
        request,
        "evaluations/department.html",
        {
            "cycle": cycle,
            "department": department,
            "items": items,
            "rows": rows,
            "grades": grade_names(definition_of(cycle)),
            "editable": editable,
        },
    )


def _decorate_panel(rows, typed: dict, cell_errors: dict, row_errors: dict) -> None:
    """What each input of the grid shows: what was typed after a refused save, else what is stored."""
    for row in rows:
        member = row.member
        row.left = member.staff.status != StaffStatus.ACTIVE  # shown, not scored
        row.inputs = []
        for item, value, token in row.cells:
            name = f"s-{member.pk}-{item.code}"
            shown = typed[name] if typed else (format_points(value) if value is not None else "")
            row.inputs.append(
                {"item": item, "name": name, "value": shown, "token": token, "error": cell_errors.get(name)}
            )
        row.grade = typed[f"g-{member.pk}"] if typed else member.department_grade
        row.comment = typed[f"c-{member.pk}"] if typed else member.department_comment
        row.error = row_errors.get(member.pk)


# --- 单位评价 ---------------------------------------------------------------------------------


def _decision_form(member, grades: list[str]) -> DecisionForm:
    """A person's decision form as stored (the computed grade offered while undecided)."""
    return DecisionForm(
        prefix=f"m{member.pk}",
        initial={
            "grade": member.final_grade or member.engine_grade,
            "reason": member.override_reason,
            "comment": member.hospital_comment,
            "improvement_plan": member.improvement_plan,
            "version": member.version,
        },
        grades=grades,
    )


@evaluations_required
def committee(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not may_decide(access):
        raise PermissionDenied
    grades = grade_names(definition_of(cycle))
    departments = selectors.headed_departments(access=access, cycle=cycle)
    department = next((d for d in departments if d.code == request.GET.get("department")), None)
    attention = request.GET.get("show") == "attention"
    rows = selectors.committee_rows(cycle=cycle, department=department, attention=attention)
    for member in rows:
        member.form = _decision_form(member, grades)
    return render(
        request,
        "evaluations/committee.html",
        {
            "cycle": cycle,
            "rows": rows,
            "grade_counts": selectors.grade_counts(cycle=cycle),
            "computed_counts": selectors.grade_counts(cycle=cycle, field_name="engine_grade"),
            "veto_grade": definition_of(cycle).veto_grade,
            "editable": cycle.state == CycleState.HOSPITAL,
            "departments": departments,
            "department": department,
            "attention": attention,
        },
    )


@evaluations_required
@require_POST
def committee_decide(request, year: int, pk: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not may_decide(access):
        raise PermissionDenied
    member = cycle.members.select_related("staff", "department").filter(pk=pk).first()
    if member is None:
        raise Http404
    grades = grade_names(definition_of(cycle))
    form = DecisionForm(request.POST, prefix=f"m{member.pk}", grades=grades)
    saved = False
    if form.is_valid():
        try:
            member = steps.hospital_decide(
                by=request.user,
                member=member,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
                improvement_plan=form.cleaned_data["improvement_plan"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
            form = _decision_form(member, grades)
    if not request.htmx:
        if saved:
            messages.success(request, _("The grade of %(name)s was saved.") % {"name": member.staff.name})
        else:
            fail_form(request, form)
        return redirect("evaluations:committee", year=year)
    member.form = form
    member.veto_codes = selectors.vetoes_by_staff(cycle=cycle, staff_ids=[member.staff_id]).get(member.staff_id, [])
    return render(
        request,
        "evaluations/_committee_row.html",
        {
            "cycle": cycle,
            "member": member,
            "saved": saved,
            "editable": True,
            "veto_grade": definition_of(cycle).veto_grade,
        },
    )


@evaluations_required
@require_POST
def committee_accept(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not may_decide(access):
        raise PermissionDenied
    try:
        count = steps.hospital_accept_computed(by=request.user, cycle=cycle)
    except ValidationError as error:
        fail(request, error)
    else:
        messages.success(request, _("%(count)d people were given their computed grade.") % {"count": count})
    return redirect("evaluations:committee", year=year)


# --- 公示、异议与复核 -------------------------------------------------------------------------


@evaluations_required
@require_http_methods(["GET", "POST"])
def publicity(request, year: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not selectors.may_see_publicity(access, cycle):
        raise Http404
    form = ObjectionForm(request.POST or None)
    if request.method == "POST":
        member = cycle.members.select_related("staff").filter(pk=request.POST.get("member") or 0).first()
        if member is None:
            raise Http404
        if form.is_valid():
            try:
                steps.objection_raise(by=request.user, member=member, text_=form.cleaned_data["text"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Your objection was sent to the evaluation committee."))
                return redirect("evaluations:publicity", year=year)
        fail_form(request, form)
    grades = grade_names(definition_of(cycle))
    objections = list(selectors.objections_for(access=access, cycle=cycle))
    for objection in objections:
        if objection.state == ObjectionState.OPEN and may_decide(access):
            objection.form = ReviewForm(
                prefix=f"o{objection.pk}", initial={"version": objection.version}, grades=grades
            )
    return render(
        request,
        "evaluations/publicity.html",
        {
            "cycle": cycle,
            "rows": selectors.publicity_rows(cycle=cycle),
            "objections": objections,
            "form": form,
            "may_decide": may_decide(access),
            "open_for_objections": cycle.state == CycleState.PUBLICITY,
        },
    )


@evaluations_required
@require_POST
def objection_review(request, year: int, pk: int):
    access = access_for(request.user)
    cycle = cycle_or_404(request, year)
    if not may_decide(access):
        raise PermissionDenied
    objection = selectors.objections_for(access=access, cycle=cycle).filter(pk=pk).first()
    if objection is None:
        raise Http404
    form = ReviewForm(request.POST, prefix=f"o{objection.pk}", grades=grade_names(definition_of(cycle)))
    if form.is_valid():
        try:
            steps.objection_review(
                by=request.user,
                objection=objection,
                upheld=form.cleaned_data["outcome"] == "upheld",
                note=form.cleaned_data["note"],
                grade=form.cleaned_data["grade"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            fail(request, error)
        else:
            messages.success(request, _("The review was recorded."))
    else:
        fail_form(request, form)
    return redirect("evaluations:publicity", year=year)
