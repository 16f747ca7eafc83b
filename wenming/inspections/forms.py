"""Forms of the entry side of inspections: the plan form, and reading a submitted round (the phone
page posts one field group per deduction of the standard: ``f-<code>-count``, ``f-<code>-note``,
``f-<code>-responsible`` (a staff number) and ``f-<code>-photos`` (files), plus ``unannounced``,
``note``, ``client_token``, ``plan``, ``department`` and ``started_at``).

The forms check what was typed; the services hold the rules and say so with errors the views
attach here (``apply_service_errors``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.core.forms import StyledFormMixin, VersionedFormMixin
from wenming.notifications.selectors import users_with_roles
from wenming.org.models import Department, Role, Staff
from wenming.standards.definition import StandardDef, Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import Frequency, InspectionPlan
from .services import MAX_COUNT, MAX_NOTE, MAX_PHOTOS_PER_FINDING, RECTIFY_DAYS_MAX, person_name


def _label(name: str):
    return capfirst(InspectionPlan._meta.get_field(name).verbose_name)


def points_text(points: Decimal | None) -> str:
    """0.5 → "0.5", 2 → "2" (as the standard writes it)."""
    if points is None:
        return ""
    text = f"{points.normalize():f}"
    return "0" if text in ("-0", "0") else text


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: each message beside its field when the form has
    that field, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Plans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeOption:
    code: str
    name: str
    points: str


@dataclass(frozen=True)
class CodeGroup:
    """The deductions of one item of a standard (an item that has deductions)."""

    code: str
    name: str
    parent: str  # the name of the item above it ("" at the top level)
    options: list[CodeOption]


def deduction_groups(definition: StandardDef) -> list[CodeGroup]:
    """The standard's deductions grouped by the item holding them, in the standard's order."""
    groups: list[CodeGroup] = []

    def visit(items, parent: str) -> None:
        for item in items:
            if item.deductions:
                options = [CodeOption(d.code, d.name, points_text(d.points)) for d in item.deductions]
                groups.append(CodeGroup(item.code, item.name, parent, options))
            visit(item.children, item.name)

    visit(definition.items, "")
    return groups


def standard_groups(standard: Standard | None) -> list[CodeGroup]:
    version = newest_version(standard.code) if standard is not None else None
    return deduction_groups(version.definition) if version is not None else []


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class PlanForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    """Create (``plan=None``) or edit an inspection plan. The rectification codes offered are the
    deductions of the standard chosen (the posted one, else the plan's)."""

    conflict_fields = ("name", "standard", "frequency", "active", "rectify_days")

    name = forms.CharField(label=gettext_lazy("Plan name"), max_length=200)
    standard = forms.ModelChoiceField(
        label=_label("standard"),
        queryset=Standard.objects.filter(subject=Subject.DEPARTMENT).order_by("code"),
        to_field_name="code",
        empty_label=None,  # the first is chosen, as the rectification codes shown are its codes
        help_text=gettext_lazy("Its deduction items are the inspectors' checklist."),
    )
    frequency = forms.ChoiceField(label=_label("frequency"), choices=Frequency.choices)
    departments = forms.ModelMultipleChoiceField(
        label=_label("departments"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inspectors = InspectorChoiceField(
        label=_label("inspectors"),
        queryset=get_user_model().objects.none(),  # set in __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rectify_codes = forms.MultipleChoiceField(
        label=_label("rectify_codes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "A finding of one of these deductions opens a rectification item for the department when the "
            "round is submitted."
        ),
    )
    rectify_days = forms.IntegerField(
        label=_label("rectify_days"),
        min_value=1,
        max_value=RECTIFY_DAYS_MAX,
        initial=7,
        help_text=gettext_lazy("The rectification item is due this many days after the round."),
    )
    active = forms.BooleanField(label=_label("active"), required=False, initial=True)

    def __init__(self, *args, plan: InspectionPlan | None = None, **kwargs):
        self.plan = plan
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": plan.name,
                    "standard": plan.standard.code,
                    "frequency": plan.frequency,
                    "departments": [d.code for d in plan.departments.all()],
                    "inspectors": [u.pk for u in plan.inspectors.all()],
                    "rectify_codes": list(plan.rectify_codes or []),
                    "rectify_days": plan.rectify_days,
                    "active": plan.active,
                },
            )
        super().__init__(*args, **kwargs)
        in_plan = Q(pk__in=plan.departments.values("pk")) if plan is not None else Q(pk__in=[])
        self.fields["departments"].queryset = Department.objects.filter(Q(is_active=True) | in_plan).order_by("path")
        chosen = Q(pk__in=plan.inspectors.values("pk")) if plan is not None else Q(pk__in=[])
        inspectors = users_with_roles(Role.INSPECTOR).values("pk")
        self.fields["inspectors"].queryset = (
            get_user_model().objects.filter(Q(pk__in=inspectors) | chosen).select_related("staff").order_by("username")
        )
        for name in ("departments", "inspectors", "rectify_codes"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if plan is not None:
            self.add_version_field(plan.version)
        # Changing the standard redraws the rectification codes (HTMX; without it, after saving).
        self.fields["standard"].widget.attrs.update(
            {
                "hx-get": reverse("inspections:plan_codes"),
                "hx-target": "#plan-codes",
                "hx-trigger": "change",
                "hx-include": "#plan-codes",
            }
        )
        self.code_groups = standard_groups(self._chosen_standard())
        self.fields["rectify_codes"].choices = [
            (option.code, f"{option.code} {option.name}") for group in self.code_groups for option in group.options
        ]

    def _chosen_standard(self) -> Standard | None:
        code = self.data.get(self.add_prefix("standard")) if self.is_bound else self.initial.get("standard")
        queryset = self.fields["standard"].queryset
        if code:
            found = queryset.filter(code=code).first()
            if found is not None:
                return found
        if self.plan is not None:
            return self.plan.standard
        return queryset.first()

    # What the template draws as checkbox lists (values as typed or stored).
    def _values(self, name: str) -> set[str]:
        value = self[name].value() or []
        return {str(v) for v in value}

    def department_options(self) -> list[tuple[Department, bool]]:
        chosen = self._values("departments")
        return [(d, d.code in chosen) for d in self.fields["departments"].queryset]

    def inspector_options(self) -> list[tuple[object, str, bool]]:
        chosen = self._values("inspectors")
        return [(u, person_name(u), str(u.pk) in chosen) for u in self.fields["inspectors"].queryset]

    def chosen_codes(self) -> set[str]:
        return self._values("rectify_codes")

    def mark_conflict(self, current: InspectionPlan) -> None:
        super().mark_conflict(current)
        self.conflict_values += [
            (self.fields["departments"].label, ", ".join(d.name for d in current.departments.order_by("path"))),
            (self.fields["inspectors"].label, ", ".join(person_name(u) for u in current.inspectors.all())),
            (self.fields["rectify_codes"].label, ", ".join(current.rectify_codes or []) or "—"),
        ]


# --- Entering a round -------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    """One deduction of the checklist with what was typed for it."""

    code: str
    name: str
    points: str
    count: str = "0"
    note: str = ""
    responsible: str = ""  # a staff number
    errors: list[str] = field(default_factory=list)
    photo_count: int = 0

    @property
    def prefix(self) -> str:
        return f"f-{self.code}"

    @property
    def found(self) -> bool:
        return self.count not in ("", "0")


@dataclass
class ChecklistGroup:
    code: str
    name: str
    parent: str
    rows: list[ChecklistRow]


def checklist(definition: StandardDef) -> list[ChecklistGroup]:
    return [
        ChecklistGroup(
            group.code,
            group.name,
            group.parent,
            [ChecklistRow(code=o.code, name=o.name, points=o.points) for o in group.options],
        )
        for group in deduction_groups(definition)
    ]


def _moment(value) -> datetime | None:
    """When the page was opened (an ISO date-time the page carries), or None if it is not one."""
    try:
        moment = parse_datetime((value or "").strip())
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class RoundForm:
    """The posted round: one field group per deduction of the checklist. ``findings`` is what
    ``services.round_submit`` takes; ``errors`` maps codes to messages; the checklist rows keep
    what was typed (photos cannot be kept by a browser)."""

    def __init__(self, data, files, *, groups: list[ChecklistGroup], staff: dict[str, Staff], department):
        self.data = data
        self.files = files
        self.groups = groups
        self.staff = staff
        self.department = department
        self.non_field_errors: list[str] = []
        self.findings: list[dict] = []
        self.unannounced = bool(data.get("unannounced")) if data is not None else False
        self.note = (data.get("note") or "") if data is not None else ""
        self.client_token = ((data.get("client_token") or "") if data is not None else "").strip()
        self.started_at = _moment(data.get("started_at")) if data is not None else None
        self._read()

    @property
    def rows(self) -> list[ChecklistRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def errors(self) -> dict[str, list[str]]:
        return {row.code: row.errors for row in self.rows if row.errors}

    @property
    def photos_given(self) -> bool:
        return any(row.photo_count for row in self.rows)

    def _read(self) -> None:
        if self.data is None:
            return
        if len(self.note) > MAX_NOTE:
            self.non_field_errors.append(_("The text may be at most %(max)d characters long.") % {"max": MAX_NOTE})
        for row in self.rows:
            row.count = (self.data.get(f"{row.prefix}-count") or "0").strip()
            row.note = self.data.get(f"{row.prefix}-note") or ""
            row.responsible = (self.data.get(f"{row.prefix}-responsible") or "").strip()
            photos = [f for f in self.files.getlist(f"{row.prefix}-photos") if f and f.size] if self.files else []
            row.photo_count = len(photos)
            count = self._count(row)
            responsible = self._responsible(row)
            if len(row.note) > MAX_NOTE:
                row.errors.append(_("The text may be at most %(max)d characters long.") % {"max": MAX_NOTE})
            if len(photos) > MAX_PHOTOS_PER_FINDING:
                row.errors.append(_("A finding may have at most %(max)d photos.") % {"max": MAX_PHOTOS_PER_FINDING})
            if count == 0:
                if row.note.strip() or photos or row.responsible:
                    row.errors.append(
                        _("Set how many times this was found, or clear its note, photos and responsible person.")
                    )
                continue
            if count is None or row.errors:
                continue
            self.findings.append(
                {"code": row.code, "count": count, "note": row.note, "responsible": responsible, "photos": photos}
            )

    def _count(self, row: ChecklistRow) -> int | None:
        text = row.count
        if text.isdigit() and text.isascii():
            number = int(text)
            if number <= MAX_COUNT:
                return number
            row.errors.append(_("The count may be at most %(max)d.") % {"max": MAX_COUNT})
            return None
        row.errors.append(_("The count must be a whole number of at least 1."))
        return None

    def _responsible(self, row: ChecklistRow) -> Staff | None:
        if not row.responsible:
            return None
        staff_no = row.responsible.split()[0]
        found = self.staff.get(staff_no)
        if found is None:
            row.errors.append(
                _("No staff member in post with the number %(number)s works in %(department)s.")
                % {"number": staff_no, "department": self.department.name}
            )
        return found

    def is_valid(self) -> bool:
        return self.data is not None and not self.errors and not self.non_field_errors

    def add_service_error(self, error: ValidationError) -> None:
        """Each message of a service's error beside its finding (keyed by code), else on top."""
        by_code = {row.code: row for row in self.rows}
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                messages = [m for e in errors for m in e.messages]
                if key in by_code:
                    by_code[key].errors.extend(messages)
                else:
                    self.non_field_errors.extend(messages)
        else:
            self.non_field_errors.extend(error.messages)
