from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OUTCOMES, SampleMode


class _Bootstrap:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class BatchUploadForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Batch name"), max_length=100)
    start = forms.DateField(label=_("Discharged from"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Discharged until"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Patient list (.csv or .xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SampleForm(_Bootstrap, forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    mode = forms.ChoiceField(label=_("Sample by"), choices=SampleMode.choices)
    value = forms.IntegerField(label=_("Size"), min_value=1)
    callers = forms.ModelMultipleChoiceField(label=_("Callers"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, departments, callers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        self.fields["callers"].queryset = callers
        self.fields["callers"].label_from_instance = lambda user: getattr(
            getattr(user, "staff", None), "name", user.get_username()
        )
        self._style()


class ScriptForm(_Bootstrap, forms.Form):
    script = forms.CharField(label=_("Call script"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class OutcomeForm(_Bootstrap, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(c.value, c.label) for c in OUTCOMES], widget=forms.RadioSelect
    )
    overall = forms.TypedChoiceField(
        label=_("Overall rating"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("Note on this attempt"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
