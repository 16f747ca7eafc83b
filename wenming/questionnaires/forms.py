"""Forms of the questionnaire builder."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin

from .models import Dimension, Purpose, QuestionKind

TEMPLATE_CHOICES = [
    ("", _("Empty")),
    (Purpose.OUTPATIENT, _("Outpatient template")),
    (Purpose.INPATIENT, _("Inpatient template")),
    (Purpose.DISCHARGE, _("Discharge follow-up template")),
    (Purpose.STAFF, _("Staff satisfaction template")),
]


class CreateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    template = forms.ChoiceField(label=_("Start from"), choices=TEMPLATE_CHOICES, required=False)


class VersionForm(StyledFormMixin, forms.Form):
    """Carries the draft's version number, for the optimistic check."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class QuestionnaireForm(VersionForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    intro = forms.CharField(label=_("Introduction"), max_length=200, required=False)


class QuestionForm(VersionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=200)
    dimension = forms.ModelChoiceField(
        label=_("Dimension"),
        queryset=Dimension.objects.filter(active=True),
        required=False,
        empty_label=_("— none —"),
        help_text=_("Rating questions only: the dimension its answers count for."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Choice questions only: one option per line."),
    )


class MoveForm(VersionForm):
    direction = forms.TypedChoiceField(choices=[("-1", "up"), ("1", "down")], coerce=int)


class DimensionForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32, required=False)
    name = forms.CharField(label=_("Name"), max_length=50)
    weight = forms.DecimalField(label=_("Weight"), max_digits=5, decimal_places=2, min_value=0, initial=1)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ResultsForm(StyledFormMixin, forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, to_field_name="code", empty_label=_("All departments")
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data
