from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin
from wenming.org.models import DepartmentCategory
from wenming.scoring.periods import Period, parse_period

from .selectors import month_of, period_choices
from .services import MIN_RESPONSES_MAX, NOTE_MAX, TITLE_MAX

ORDER_CHOICES = [("", _("Directory order")), ("lowest", _("Lowest rate first"))]


class DashboardFilterForm(StyledFormMixin, forms.Form):
    """The dashboard's filters (GET): the period, a department category, the order."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *DepartmentCategory.choices]
    )
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDER_CHOICES)

    def __init__(self, data=None, *, today: date, with_category: bool = True, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        self.fields["period"].choices = period_choices(today, keep=(data or {}).get("period", ""))
        if not with_category:
            del self.fields["category"]
            del self.fields["order"]

    def chosen_period(self) -> Period:
        """The chosen period; the current month when none (or an invalid one) is given."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("period"):
            return parse_period(self.cleaned_data["period"])
        return month_of(self.today)

    def value(self, name: str) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get(name) or ""
        return ""


class PublicBoardForm(StyledFormMixin, forms.Form):
    enabled = forms.BooleanField(label=_("Show the public page"), required=False)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("Leave empty for “Patient satisfaction”."),
    )
    period_key = forms.ChoiceField(
        label=_("Period shown"),
        required=False,
        help_text=_("The last full month moves on by itself on the first of each month."),
    )
    min_responses = forms.IntegerField(
        label=_("Minimum responses to show a department"),
        min_value=1,
        max_value=MIN_RESPONSES_MAX,
        help_text=_(
            "Departments with fewer valid responses in the period are left off "
            "(they still count in the hospital's figure)."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown under the figures, for example how patients can give feedback."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.initial.get("period_key", "")
        if self.is_bound:
            keep = self.data.get("period_key", keep)
        self.fields["period_key"].choices = [("", _("The last full month")), *period_choices(today, keep=keep)]
