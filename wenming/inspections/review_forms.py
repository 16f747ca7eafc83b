"""Forms of the review pages: the round list's filters, filing an appeal and deciding one. They check
what was typed; the services hold the rules (deadline, who may, finalized periods) and their
errors are attached to the form by the views."""

from __future__ import annotations

import calendar
import re
from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.attachments import ATTACHMENT_TYPES
from wenming.core.forms import StyledFormMixin
from wenming.org.models import Department

from .models import AppealState
from .selectors import RoundFilters
from .services import MAX_REASON

ACCEPT = ",".join(sorted(ATTACHMENT_TYPES))
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class InspectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        staff = getattr(obj, "staff", None)
        return staff.name if staff is not None else obj.get_username()


class RoundFilterForm(StyledFormMixin, forms.Form):
    """The round list's filters. ``departments`` are those the person may see; ``inspectors``
    is None for people who may not filter by inspector."""

    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none(), to_field_name="code"
    )
    month = forms.CharField(
        label=_("Month"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    inspector = InspectorChoiceField(label=_("Inspector"), required=False, queryset=get_user_model().objects.none())
    unannounced = forms.ChoiceField(
        label=_("Kind of round"),
        required=False,
        choices=[("", _("All rounds")), ("no", _("Announced")), ("yes", _("Unannounced"))],
    )
    pending = forms.BooleanField(label=_("Only with a pending appeal"), required=False)

    def __init__(self, *args, departments, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")
        if inspectors is None:
            del self.fields["inspector"]
        else:
            self.fields["inspector"].queryset = inspectors
            self.fields["inspector"].empty_label = _("All inspectors")

    def clean_month(self) -> tuple[date, date] | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            raise ValidationError(_("Enter a month like 2026-11."))
        year, month = int(match.group(1)), int(match.group(2))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def filters(self) -> RoundFilters:
        """The filters as typed; a filter that is wrong is left out (its error is shown)."""
        if not self.is_bound:
            return RoundFilters()
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("month"):
            month_start, month_end = data["month"]
            start = max(start, month_start) if start else month_start
            end = min(end, month_end) if end else month_end
        inspector = data.get("inspector")
        return RoundFilters(
            department=data.get("department"),
            start=start,
            end=end,
            inspector_id=inspector.pk if inspector else None,
            unannounced={"yes": True, "no": False}.get(data.get("unannounced") or ""),
            pending_appeal=bool(data.get("pending")),
        )


class AppealFilterForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none(), to_field_name="code"
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All appeals")), *AppealState.choices]
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")

    def filters(self) -> dict:
        """The filters as typed; a filter that is wrong is left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class AppealForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the appeal"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say what you dispute and why; the leadership group or the civility office will decide."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Optional: one photo, scan, PDF or Office document, at most 10 MB."),
        error_messages={"empty": _("The chosen file is empty; choose another file.")},
    )


class DecideForm(StyledFormMixin, forms.Form):
    UPHOLD = "uphold"
    VOID = "void"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (UPHOLD, _("Keep the finding (the appeal is not accepted): it counts again.")),
            (VOID, _("Void the finding (the appeal is accepted): it no longer counts.")),
        ],
    )
    note = forms.CharField(
        label=_("Note on the decision"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you void the finding; the department sees it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons are drawn by the template; the styled mixin's class does not fit them.
        self.fields["decision"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.VOID and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for voiding this finding."))
        return data
