"""Forms of the 医德考评 pages: they check what was typed and hand clean values to the services,
which hold the rules (who, steps, grades, quotas, versions)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin, date_field, text_field
from wenming.org.models import DepartmentCategory, Staff
from wenming.rectification.forms import MultipleFileField, VersionField, apply_service_errors  # noqa: F401
from wenming.standards.definition import Cycle, Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import DailyKind
from .services.common import MAX_TEXT


def _text(label, *, rows=3, required=True, help_text=""):
    return text_field(label, max_length=MAX_TEXT, rows=rows, required=required, help_text=help_text)


def _grade_choices(grades: list[str], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(g, g) for g in grades]
    return [("", blank), *choices] if blank is not None else choices


def yearly_staff_standards() -> list[Standard]:
    standards = []
    for standard in Standard.objects.order_by("code"):
        version = newest_version(standard.code)
        if version and version.definition.subject == Subject.STAFF and version.definition.cycle == Cycle.YEAR:
            standards.append(standard)
    return standards


class CycleForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.none(), to_field_name="code")
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    categories = forms.MultipleChoiceField(
        label=_("Who is evaluated"),
        choices=DepartmentCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The staff in post of these kinds of departments. None ticked: all staff."),
    )
    self_due = date_field(_("Self-evaluation due"), required=False)
    department_due = date_field(_("Department evaluation due"), required=False)
    publicity_days = forms.IntegerField(label=_("Days of publicity"), min_value=1, max_value=60, initial=7)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = [s.code for s in yearly_staff_standards()]
        self.fields["standard"].queryset = Standard.objects.filter(code__in=codes).order_by("-code")


class SelfForm(StyledFormMixin, forms.Form):
    summary = _text(
        _("Self-evaluation"),
        rows=10,
        help_text=_(
            "Your conduct this year against the eight areas of the standard: service to patients, their rights, "
            "equal treatment, courtesy, integrity, proper care, teamwork and learning."
        ),
    )
    grade = forms.ChoiceField(label=_("Your grade"), choices=())
    version = VersionField()

    def __init__(self, *args, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(grades, blank="—")


class DecisionForm(StyledFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("Final grade"), choices=())
    reason = _text(_("Reason for a grade other than the computed one"), rows=2, required=False)
    comment = _text(_("Hospital's evaluation"), rows=2, required=False)
    improvement_plan = _text(_("Improvement plan"), rows=2, required=False)
    version = VersionField()

    def __init__(self, *args, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(grades, blank="—")


class ObjectionForm(StyledFormMixin, forms.Form):
    text = _text(_("Your objection"), rows=4, help_text=_("Say what you object to and why; you will get an answer."))


class ReviewForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("upheld", _("Upheld")), ("dismissed", _("Dismissed"))],
        widget=forms.RadioSelect,
    )
    grade = forms.ChoiceField(label=_("Grade after the review"), choices=(), required=False)
    note = _text(_("Review conclusion"), rows=3)
    version = VersionField()

    def __init__(self, *args, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _grade_choices(grades, blank=_("Unchanged"))


class StepBackForm(StyledFormMixin, forms.Form):
    reason = _text(_("Reason for going back a step"), rows=2)
    version = VersionField()


class DailyRecordForm(StyledFormMixin, forms.Form):
    staff = forms.ModelChoiceField(label=_("Person"), queryset=Staff.objects.none(), to_field_name="staff_no")
    kind = forms.ChoiceField(label=_("Kind"), choices=DailyKind.choices)
    date = date_field(_("Date"))
    code = forms.ChoiceField(label=_("Item of the standard"), choices=(), required=False)
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=100, initial=1)
    description = _text(_("What happened"), rows=4)
    evidence = MultipleFileField(
        label=_("Evidence"),
        help_text=_("Photos, scans, PDF or Office documents, at most 10 MB each. You can choose several files."),
    )
    version = VersionField(required=False)

    def __init__(self, *args, staff_queryset, codes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda s: f"{s.name}（{s.staff_no}）· {s.department.name}"
        self.fields["code"].choices = [("", _("None: kept in the file only")), *codes]


class ReturnForm(StyledFormMixin, forms.Form):
    reason = _text(_("Reason for returning"), rows=2)
    version = VersionField()
