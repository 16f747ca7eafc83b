"""Forms of the complaints pages: they check what was typed and hand clean values to the services,
which hold the rules (who, states, deadlines, versions). The step forms of a case's page carry
its ``version`` (hidden) and a prefix each, so that several can sit on one page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin, date_field, text_field
from wenming.org.models import Department, Staff, StaffStatus
from wenming.rectification.forms import MultipleFileField, VersionField, apply_service_errors  # noqa: F401
from wenming.standards.definition import Subject
from wenming.standards.models import Standard

from .models import CaseKind, CaseSource, CaseState, Finding, ReplyMethod, Satisfaction
from .services import MAX_TEXT

INDENT = "\u3000"
EVIDENCE_HELP = _("Photos, scans, PDF or Office documents, at most 10 MB each. You can choose several files.")


def _text(label, *, rows=3, required=True, help_text=""):
    return text_field(label, max_length=MAX_TEXT, rows=rows, required=required, help_text=help_text)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{INDENT * max(obj.depth - 1, 0)}{obj.name}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.staff_no}）"


class FilterForm(StyledFormMixin, forms.Form):
    """The list's filters (GET), shared by the page and the export."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *CaseKind.choices])
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *CaseState.choices])
    department = DepartmentChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.none(),
        to_field_name="code",
        empty_label=_("All departments"),
    )
    overdue = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("yes", _("Overdue")), ("no", _("Not overdue"))],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["q"].widget.attrs["placeholder"] = _("Number, content, name")

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        found = {
            "kind": data.get("kind") or "",
            "state": data.get("state") or "",
            "department": data.get("department"),
            "overdue": {"yes": True, "no": False}.get(data.get("overdue") or ""),
            "q": data.get("q") or "",
        }
        return {k: v for k, v in found.items() if v not in ("", None)}


class IntakeForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("Source"), choices=CaseSource.choices)
    department = DepartmentChoiceField(
        label=_("Department concerned"), queryset=Department.objects.none(), to_field_name="code"
    )
    staff = StaffChoiceField(
        label=_("Staff member concerned"), required=False, queryset=Staff.objects.none(), to_field_name="staff_no"
    )
    content = _text(_("Content"), rows=5)
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=20)
    received_on = date_field(_("Received on"))
    deadline = date_field(
        _("Deadline"),
        required=False,
        help_text=_("Leave empty for the usual time limit of working days after the day received."),
    )
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        # The staff of the department chosen (the page reloads the options when it changes).
        code = self.data.get("department") if self.is_bound else self.initial.get("department")
        department = departments.filter(code=code).first() if code else None
        self.fields["staff"].queryset = (
            Staff.objects.filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
            .select_related("department")
            .order_by("department__path", "staff_no")
            if department is not None
            else Staff.objects.none()
        )
        self.fields["kind"].widget.attrs["class"] = "form-check-input"


class StartForm(StyledFormMixin, forms.Form):
    version = VersionField()


class InvestigateForm(StyledFormMixin, forms.Form):
    investigation = _text(_("Investigation findings"), rows=4)
    finding = forms.ChoiceField(label=_("Conclusion"), choices=Finding.choices)
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)
    version = VersionField()


class DecideForm(StyledFormMixin, forms.Form):
    decision = _text(_("Handling decision"), rows=4)
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)
    version = VersionField()


class ReplyForm(StyledFormMixin, forms.Form):
    reply = _text(_("Reply"), rows=4)
    method = forms.ChoiceField(label=_("Reply given"), choices=ReplyMethod.choices)
    replied_on = date_field(_("Replied on"))
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction with the handling"),
        required=False,
        choices=[("", _("Not asked yet")), *Satisfaction.choices],
    )
    version = VersionField()


class CloseForm(StyledFormMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction with the handling"),
        required=False,
        choices=[("", _("Not given")), *Satisfaction.choices],
    )
    note = _text(_("Closing note"), rows=2, required=False)
    version = VersionField()


class ReturnForm(StyledFormMixin, forms.Form):
    reason = _text(_("Reason for returning"), rows=2)
    version = VersionField()


class ExtendForm(StyledFormMixin, forms.Form):
    deadline = date_field(_("New deadline"))
    reason = _text(_("Reason"), rows=2)
    version = VersionField()


class ScoreForm(StyledFormMixin, forms.Form):
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.none(), to_field_name="code")
    code = forms.CharField(label=_("Code"), max_length=32)
    day = date_field(_("Date"), help_text=_("The period of this date gets the entry; a finalized period refuses it."))
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=99, initial=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = Standard.objects.filter(subject=Subject.DEPARTMENT).order_by("code")


class ItemForm(StyledFormMixin, forms.Form):
    problem = _text(_("Problem to rectify"), rows=3)
    deadline = date_field(_("Rectification deadline"))
    version = VersionField()
