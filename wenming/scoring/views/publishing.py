"""Publishing a period: the pay linkage rule (绩效挂钩规则), the pay sheet for the finance office
(a preview page and the XLSX) and the monthly bulletin (月度通报: a page and the DOCX).

Who: the whole-hospital roles (``can_view_rankings``) see all of it; only ``can_manage_standards``
(文明办, system admin) may change the pay rule (403 on the POST for the others, who see the rule
read-only). Department heads and staff get 403. An unknown standard, a key that does not fit its
cycle, or a period that has not been computed is 404.

The bulletin is generated from finalized periods only: the DOCX of a period that is not finalized
is refused (409) with a page that says why. A 通报 is an official publication that departments
and the finance office act on; a draft with figures that may still change would circulate as if it
were final, and a watermark is easily lost when the office copies the text into its own template.
The pay sheet, which finance may want to prepare early, can be previewed before finalization and
says "未定稿（仅供预览）" at the top.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wenming.core.exports import attachment
from wenming.core.forms import StyledFormMixin
from wenming.org.access import access_for, require
from wenming.standards.definition import Cycle
from wenming.standards.models import StandardVersion
from wenming.standards.selectors import newest_version

from ..bulletin import bulletin_docx
from ..models import PayMethod, ScoringPeriod
from ..pay import MAX_PLACES, describe_spec, pay_workbook, spec_from_rule
from ..periods import Period, parse_period
from ..selectors.publishing import bulletin_data, pay_rule_of, pay_sheet
from ..services import PayRuleConflictError, ScoringError, pay_rule_save

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NUMBER_MAX = 60


# --- fetching what the URL names -------------------------------------------------------------


def _version_or_404(code: str) -> StandardVersion:
    """The newest version of the standard (with the standard), or 404."""
    version = newest_version(code)
    if version is None:
        raise Http404
    return version


def _period_or_404(version: StandardVersion, key: str) -> tuple[Period, ScoringPeriod | None]:
    """The period a key names (404 when it does not fit the cycle) and its stored period, or None
    when it has not been computed."""
    try:
        period = parse_period(key, Cycle(version.standard.cycle))
    except (ValueError, TypeError):
        raise Http404 from None
    stored = (
        ScoringPeriod.objects.select_related("standard", "version", "finalized_by")
        .filter(standard=version.standard, key=period.key, computed_at__isnull=False)
        .first()
    )
    return period, stored


def _not_computed(request, version: StandardVersion, period: Period):
    context = {"standard": version.standard, "period": period, "reason": "not_computed"}
    return render(request, "scoring/bulletin_refused.html", context, status=404)


# --- the pay rule ----------------------------------------------------------------------------


class PayRuleForm(StyledFormMixin, forms.Form):
    """The pay rule of a standard: the method, a coefficient for each grade of its newest version,
    the coefficient when vetoed and the decimal places. ``version`` is the rule's version when the
    form was opened (0: none saved yet)."""

    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=PayMethod.choices)
    veto_coefficient = forms.DecimalField(
        label=gettext_lazy("Coefficient when vetoed"),
        required=False,
        min_value=0,
        max_value=10,
        max_digits=6,
        decimal_places=4,
        help_text=gettext_lazy(
            "Optional. When set, every vetoed department gets this coefficient (for example 0.8), "
            "whatever its total or grade."
        ),
    )
    places = forms.IntegerField(
        label=gettext_lazy("Decimal places"),
        min_value=0,
        max_value=MAX_PLACES,
        help_text=gettext_lazy("From 0 to 4; coefficients are rounded half-up."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.grades = grades
        self.conflict_lines: list[str] = []
        for index, name in enumerate(grades):
            field = forms.DecimalField(
                label=name, required=False, min_value=0, max_value=10, max_digits=6, decimal_places=4
            )
            field.widget.attrs.update({"class": "form-control", "inputmode": "decimal", "step": "0.0001"})
            self.fields[f"grade_{index}"] = field

    def grade_fields(self):
        return [self[f"grade_{index}"] for index in range(len(self.grades))]

    def clean(self):
        data = super().clean()
        if data.get("method") == PayMethod.GRADE_TABLE:
            for index in range(len(self.grades)):
                name = f"grade_{index}"
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("A table by grade needs a coefficient for this grade."))
        return data

    def grade_coefficients(self) -> dict[str, Decimal | None]:
        return {name: self.cleaned_data.get(f"grade_{index}") for index, name in enumerate(self.grades)}

    def mark_conflict(self, stored_lines: list[str], version: int) -> None:
        """Someone saved in between: say so, show what is stored now, keep what was typed, and move
        the hidden version on so that saving again replaces the stored rule."""
        self.conflict_lines = stored_lines
        self.add_error(
            None,
            _(
                "The pay rule was changed by someone else after you opened it, so nothing was saved. "
                "The rule now stored is shown above; what you typed is still in the form. "
                "Save again to replace the stored rule with yours."
            ),
        )
        data = self.data.copy()
        data["version"] = str(version)
        self.data = data


def _plain(value: Decimal | None) -> str | None:
    """A coefficient as typed, without trailing zeros or an exponent: 0.8, 1.1, 10."""
    return None if value is None else f"{value.normalize():f}"


def _initial(rule, grades: list[str]) -> dict:
    spec = spec_from_rule(rule)
    initial = {
        "method": spec.method,
        "veto_coefficient": spec.veto_coefficient,
        "places": spec.places,
        "version": rule.version if rule else 0,
    }
    for index, name in enumerate(grades):
        initial[f"grade_{index}"] = spec.grade_coefficients.get(name)
    return initial


@require("can_view_rankings")
@require_http_methods(["GET", "POST"])
def pay_rule(request, code: str):
    """The pay linkage rule of a standard; the office edits it, the other whole-hospital roles read it."""
    version = _version_or_404(code)
    standard = version.standard
    can_edit = access_for(request.user).can_manage_standards
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    rule = pay_rule_of(standard)
    definition = version.definition
    grades = [grade.name for grade in definition.grades]
    form = PayRuleForm(
        request.POST if request.method == "POST" else None, grades=grades, initial=_initial(rule, grades)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pay_rule_save(
                standard=standard,
                method=data["method"],
                grade_coefficients=form.grade_coefficients(),
                veto_coefficient=data["veto_coefficient"],
                places=data["places"],
                by=request.user,
                version=data["version"],
            )
        except PayRuleConflictError:
            stored = pay_rule_of(standard)
            form.mark_conflict(
                describe_spec(spec_from_rule(stored), full_score=definition.full_score, grades=grades),
                stored.version if stored else 0,
            )
        except ScoringError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("The pay linkage rule has been saved."))
            return redirect("scoring:pay_rule", code=standard.code)
    spec = spec_from_rule(rule)
    context = {
        "standard": standard,
        "version": version,
        "rule": rule,
        "spec": spec,
        "rule_lines": describe_spec(spec, full_score=definition.full_score, grades=grades),
        "grade_rows": [(name, _plain(spec.grade_coefficients.get(name))) for name in grades],
        "veto_text": _plain(spec.veto_coefficient),
        "form": form,
        "can_edit": can_edit,
        "is_default": rule is None,
    }
    return render(request, "scoring/pay_rule.html", context)


# --- pay linkage -----------------------------------------------------------------------------


@require("can_view_rankings")
@require_GET
def pay_page(request, code: str, key: str):
    """The pay sheet of a period on screen, with the download and the rule."""
    version = _version_or_404(code)
    period, stored = _period_or_404(version, key)
    if stored is None:
        return _not_computed(request, version, period)
    sheet = pay_sheet(scoring_period=stored)
    context = {
        "standard": version.standard,
        "period": period,
        "stored": stored,
        "sheet": sheet,
        "is_default": not sheet.spec.saved,
    }
    return render(request, "scoring/pay_page.html", context)


@require("can_view_rankings")
@require_GET
def pay_xlsx(request, code: str, key: str):
    """The pay sheet as XLSX for the finance office (a period not finalized is marked as a preview)."""
    version = _version_or_404(code)
    period, stored = _period_or_404(version, key)
    if stored is None:
        return _not_computed(request, version, period)
    sheet = pay_sheet(scoring_period=stored)
    return attachment(pay_workbook(sheet), sheet.filename)


# --- the bulletin ----------------------------------------------------------------------------


class BulletinForm(StyledFormMixin, forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=NUMBER_MAX,
        help_text=gettext_lazy(
            "The line under the red header, for example 〔2026〕10号. You can also edit it in Word."
        ),
    )


@require("can_view_rankings")
@require_GET
def bulletin_page(request, code: str, key: str):
    """What the bulletin of a period will say, and the download (finalized periods only)."""
    version = _version_or_404(code)
    period, stored = _period_or_404(version, key)
    if stored is None:
        return _not_computed(request, version, period)
    data = bulletin_data(scoring_period=stored) if stored.is_finalized else None
    form = BulletinForm(initial={"number": data.default_number if data else ""})
    context = {"standard": version.standard, "period": period, "stored": stored, "data": data, "form": form}
    return render(request, "scoring/bulletin_page.html", context)


@require("can_view_rankings")
@require_GET
def bulletin_download(request, code: str, key: str):
    """The bulletin as DOCX (?number= sets the document number line); 409 when not finalized."""
    version = _version_or_404(code)
    period, stored = _period_or_404(version, key)
    if stored is None:
        return _not_computed(request, version, period)
    if not stored.is_finalized:
        context = {"standard": version.standard, "period": period, "reason": "not_finalized"}
        return render(request, "scoring/bulletin_refused.html", context, status=409)
    form = BulletinForm(request.GET)
    number = form.cleaned_data["number"] if form.is_valid() else ""
    data = bulletin_data(scoring_period=stored)
    return attachment(bulletin_docx(data, number=number), data.filename, content_type=DOCX_TYPE)
