from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.formatting import percent
from wenming.core.forms import StyledFormMixin, VersionedFormMixin
from wenming.feedback.forms import DepartmentField

from .models import AlertKind, AlertStatus
from .services import KEYWORD_MAX, MAX_SAMPLE, MAX_WEEKS, NOTE_MAX

STATUS_CHOICES = [("", _("All")), *AlertStatus.choices]
KIND_CHOICES = [("", _("All kinds")), *AlertKind.choices]
KEYWORD_SEPARATORS = re.compile(r"[\s、，,；;]+")


class AlertFilterForm(StyledFormMixin, forms.Form):
    """The filters of the alert list (GET)."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=KIND_CHOICES)
    department = DepartmentField(label=_("Department"), required=False, queryset=None)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's error on the form: on the fields it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


class KeywordsField(forms.CharField):
    """Keywords separated by 、，, spaces or new lines; cleans to a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "、".join(value)
        return value

    def clean(self, value):
        text = super().clean(value)
        return [word for word in KEYWORD_SEPARATORS.split(text or "") if word]


class RuleForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    """A rule of one kind: its name, on or off, and the fields of its kind."""

    conflict_fields = ("name", "active", "threshold", "target", "weeks", "min_sample", "keywords", "max_overall")

    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active: the rule raises alerts"), required=False)
    threshold = forms.IntegerField(
        label=_("Alert at this rating or lower"),
        min_value=1,
        max_value=4,
        help_text=_("Patients rate from 1 to 5 stars; 2 alerts on every rating of 1 or 2."),
    )
    target = forms.DecimalField(
        label=_("Target satisfaction rate (%)"),
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
        help_text=_("Satisfied patients (4 or 5 stars) among the valid feedback of a week."),
    )
    weeks = forms.IntegerField(
        label=_("Weeks running"),
        min_value=1,
        max_value=MAX_WEEKS,
        help_text=_("Alert when the department is below the target this many ISO weeks in a row."),
    )
    min_sample = forms.IntegerField(
        label=_("Minimum feedback per week"),
        min_value=1,
        max_value=MAX_SAMPLE,
        help_text=_("A week with less valid feedback than this is not judged and breaks the run."),
    )
    keywords = KeywordsField(label=_("Keywords"))
    max_overall = forms.IntegerField(
        label=_("Only for ratings at or below"),
        min_value=1,
        max_value=5,
        help_text=_("5: whatever the rating. 3 leaves out comments such as “态度很好” given with 4 or 5 stars."),
    )

    def __init__(self, *args, kind: str, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import KIND_FIELDS

        for name in ("threshold", "target", "weeks", "min_sample", "keywords", "max_overall"):
            if name not in KIND_FIELDS[kind]:
                del self.fields[name]
        if "keywords" in self.fields:
            self.fields["keywords"].help_text = _(
                "Separate the keywords with 、 or spaces (each at most %(max)d characters). "
                "A comment containing any of them raises an alert."
            ) % {"max": KEYWORD_MAX}
        if version is not None:
            self.add_version_field(version)

    def mark_conflict(self, current) -> None:
        """As :class:`VersionedFormMixin`, with the target as a percentage and the keywords listed."""
        super().mark_conflict(current)
        shown = {"target": percent(current.target), "keywords": "、".join(current.keywords or [])}
        self.conflict_values = [
            (label, shown.get(name, value))
            for (label, value), name in zip(
                self.conflict_values, [n for n in self.conflict_fields if n in self.fields], strict=True
            )
        ]

    def values(self) -> dict:
        """The cleaned values as the services take them (the target as a fraction)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if "target" in data and data["target"] is not None:
            data["target"] = (data["target"] / 100).quantize(Decimal("0.001"))
        return data
