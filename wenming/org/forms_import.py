"""The upload form of the organisation import."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OrgImportUploadForm(StyledFormMixin, forms.Form):
    """Two optional files (at least one), each a .csv or .xlsx no larger than ORG_IMPORT_MAX_BYTES."""

    departments = forms.FileField(
        label=_("Departments file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    staff = forms.FileField(
        label=_("Staff file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Staff who are in the system but not in this file will be marked as left."),
    )

    def _clean_file(self, name: str):
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        extension = Path(upload.name).suffix.lower()
        if extension == ".xls":
            raise forms.ValidationError(
                _("The old Excel format (.xls) cannot be read; please save the file as .xlsx in Excel."),
                code="extension",
            )
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(_("Please choose a .csv or .xlsx file."), code="extension")
        if upload.size > settings.ORG_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s.") % {"max": filesizeformat(settings.ORG_IMPORT_MAX_BYTES)},
                code="size",
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        return upload

    def clean_departments(self):
        return self._clean_file("departments")

    def clean_staff(self):
        return self._clean_file("staff")

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("departments") and not cleaned.get("staff"):
            raise forms.ValidationError(_("Please choose a departments file, a staff file, or both."), code="empty")
        return cleaned
