"""The monthly supervision report (每月督办通报): the page of one month and its spreadsheet.

Who sees what (decided here, tested in ``tests/test_views.py``):
- the whole-hospital roles (office, leadership group, inspectors, system admin) see the whole
  hospital;
- a department head sees the same report restricted to the departments they head (and those
  below them): their own findings, repeats, ledger and overdue items, nothing of other departments.
  The scope is the person's, not the URL's, so there is no "other department" to answer 404 for;
- anyone else (a plain employee, an account without a role) gets 403; anonymous users the login page.

A month after the current one (on the hospital's calendar) or a malformed key is 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wenming.core.exports import attachment
from wenming.org.access import access_for
from wenming.org.selectors import hospital_today

from .exports import report_xlsx
from .selectors import Scope, current_month, month_period, monthly_report, report_scope


def _scope(request) -> Scope:
    scope = report_scope(access_for(request.user))
    if scope is None:
        raise PermissionDenied
    return scope


def _month_or_404(key: str, today):
    period = month_period(key)
    if period is None or period.start > today:
        raise Http404
    return period


@login_required
def home(request):
    """To the current month's report, or to the month the picker chose (?month=2026-10)."""
    _scope(request)
    today = hospital_today()
    chosen = month_period(request.GET.get("month") or "")
    if chosen is None or chosen.start > today:
        chosen = current_month(today)
    return redirect("supervision:month", key=chosen.key)


@login_required
def month(request, key: str):
    scope = _scope(request)
    today = hospital_today()
    period = _month_or_404(key, today)
    report = monthly_report(scope=scope, period=period, today=today)
    context = {
        "report": report,
        "latest": current_month(today),
    }
    return render(request, "supervision/report.html", context)


@login_required
def month_xlsx(request, key: str):
    """The report's tables as a workbook, one sheet a table, in the person's scope."""
    scope = _scope(request)
    today = hospital_today()
    period = _month_or_404(key, today)
    report = monthly_report(scope=scope, period=period, today=today)
    return attachment(report_xlsx(report), f"{_('supervision-report')}-{period.key}.xlsx")
