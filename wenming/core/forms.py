from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.org.models import Department

from .audit import action_choices

DATE_INPUT = {"type": "date"}


def date_field(label, **kwargs) -> forms.DateField:
    """A date with the browser's date picker (``<input type=date>``)."""
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"), **kwargs)


def text_field(label, *, max_length: int, rows: int = 3, required: bool = True, help_text="") -> forms.CharField:
    """A multi-line text of at most ``max_length`` characters."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class StyledFormMixin:
    """Gives every widget Bootstrap's classes, and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class VersionedFormMixin:
    """An edit form that carries the version its object had when the form was opened.

    When the service reports that someone else saved in between, :meth:`mark_conflict` adds the
    error, lists the values now stored, and moves the hidden version on, so that a deliberate
    second "Save" (after reading them) replaces them; what the user typed stays in the form."""

    conflict_fields: tuple[str, ...] = ()

    def add_version_field(self, version: int | None) -> None:
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1, initial=version)

    def mark_conflict(self, current) -> None:
        self.conflict_values = [
            (self.fields[name].label, _display(current, name)) for name in self.conflict_fields if name in self.fields
        ]
        self.add_error(
            None,
            ValidationError(
                _(
                    "This record was changed by someone else after you opened it, so nothing was saved. "
                    "The values now stored are shown above; what you typed is still in the form. "
                    "Save again to replace the stored values with yours."
                ),
                code="conflict",
            ),
        )
        data = self.data.copy()
        data[self.add_prefix("version")] = str(current.version)
        self.data = data


def _display(instance, name: str) -> str:
    value = getattr(instance, name)
    display = getattr(instance, f"get_{name}_display", None)
    if display is not None and value not in (None, ""):
        return str(display())
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if value in (None, ""):
        return "—"
    return str(value)


class AuditFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Object, person or code")}),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.all(), to_field_name="code"
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *action_choices()]

    def cleaned_filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
