"""Forms of the rectification pages. They check what was typed and hand clean values to the
services, which hold the rules (who may act, states, deadlines, versions) and say so with
``RectificationError``s the views attach here.

The action forms of an item's page carry the item's ``version`` (hidden) and a prefix each, so
that several can sit on one page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.attachments import ATTACHMENT_TYPES
from wenming.core.forms import StyledFormMixin, VersionedFormMixin
from wenming.org.models import Department, Staff

from .models import ItemState, Source
from .services import MAX_OVERDUE_DAYS, MAX_TEXT

ACCEPT = ",".join(sorted(ATTACHMENT_TYPES))
EVIDENCE_HELP = _("Photos, scans, PDF or Office documents, at most 10 MB each. You can choose several files.")
DATE_INPUT = {"type": "date"}
INDENT = "\u3000"  # an ideographic space per level of the department tree (not collapsed in <option>)


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's error on the form: on the fields it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


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


class DepartmentField(forms.ModelChoiceField):
    """A department by code; the options are indented by their depth in the tree."""

    def __init__(self, *args, base_depth: int = 0, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        self.base_depth = base_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{INDENT * max(0, obj.depth - self.base_depth)}{obj.name}"


class StaffField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "staff_no")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.staff_no}）· {obj.department.name}"


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=1, **kwargs)


# --- The ledger's filters -------------------------------------------------------------------------

OVERDUE_YES = "yes"
OVERDUE_NO = "no"


class LedgerFilterForm(StyledFormMixin, forms.Form):
    """The ledger's filters (GET), shared by the page and the export."""

    department = DepartmentField(label=_("Department"), required=False, queryset=Department.objects.none())
    state = forms.ChoiceField(label=_("State"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    overdue = forms.ChoiceField(label=_("Overdue"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Words in the problem"), "type": "search"}),
    )

    def __init__(self, *args, departments, base_depth: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].base_depth = base_depth
        self.fields["department"].empty_label = _("All departments")
        self.fields["state"].choices = [("", _("All states")), *ItemState.choices]
        self.fields["source"].choices = [("", _("All sources")), *Source.choices]
        self.fields["overdue"].choices = [
            ("", _("Overdue or not")),
            (OVERDUE_YES, _("Overdue only")),
            (OVERDUE_NO, _("Not overdue")),
        ]

    def filters(self) -> dict:
        """The selector's keyword arguments (invalid or empty filters left out)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        values = {
            "department": data.get("department"),
            "state": data.get("state") or None,
            "source": data.get("source") or None,
            "overdue": {OVERDUE_YES: True, OVERDUE_NO: False}.get(data.get("overdue") or ""),
            "q": data.get("q") or "",
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


# --- Opening an item ------------------------------------------------------------------------------


class ItemForm(StyledFormMixin, forms.Form):
    """A new item. The responsible person is chosen among the staff of the chosen department (the
    page reloads the options when the department changes)."""

    problem = forms.CharField(label=_("Problem"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    department = DepartmentField(label=_("Responsible department"), queryset=Department.objects.none())
    responsible = StaffField(
        label=_("Responsible person"),
        required=False,
        queryset=Staff.objects.none(),
        help_text=_("Someone in post in the department or a department below it."),
    )
    measures = forms.CharField(
        label=_("Rectification measures"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What should be done, if it is already known. The department can fill this in later."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))

    def __init__(self, *args, departments, staff_for, staff_url: str, from_finding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = "———"
        self.fields["department"].widget.attrs.update(
            {"hx-get": staff_url, "hx-target": f"#{self['responsible'].auto_id}", "hx-swap": "innerHTML"}
        )
        self.fields["responsible"].empty_label = _("Not named")
        code = self.data.get(self.add_prefix("department")) if self.is_bound else self.initial.get("department")
        department = departments.filter(code=code).first() if code else None
        self.fields["responsible"].queryset = staff_for(department)
        if from_finding:
            self.fields["source"].choices = [(Source.FINDING.value, Source.FINDING.label)]


# --- An item's actions ----------------------------------------------------------------------------


class StartForm(StyledFormMixin, forms.Form):
    version = VersionField()


class SubmitFixForm(StyledFormMixin, forms.Form):
    measures = forms.CharField(label=_("Measures taken"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)
    version = VersionField()


PASSED = "pass"
RETURN = "return"


class VerifyForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[(PASSED, _("Passed")), (RETURN, _("Returned"))], widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Verification note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the fix is returned: say what is still to be done."),
    )
    version = VersionField()

    def clean(self):
        data = super().clean()
        if data.get("decision") == RETURN and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the fix did not pass, so the department knows what to do."))
        return data


class ExtensionRequestForm(StyledFormMixin, forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()


APPROVE = "approve"
REFUSE = "refuse"


class ExtensionDecideForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Decision note"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the request is refused."),
    )
    version = VersionField()

    def clean(self):
        data = super().clean()
        if data.get("decision") == REFUSE and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for refusing more time."))
        return data


# --- The overdue deduction rule -------------------------------------------------------------------


class OverdueRuleForm(VersionedFormMixin, StyledFormMixin, forms.Form):
    conflict_fields = ("active", "days", "standard", "code")

    active = forms.BooleanField(label=_("Record a deduction for items long overdue"), required=False)
    days = forms.IntegerField(
        label=_("Days overdue"),
        min_value=1,
        max_value=MAX_OVERDUE_DAYS,
        help_text=_("An item still open more than this many days after its deadline records the deduction, once."),
    )
    standard = forms.ModelChoiceField(
        label=_("Standard"), required=False, queryset=None, to_field_name="code", empty_label="———"
    )
    code = forms.CharField(
        label=_("Deduction code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"list": "deduction-codes", "autocomplete": "off"}),
        help_text=_("A deduction of the standard's newest version, recorded against the item's department."),
    )

    def __init__(self, *args, standards, codes_url: str, version: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards
        self.fields["standard"].label_from_instance = lambda s: f"{s.code} {s.name}"
        self.fields["standard"].widget.attrs.update(
            {"hx-get": codes_url, "hx-target": "#deduction-codes", "hx-swap": "innerHTML"}
        )
        self.add_version_field(version)
