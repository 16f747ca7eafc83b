"""The overdue deduction rule (逾期扣分): whether an item long overdue records a deduction against
its department, after how many days, and which deduction of which standard. One rule for the
hospital; the office changes it (everyone else gets 403), the scheduled tasks apply it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..forms import OverdueRuleForm, apply_service_errors
from ..selectors import deduction_choices, overdue_rule, rule_standards
from .common import office_required


@office_required
@require_http_methods(["GET", "POST"])
def rule(request):
    current = overdue_rule()
    standards = rule_standards()
    form = OverdueRuleForm(
        request.POST if request.method == "POST" else None,
        standards=standards,
        codes_url=reverse("rectification:rule_codes"),
        version=current.version,
        initial={
            "active": current.active,
            "days": current.days,
            "standard": current.standard.code if current.standard_id else None,
            "code": current.code,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.overdue_rule_save(
                by=request.user,
                active=data["active"],
                days=data["days"],
                standard=data["standard"],
                code=data["code"],
                expected_version=data["version"],
            )
        except services.RectificationConflict:
            current = overdue_rule()
            form.mark_conflict(current)
        except services.RectificationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The overdue deduction rule has been saved."))
            return redirect("rectification:rule")
    chosen = form["standard"].value()
    standard = standards.filter(code=chosen).first() if chosen else None
    context = {
        "rule": current,
        "form": form,
        "codes": deduction_choices(standard),
        "has_standards": standards.exists(),
    }
    return render(request, "rectification/rule.html", context, status=400 if form.errors else 200)


@office_required
@require_GET
def rule_codes(request):
    """The deductions of the standard chosen (``?standard=``), as ``<option>``s of the code list."""
    code = request.GET.get("standard", "")
    standard = rule_standards().filter(code=code).first() if code else None
    return render(request, "rectification/_rule_codes.html", {"codes": deduction_choices(standard)})
