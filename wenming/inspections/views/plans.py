"""Inspection plans (巡查计划): the list, creating and editing one, and the rectification codes a
standard offers (an HTMX partial when the plan form's standard changes).

Who: the civility office and system admins (``can_manage_standards``); everyone else gets 403.
Writes go through ``services.plan_create`` / ``services.plan_update``; an edit form carries the
plan's version, and a save that lost a race shows what is stored now and keeps what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wenming.org.access import require
from wenming.standards.models import Standard

from .. import services
from ..forms import PlanForm, apply_service_errors, standard_groups
from ..models import InspectionPlan


def _posted(request):
    return request.POST if request.method == "POST" else None


def _plan(pk: int) -> InspectionPlan:
    plan = InspectionPlan.objects.select_related("standard").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


@require("can_manage_standards")
@require_GET
def plan_list(request):
    """Every plan, active ones first: standard, frequency, how many departments, the inspectors."""
    plans = (
        InspectionPlan.objects.select_related("standard")
        .annotate(department_count=Count("departments", distinct=True))
        .prefetch_related(Prefetch("inspectors", queryset=get_user_model().objects.select_related("staff")))
        .order_by("-active", "name", "pk")
    )
    return render(request, "inspections/plan_list.html", {"plans": plans})


def _save(request, form: PlanForm, plan: InspectionPlan | None):
    data = form.cleaned_data
    values = {
        "by": request.user,
        "name": data["name"],
        "standard": data["standard"],
        "departments": list(data["departments"]),
        "inspectors": list(data["inspectors"]),
        "frequency": data["frequency"],
        "active": data["active"],
        "rectify_codes": data["rectify_codes"],
        "rectify_days": data["rectify_days"],
    }
    if plan is None:
        return services.plan_create(**values)
    return services.plan_update(plan=plan, expected_version=data["version"], **values)


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def plan_create(request):
    form = PlanForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = _save(request, form, None)
        except services.InspectionError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The inspection plan %(name)s has been created.") % {"name": plan.name})
            return redirect("inspections:plan_list")
    return render(request, "inspections/plan_form.html", {"form": form, "plan": None})


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _plan(pk)
    form = PlanForm(_posted(request), plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, plan)
        except services.PlanConflict:
            form.mark_conflict(_plan(pk))
        except services.InspectionError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The inspection plan %(name)s has been saved.") % {"name": saved.name})
            return redirect("inspections:plan_list")
    return render(request, "inspections/plan_form.html", {"form": form, "plan": plan})


@require("can_manage_standards")
@require_GET
def plan_codes(request):
    """The deductions of ``?standard=<code>`` as the plan form's rectification checkboxes."""
    standard = Standard.objects.filter(code=request.GET.get("standard") or "", subject="department").first()
    chosen = set(request.GET.getlist("rectify_codes"))
    context = {"code_groups": standard_groups(standard), "chosen_codes": chosen, "field_name": "rectify_codes"}
    return render(request, "inspections/_plan_codes.html", context)
