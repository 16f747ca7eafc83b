from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin
from wenming.org.models import Department

from .models import RatingCode


class DepartmentField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{'　' * obj.depth}{obj.name}"


STATE_CHOICES = [
    ("", _("All")),
    ("valid", _("Counts")),
    ("flagged", _("Flagged, waiting for review")),
    ("invalid", _("Does not count")),
]
RATING_CHOICES = [("", _("All ratings")), *[(str(n), str(n)) for n in range(5, 0, -1)]]


class FeedbackFilterForm(StyledFormMixin, forms.Form):
    """The filters of the feedback list (GET)."""

    department = DepartmentField(label=_("Department"), required=False, queryset=Department.objects.none())
    rating = forms.ChoiceField(label=_("Rating"), required=False, choices=RATING_CHOICES)
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Comment, person or service point")}),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class PointForm(StyledFormMixin, forms.Form):
    """A new service point (a ward, a window) with its own code."""

    department = DepartmentField(label=_("Department"), queryset=Department.objects.filter(is_active=True))
    label = forms.CharField(
        label=_("Service point"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("For example: Outpatient window 3")}),
    )


class KioskForm(StyledFormMixin, forms.Form):
    """A new kiosk: its name, the code it rates and the PIN that leaves kiosk mode."""

    name = forms.CharField(
        label=_("Kiosk"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("For example: 住院部出院结算处")}),
    )
    rating_code = forms.ModelChoiceField(
        label=_("Rates"),
        queryset=RatingCode.objects.filter(active=True, kind__in=["department", "point"]).select_related("department"),
    )
    pin = forms.CharField(
        label=_("PIN to leave kiosk mode"),
        min_length=4,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating_code"].label_from_instance = lambda code: code.display_name
