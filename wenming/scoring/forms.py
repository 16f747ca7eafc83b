"""Forms of the scoring pages. They check what was typed and hand clean values to the services,
which hold the rules (finalized periods, code fits kind, scope) and say so with ScoringErrors
the views attach here."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.attachments import ATTACHMENT_TYPES
from wenming.core.forms import StyledFormMixin, VersionedFormMixin
from wenming.org.models import Department, Staff, StaffStatus

from .engine import format_points
from .models import RecordKind, RecordStatus
from .periods import Period
from .services.records import MAX_COUNT, MAX_NOTE, MAX_REASON

ACCEPT = ",".join(sorted(ATTACHMENT_TYPES))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; cleans to a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


EVIDENCE_HELP = _("Photos, scans, PDF or Office documents, at most 10 MB each. You can choose several files.")


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's error at the top of the form (its messages name what is wrong)."""
    for message in error.messages:
        form.add_error(None, message)


class StaffNumberField(forms.CharField):
    """A staff member in post, typed by staff number (the page offers matches as you type);
    ``queryset`` limits who may be chosen (the person's scope)."""

    def __init__(self, *args, queryset=None, active_only: bool = True, **kwargs):
        self.queryset = queryset if queryset is not None else Staff.objects.none()
        self.active_only = active_only
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        staff = self.queryset.filter(staff_no=value)
        if self.active_only:
            staff = staff.filter(status=StaffStatus.ACTIVE)
        staff = staff.select_related("department").first()
        if staff is None:
            raise ValidationError(
                _("There is no staff member with the staff number %(no)s whom you may choose here."),
                params={"no": value},
            )
        return staff


class DepartmentField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.code}）"


def _staff_input(list_id: str, search_url: str) -> forms.TextInput:
    attrs = {"list": list_id, "autocomplete": "off", "placeholder": _("Staff number, name or pinyin initials")}
    if search_url:
        attrs.update(
            {
                "hx-get": search_url,
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
            }
        )
    return forms.TextInput(attrs=attrs)


def code_choices(catalogue, kind: str) -> list:
    """The codes that fit ``kind``, grouped by the item they belong to, each with its points."""
    wanted = {RecordKind.FINDING: "deduction", RecordKind.BONUS: "bonus", RecordKind.VETO: "veto"}[kind]
    groups: dict[str, list] = {}
    for info in catalogue.values():
        if info.kind != wanted:
            continue
        if info.kind == "deduction":
            label = f"{info.code} {info.name} · −{format_points(info.points)}"
        elif info.kind == "bonus":
            label = f"{info.code} {info.name} · +{format_points(info.points)}"
        else:
            label = f"{info.code} {info.name}"
        groups.setdefault(f"{info.item_code} {info.item_name}", []).append((info.code, label))
    return [("", "———"), *groups.items()]


class RecordForm(StyledFormMixin, forms.Form):
    """A new finding, bonus or veto for one subject of a standard, dated inside the page's period."""

    subject = forms.CharField()  # replaced in __init__ by a department select or a staff number
    code = forms.ChoiceField(label=_("Item"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    count = forms.IntegerField(
        label=_("Count"), min_value=1, max_value=MAX_COUNT, initial=1, help_text=_("How many times it was found.")
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3})
    )
    assessor = StaffNumberField(
        label=_("Assessor"), required=False, help_text=_("Who found it, if not you (staff number).")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (RecordStatus.COUNTS.value, _("Counts at once")),
            (RecordStatus.PENDING.value, _("Waits for approval")),
        ],
        initial=RecordStatus.COUNTS.value,
    )
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)

    def __init__(
        self,
        *args,
        kind: str,
        catalogue,
        period: Period,
        departments=None,
        staff=None,
        search_url: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.period = period
        if departments is not None:
            self.fields["subject"] = DepartmentField(label=_("Department"), queryset=departments, empty_label="———")
        else:
            self.fields["subject"] = StaffNumberField(
                label=_("Staff member"), queryset=staff, widget=_staff_input("wm-staff-options", search_url)
            )
        self.fields["assessor"].queryset = staff if staff is not None else Staff.objects.filter(status="active")
        self.fields["assessor"].widget = _staff_input("wm-assessor-options", search_url)
        self.fields["code"].choices = code_choices(catalogue, kind)
        if kind == RecordKind.VETO:
            self.fields["code"].label = _("Veto")
            self.fields["count"].widget = forms.HiddenInput()
        elif kind == RecordKind.BONUS:
            self.fields["code"].label = _("Bonus")
            self.fields["count"].help_text = _("How many times it was earned.")
        else:
            self.fields["code"].label = _("Deduction")
        last = period.end - timedelta(days=1)
        self.fields["date"].widget.attrs.update({"min": period.start.isoformat(), "max": last.isoformat()})
        # StyledFormMixin ran before these widgets were replaced.
        for name in ("subject", "assessor"):
            widget = self.fields[name].widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not self.period.contains(day):
            raise ValidationError(
                _("The date must be inside %(period)s."), params={"period": self.period.label}, code="period"
            )
        return day


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=MAX_REASON)


class RecordEditForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    """Change a record's date (within its period), count and note; carries the version shown."""

    conflict_fields = ("date", "count", "note")

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=MAX_COUNT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, record, period: Period | None, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "date": record.date,
                "count": record.count,
                "note": record.note,
                "version": record.version,
            }
        super().__init__(*args, **kwargs)
        self.record = record
        if record.kind == RecordKind.MANUAL or period is None:
            del self.fields["date"]
            del self.fields["count"]
        else:
            last = period.end - timedelta(days=1)
            self.fields["date"].widget.attrs.update({"min": period.start.isoformat(), "max": last.isoformat()})
            if record.kind == RecordKind.VETO:
                del self.fields["count"]


class EvidenceForm(StyledFormMixin, forms.Form):
    files = MultipleFileField(label=_("Add evidence"), required=True, help_text=EVIDENCE_HELP)


class CorrectionForm(StyledFormMixin, forms.Form):
    """A correction of a subject's total in a finalized period."""

    subject = forms.CharField()  # replaced in __init__
    code = forms.ChoiceField(label=_("Item concerned"), required=False)
    value = forms.DecimalField(
        label=_("Change of the total"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Positive to add points, negative to take points off, e.g. 3 or -1.5."),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)

    def __init__(self, *args, definition, departments=None, staff=None, totals=None, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            field = DepartmentField(label=_("Department"), queryset=departments, empty_label="———")
            totals = totals or {}
            field.label_from_instance = lambda d: (
                _("%(name)s (%(code)s), finalized total %(total)s")
                % {"name": d.name, "code": d.code, "total": format_points(totals[d.pk])}
                if d.pk in totals
                else f"{d.name}（{d.code}）"
            )
            field.widget.attrs["class"] = "form-select"
            self.fields["subject"] = field
        else:
            self.fields["subject"] = StaffNumberField(
                label=_("Staff member"),
                queryset=staff,
                active_only=False,
                widget=_staff_input("wm-staff-options", search_url),
            )
            self.fields["subject"].widget.attrs["class"] = "form-control"
        self.fields["code"].choices = [
            ("", _("The total as a whole")),
            *[(item.code, f"{item.code} {item.name}") for item in definition.walk()],
        ]

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value == 0:
            raise ValidationError(_("A correction changes the total; enter a positive or negative number."))
        return value


class RecordFilterForm(StyledFormMixin, forms.Form):
    """The filters of a period's record list (GET)."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *RecordStatus.choices]
    )
    department = DepartmentField(label=_("Department"), required=False, queryset=Department.objects.none())
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Code, note, department or person")}),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *RecordKind.choices]
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
