"""Result pages: a period's ranking (and its spreadsheet), one subject's scorecard, a department
head's own results.

Who sees what:
- the ranking and its XLSX: the whole-hospital roles (``can_view_rankings``); anyone else 403;
- a department's scorecard: the whole-hospital roles for every department; a department head
  for the departments they head (with those under them) and 404 for any other; anyone without
  ``can_view_scores`` (a plain employee) 403;
- a staff member's scorecard (staff standards): the person themself, the heads of their
  department, the whole-hospital roles; 404 for anyone else who has a scorecard of their own to
  see, 403 for an account with no staff record and no role.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from wenming.core.exports import attachment, xlsx_bytes
from wenming.org.access import Access, access_for, require
from wenming.org.models import Department, DepartmentCategory, Staff
from wenming.standards.definition import Subject

from ..models import Result
from ..periods import parse_period
from ..selectors.common import TREND_PERIODS, find_period, optional_url
from ..selectors.own import my_results
from ..selectors.ranking import period_ranking, ranking_xlsx_rows
from ..selectors.scorecard import stored_result, subject_scorecard


def _period_or_404(code: str, key: str):
    found = find_period(standard_code=code, period_key=key)
    if found is None:
        raise Http404
    return found


def _not_computed(request, *, standard, period):
    """The friendly page for a period that has not been computed yet."""
    context = {
        "standard": standard,
        "period": period,
        "period_url": optional_url("scoring:period", standard.code, period.key),
    }
    return render(request, "scoring/ranking_not_computed.html", context)


def _category(request) -> str:
    category = request.GET.get("category") or ""
    return category if category in DepartmentCategory.values else ""


@require("can_view_rankings")
def ranking(request, code: str, key: str):
    """The ranking of one period; ?category=clinical shows one department category (stored ranks)."""
    standard, period, scoring_period = _period_or_404(code, key)
    if scoring_period is None:
        return _not_computed(request, standard=standard, period=period)
    board = period_ranking(standard=standard, period=period, scoring_period=scoring_period, category=_category(request))
    context = {
        "ranking": board,
        "categories": DepartmentCategory.choices,
        "period_url": optional_url("scoring:period", standard.code, period.key),
        "trend_periods": TREND_PERIODS,
    }
    return render(request, "scoring/ranking.html", context)


@require("can_view_rankings")
def ranking_xlsx(request, code: str, key: str):
    """The ranking's rows as a spreadsheet, with the same category filter."""
    standard, period, scoring_period = _period_or_404(code, key)
    if scoring_period is None:
        raise Http404
    board = period_ranking(standard=standard, period=period, scoring_period=scoring_period, category=_category(request))
    rows = ranking_xlsx_rows(ranking=board)
    headers = next(rows)
    suffix = f"-{board.category}" if board.category else ""
    content = xlsx_bytes(title=f"{standard.code} {period.key}", headers=headers, rows=rows, widths=[6, 10, 18])
    return attachment(content, f"{standard.code}-{period.key}{suffix}-排名.xlsx")


def _may_see(access: Access, result: Result, *, is_staff: bool) -> bool:
    if access.sees_whole_hospital:
        return True
    if is_staff:
        staff = result.staff
        return staff is not None and (staff.pk == access.staff_id or access.heads_department(staff.department))
    return result.department is not None and access.heads_department(result.department)


def _subject_in_scope(access: Access, *, code: str, is_staff: bool) -> bool:
    """For a period without results: may the person see this subject at all (else 404)?"""
    if is_staff:
        staff = Staff.objects.select_related("department").filter(staff_no=code).first()
        return staff is not None and (
            access.sees_whole_hospital or staff.pk == access.staff_id or access.heads_department(staff.department)
        )
    department = Department.objects.filter(code=code).first()
    return department is not None and (access.sees_whole_hospital or access.heads_department(department))


@login_required
def scorecard(request, code: str, key: str, subject_code: str):
    """One subject's result in one period, every point explained (spec §4)."""
    access = access_for(request.user)
    result = stored_result(standard_code=code, period_key=key, subject_code=subject_code)
    if result is not None:
        scoring_period = result.period
        standard = scoring_period.standard
        period = parse_period(scoring_period.key)
    else:
        standard, period, scoring_period = _period_or_404(code, key)
    is_staff = standard.subject == Subject.STAFF
    if not (access.can_view_scores or (is_staff and access.staff_id is not None)):
        raise PermissionDenied
    if scoring_period is None:
        if not _subject_in_scope(access, code=subject_code, is_staff=is_staff):
            raise Http404
        return _not_computed(request, standard=standard, period=period)
    if result is None or not _may_see(access, result, is_staff=is_staff):
        raise Http404
    card = subject_scorecard(standard=standard, period=period, scoring_period=scoring_period, result=result)
    context = {
        "card": card,
        "is_staff": is_staff,
        "chart_id": "wm-trend-data",
    }
    return render(request, "scoring/scorecard.html", context)


@login_required
def mine(request):
    """A department head's landing: the latest result of each department they head (and those
    under it); and anyone's own results in staff standards."""
    found = my_results(access=access_for(request.user))
    context = {"departments": found.departments, "own": found.own}
    return render(request, "scoring/scorecard_mine.html", context)
