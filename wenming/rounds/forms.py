"""Forms of the rounds pages: they check what was typed and hand clean values to the services,
which hold the rules (who, states, windows, versions)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin, date_field
from wenming.org.models import Department

from .models import GROUP_ORDER, RaterGroup, RoundPurpose
from .services import MAX_REASON, MAX_TITLE

DATETIME_INPUT = {"type": "datetime-local"}
INDENT = "\u3000"

GROUP_HELP = {
    RaterGroup.SELF: _("The person rates themselves (only people with a login)."),
    RaterGroup.PEER: _("Colleagues of the same department."),
    RaterGroup.BRANCH: _("Other members of the person's party branch; only for party members."),
    RaterGroup.LEADER: _("Accounts of the leadership group that have a staff record."),
    RaterGroup.FUNCTIONAL: _("A random sample of staff of the administrative departments."),
    RaterGroup.PATIENT: _("Valid patient feedback naming the person in the patient window; no ballots."),
}


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{INDENT * max(obj.depth - 1, 0)}{obj.name}（{obj.code}）"


def _datetime(label, **kwargs):
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs=DATETIME_INPUT, format="%Y-%m-%dT%H:%M"), **kwargs
    )


class RoundForm(StyledFormMixin, forms.Form):
    """Create or edit a round (draft); one weight field per rater group, blank = group not used."""

    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=RoundPurpose.choices)
    period_key = forms.CharField(
        label=_("Period"), max_length=8, help_text=_("A year (2026), a quarter (2026-Q3) or a month (2026-10).")
    )
    whole_hospital = forms.BooleanField(label=_("Evaluate the whole hospital"), required=False)
    departments = DepartmentsField(
        label=_("Departments evaluated"),
        required=False,
        queryset=Department.objects.none(),
        help_text=_("Everyone in post in these departments and the departments under them."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    opens_at = _datetime(_("Opens at"))
    closes_at = _datetime(_("Closes at"))
    patient_from = date_field(
        _("Patient feedback from"), required=False, help_text=_("Default: the period's first day.")
    )
    patient_to = date_field(_("Patient feedback to"), required=False, help_text=_("Default: the period's last day."))
    min_raters = forms.IntegerField(
        label=_("Minimum raters per group"),
        min_value=1,  # the service refuses fewer than WENMING_ROUND_MIN_RATERS, with the reason
        max_value=50,
        help_text=_("A group's result is shown only with at least this many scores (not for self-evaluation)."),
    )
    drop_extremes = forms.BooleanField(
        label=_("Drop the highest and the lowest score of each group (with at least the minimum + 2 scores)"),
        required=False,
    )
    functional_sample = forms.IntegerField(label=_("Functional raters per person"), min_value=1, max_value=100)
    peer_sample = forms.IntegerField(
        label=_("Peer raters per person"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Blank: every colleague of the department."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(is_active=True).order_by("path")
        for group in GROUP_ORDER:
            self.fields[f"weight_{group}"] = forms.DecimalField(
                label=RaterGroup(group).label,
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
                max_digits=5,
                help_text=GROUP_HELP[group],
            )
            self.fields[f"weight_{group}"].widget.attrs["class"] = "form-control form-control-sm wm-weight"

    @property
    def weight_fields(self):
        return [self[f"weight_{group}"] for group in GROUP_ORDER]

    def group_weights(self) -> dict:
        return {
            group: self.cleaned_data[f"weight_{group}"]
            for group in GROUP_ORDER
            if self.cleaned_data.get(f"weight_{group}") is not None
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "purpose": data["purpose"],
            "period_key": data["period_key"],
            "whole_hospital": data["whole_hospital"],
            "departments": list(data["departments"]),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "patient_from": data["patient_from"],
            "patient_to": data["patient_to"],
            "min_raters": data["min_raters"],
            "functional_sample": data["functional_sample"],
            "peer_sample": data["peer_sample"],
            "groups": self.group_weights(),
        }


def initial_for(round) -> dict:
    initial = {
        "title": round.title,
        "purpose": round.purpose,
        "period_key": round.period_key,
        "whole_hospital": round.whole_hospital,
        "departments": list(round.departments.all()),
        "opens_at": round.opens_at,
        "closes_at": round.closes_at,
        "patient_from": round.patient_from,
        "patient_to": round.patient_to,
        "min_raters": round.min_raters,
        "drop_extremes": round.drop_extremes,
        "functional_sample": round.functional_sample,
        "peer_sample": round.peer_sample,
        "version": round.version,
    }
    for g in round.groups.all():
        initial[f"weight_{g.group}"] = g.weight
    return initial


class BallotForm(forms.Form):
    """One score field per pending ballot (``score_<ballot id>``); blank ones are left for later."""

    def __init__(self, *args, ballots, **kwargs):
        super().__init__(*args, **kwargs)
        self.ballots = ballots
        for ballot in ballots:
            self.fields[f"score_{ballot.pk}"] = forms.IntegerField(
                label=ballot.ratee.name,
                required=False,
                min_value=0,
                max_value=100,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "min": 0, "max": 100, "step": 1}
                ),
                error_messages={
                    "invalid": _("A score is a whole number from 0 to 100."),
                    "min_value": _("A score is a whole number from 0 to 100."),
                    "max_value": _("A score is a whole number from 0 to 100."),
                },
            )

    def rows(self):
        return [(ballot, self[f"score_{ballot.pk}"]) for ballot in self.ballots]

    def scores(self) -> dict[int, int]:
        return {
            ballot.pk: self.cleaned_data[f"score_{ballot.pk}"]
            for ballot in self.ballots
            if self.cleaned_data.get(f"score_{ballot.pk}") is not None
        }


class FeedForm(StyledFormMixin, forms.Form):
    standard_code = forms.CharField(label=_("Standard code"), max_length=32, help_text=_("For example YDKP-2026."))
    item_code = forms.CharField(label=_("Item code"), max_length=32, help_text=_("An item scored by hand, e.g. Y7."))
    period_key = forms.CharField(label=_("Period"), max_length=8, help_text=_("The standard's period, e.g. 2026."))


class SealedExportForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}), required=True
    )
    confirm = forms.BooleanField(
        label=_("I understand that this reveals who gave which score and that it is recorded in the audit log."),
        required=True,
    )
