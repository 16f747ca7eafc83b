"""Inspection plans: which departments, which standard's deductions form the checklist, how often, by
whom, and which findings open a rectification item. Edits check the version the form was shown."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes
from wenming.notifications.selectors import users_with_roles
from wenming.org.access import access_for
from wenming.org.models import Role
from wenming.standards.definition import Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from ..errors import InspectionError
from ..models import (
    Frequency,
    InspectionPlan,
)
from .common import (
    PLAN_NAME_MAX,
    RECTIFY_DAYS_MAX,
    person_name,
)
from .rounds import deduction_of

# --- Plans ------------------------------------------------------------------------------------


class PlanConflict(InspectionError):
    """The plan was changed by someone else after the form was opened; nothing was saved."""


def _plan_snapshot(plan: InspectionPlan, departments, inspectors) -> dict:
    return {
        "name": plan.name,
        "standard": plan.standard.code if plan.standard_id else "",
        "departments": sorted(d.code for d in departments),
        "inspectors": sorted(u.get_username() for u in inspectors),
        "frequency": plan.frequency,
        "active": plan.active,
        "rectify_codes": list(plan.rectify_codes or []),
        "rectify_days": plan.rectify_days,
    }


def _check_plan(
    *, by, name, standard, departments, inspectors, frequency, rectify_codes, rectify_days, kept_departments=()
) -> dict:
    """The plan's values cleaned, or an InspectionError keyed by field listing every problem."""
    if not access_for(by).can_manage_standards:
        raise InspectionError(_("Only the civility office can manage inspection plans."))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the plan a name.")
    elif len(name) > PLAN_NAME_MAX:
        errors["name"] = _("The text may be at most %(max)d characters long.") % {"max": PLAN_NAME_MAX}
    version = None
    if not isinstance(standard, Standard) or standard.subject != Subject.DEPARTMENT:
        errors["standard"] = _("Choose a standard that scores departments.")
    else:
        version = newest_version(standard.code)
    departments = list(dict.fromkeys(departments or []))
    kept = {d.pk for d in kept_departments}
    inactive = [d.name for d in departments if not d.is_active and d.pk not in kept]
    if inactive:
        errors["departments"] = _("These departments are no longer active: %(names)s.") % {"names": ", ".join(inactive)}
    inspectors = list(dict.fromkeys(inspectors or []))
    allowed = set(users_with_roles(Role.INSPECTOR).values_list("pk", flat=True))
    others = [person_name(u) for u in inspectors if u.pk not in allowed]
    if others:
        errors["inspectors"] = _("Only active accounts with the inspector role can be inspectors: %(names)s.") % {
            "names": ", ".join(others)
        }
    if frequency not in Frequency.values:
        errors["frequency"] = _("Choose how often the departments are inspected.")
    codes = [str(code).strip() for code in rectify_codes or []]
    if version is not None:
        definition = version.definition
        if definition.applies_to is not None and "departments" not in errors:
            unscored = [d.name for d in departments if d.category not in definition.applies_to]
            if unscored:
                errors["departments"] = _("%(standard)s does not score these departments: %(names)s.") % {
                    "standard": standard.code,
                    "names": ", ".join(unscored),
                }
        unknown = [code for code in codes if deduction_of(definition, code) is None]
        if unknown:
            errors["rectify_codes"] = _("These are not deductions of %(standard)s: %(codes)s.") % {
                "standard": standard.code,
                "codes": ", ".join(unknown),
            }
        else:  # in the standard's order, each once
            wanted = set(codes)
            codes = [d.code for item in definition.walk() for d in item.deductions if d.code in wanted]
    if isinstance(rectify_days, bool) or not isinstance(rectify_days, int) or not 1 <= rectify_days <= RECTIFY_DAYS_MAX:
        errors["rectify_days"] = _("The days to rectify must be a whole number from 1 to %(max)d.") % {
            "max": RECTIFY_DAYS_MAX
        }
    if errors:
        raise InspectionError(errors)
    return {
        "name": name,
        "standard": standard,
        "departments": departments,
        "inspectors": inspectors,
        "frequency": frequency,
        "rectify_codes": codes,
        "rectify_days": rectify_days,
    }


@transaction.atomic
def plan_create(
    *,
    by,
    name: str,
    standard: Standard,
    departments,
    inspectors,
    frequency: str = Frequency.WEEKLY,
    active: bool = True,
    rectify_codes=(),
    rectify_days: int = 7,
) -> InspectionPlan:
    """A new inspection plan (文明办, system admin). Departments must be active, inspectors hold the
    inspector role, ``rectify_codes`` are deductions of the standard's newest version."""
    values = _check_plan(
        by=by,
        name=name,
        standard=standard,
        departments=departments,
        inspectors=inspectors,
        frequency=frequency,
        rectify_codes=rectify_codes,
        rectify_days=rectify_days,
    )
    plan = InspectionPlan.objects.create(
        name=values["name"],
        standard=values["standard"],
        frequency=values["frequency"],
        active=bool(active),
        rectify_codes=values["rectify_codes"],
        rectify_days=values["rectify_days"],
        created_by=by if getattr(by, "pk", None) else None,
    )
    plan.departments.set(values["departments"])
    plan.inspectors.set(values["inspectors"])
    audit_log(
        actor=by,
        action="inspections.plan.created",
        target=plan,
        target_repr=plan.name,
        data=_plan_snapshot(plan, values["departments"], values["inspectors"]),
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    by,
    plan: InspectionPlan,
    expected_version: int,
    name: str,
    standard: Standard,
    departments,
    inspectors,
    frequency: str,
    active: bool,
    rectify_codes=(),
    rectify_days: int = 7,
) -> InspectionPlan:
    """Change a plan. Refused with :class:`PlanConflict` when it was saved by someone else since
    ``expected_version``; a save that changes nothing writes nothing. Departments that became
    inactive may stay in the plan (they are simply not due); new ones must be active."""
    current = InspectionPlan.objects.select_for_update(of=("self",)).select_related("standard").get(pk=plan.pk)
    if current.version != expected_version:
        raise PlanConflict(
            _("This plan was changed by someone else after you opened it, so nothing was saved."), code="conflict"
        )
    old_departments = list(current.departments.all())
    old_inspectors = list(current.inspectors.all())
    values = _check_plan(
        by=by,
        name=name,
        standard=standard,
        departments=departments,
        inspectors=inspectors,
        frequency=frequency,
        rectify_codes=rectify_codes,
        rectify_days=rectify_days,
        kept_departments=old_departments,
    )
    before = _plan_snapshot(current, old_departments, old_inspectors)
    current.name = values["name"]
    current.standard = values["standard"]
    current.frequency = values["frequency"]
    current.active = bool(active)
    current.rectify_codes = values["rectify_codes"]
    current.rectify_days = values["rectify_days"]
    after = _plan_snapshot(current, values["departments"], values["inspectors"])
    changed = changes(before, after)
    if not changed:
        return current
    current.version += 1
    current.save()
    current.departments.set(values["departments"])
    current.inspectors.set(values["inspectors"])
    audit_log(actor=by, action="inspections.plan.changed", target=current, target_repr=current.name, data=changed)
    return current
