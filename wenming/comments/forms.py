from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.core.forms import StyledFormMixin, VersionedFormMixin
from wenming.feedback.forms import DepartmentField

from .analysis import NEGATIVE, NEUTRAL, POSITIVE
from .models import LexiconCategory
from .services import TOPIC_MAX, WORD_MAX

MAX_MONTHS = 24
SENTIMENT_CHOICES = [
    ("", _("Any sentiment")),
    (POSITIVE, pgettext_lazy("sentiment", "Positive")),
    (NEGATIVE, pgettext_lazy("sentiment", "Negative")),
    (NEUTRAL, pgettext_lazy("sentiment", "Neutral")),
]


def default_start(today: date) -> date:
    """The first day of the month five months before ``today``'s: six months on the page."""
    month = today.month - 5
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


class AnalysisFilterForm(StyledFormMixin, forms.Form):
    """Which comments the page counts: a department (with those under it) and the dates."""

    department = DepartmentField(label=_("Department"), required=False, queryset=None)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(required=False, max_length=TOPIC_MAX, widget=forms.HiddenInput)
    sentiment = forms.ChoiceField(label=_("Sentiment"), required=False, choices=SENTIMENT_CHOICES)

    def __init__(self, *args, departments, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")

    def clean(self):
        data = super().clean()
        start = data.get("start") or default_start(self.today)
        end = data.get("end") or self.today
        if start > end:
            raise ValidationError(_("The start date must not be after the end date."))
        if (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            raise ValidationError(_("Choose at most %(months)d months.") % {"months": MAX_MONTHS})
        data["start"], data["end"] = start, end
        return data

    def values(self) -> dict:
        """The filters to use: what was chosen when valid, else the defaults (six months, all)."""
        if self.is_bound and self.is_valid():
            return dict(self.cleaned_data)
        return {
            "department": None,
            "start": default_start(self.today),
            "end": self.today,
            "topic": "",
            "sentiment": "",
        }


class LexiconEntryForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    conflict_fields = ("word", "category", "topic")

    word = forms.CharField(label=_("Word"), max_length=WORD_MAX)
    category = forms.ChoiceField(label=_("Category"), choices=LexiconCategory.choices)
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        max_length=TOPIC_MAX,
        help_text=_("For a topic word: the topic it belongs to, for example 服务态度 or 等候时间."),
        widget=forms.TextInput(attrs={"list": "lexicon-topics", "autocomplete": "off"}),
    )

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:
            self.add_version_field(version)


class LexiconFilterForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *LexiconCategory.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=20)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
