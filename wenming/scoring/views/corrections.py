"""Corrections (更正) of a finalized period: a change of a subject's total, with reason and
evidence; the list of a period's corrections is on its records page. Who: ``can_manage_standards``
(文明办); everyone else 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wenming.org.access import access_for, require

from .. import services
from ..forms import CorrectionForm, apply_service_errors
from ..selectors.records import correction_subjects
from .records import _page_links, _period_page


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def correction_new(request, code: str, key: str):
    """A correction of a subject's total in a finalized period, with reason and evidence."""
    access = access_for(request.user)
    page = _period_page(code, key)
    if not page.finalized:
        messages.warning(
            request,
            _("Only a finalized period can be corrected; until then, change its records and compute it again."),
        )
        return redirect("scoring:records", *page.args)
    departments, staff, totals = correction_subjects(access=access, page=page)
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        definition=page.definition,
        departments=departments,
        staff=staff,
        totals=totals,
        search_url=reverse("scoring:records_staff_options", args=page.args),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_create(
                scoring_period=page.scoring_period,
                subject=data["subject"],
                code=data["code"],
                value=data["value"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"],
            )
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The correction has been saved. It will be published with the next bulletin; "
                    "the results stay as finalized."
                ),
            )
            return redirect(f"{reverse('scoring:records', args=page.args)}#corrections")
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        **_page_links(access, page),
    }
    return render(request, "scoring/correction_form.html", context, status=400 if form.errors else 200)
