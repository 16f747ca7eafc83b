"""Forms of the commitments pages. They check input; the services check the rules."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin
from wenming.scoring.periods import period_of
from wenming.standards.definition import Cycle

from .models import MAX_TEXT, AppliesTo, Conclusion, Kind

QUARTERS_BACK = 8


def year_choices(today: date, years: list[int]) -> list[tuple[int, str]]:
    shown = sorted({today.year + 1, today.year, today.year - 1, *years}, reverse=True)
    return [(year, str(year)) for year in shown]


def quarter_choices(today: date) -> list[tuple[str, str]]:
    """The running quarter and the eight before it, newest first."""
    period = period_of(today, Cycle.QUARTER)
    choices = []
    for _i in range(QUARTERS_BACK + 1):
        choices.append((period.key, period.label))
        period = period.previous()
    return choices


def apply_errors(form: forms.Form, error) -> None:
    """A service's ValidationError onto the form (field errors by name, the rest on top)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class YearForm(StyledFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, today: date, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(today, years)
        self.fields["year"].initial = today.year
        self.default = today.year

    def chosen(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return self.default


class TemplateForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    applies_to = forms.ChoiceField(
        label=_("For"),
        choices=AppliesTo.choices,
        help_text=_("A service standard is always a department's."),
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=9999, initial=0)
    is_active = forms.BooleanField(label=_("Active (applied to departments and people)"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApplyForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    include_children = forms.BooleanField(required=False)


class AddForm(StyledFormMixin, forms.Form):
    """A commitment of the department or of one of its people."""

    target = forms.ChoiceField(label=_("Whose"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.PLEDGE)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("The department"))] + [
            (p.staff_no, f"{p.name}（{p.staff_no}）") for p in people
        ]
        self.fields["target"].required = False


class EditForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=9999)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class PublicSettingsForm(StyledFormMixin, forms.Form):
    enabled = forms.BooleanField(label=_("Publish the public department pages"), required=False)
    show_staff_no = forms.BooleanField(label=_("Show staff numbers (工号) on the public pages"), required=False)
    note = forms.CharField(
        label=_("Note under every page"),
        required=False,
        max_length=200,
        help_text=_("For example the supervision hotline."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PageSwitchForm(forms.Form):
    enabled = forms.BooleanField(required=False)


class GenerateForm(StyledFormMixin, forms.Form):
    period = forms.ChoiceField(label=_("Quarter"))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = quarter_choices(today)


class ReviewForm(StyledFormMixin, forms.Form):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=[("", "—"), *Conclusion.choices], required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless the commitments were well kept; shown on the public page."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WithdrawForm(StyledFormMixin, forms.Form):
    withdraw_reason = forms.CharField(
        label=_("Why is the review withdrawn?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
