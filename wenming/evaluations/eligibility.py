"""What one year's 医德考评 means for each person elsewhere: 职称晋升 (promotion), 评先评优
(commendation), 绩效 (the performance coefficient) and 医师定期考核 (the physicians' periodic review).

The rules (the 2007 national guidance and the common hospital practice built on it):

* 职称晋升 — a person graded 较差 is not eligible for promotion that year.
* 评先评优 — only 优秀 and 良好 are eligible (一般 and 较差 are not).
* 绩效 — the grade's coefficient, :data:`PERFORMANCE_COEFFICIENTS` unless the setting
  ``WENMING_ETHICS_PERFORMANCE`` (``{grade: "1.10", …}``) replaces it.
* 医师定期考核 — the person's final grades in the archived cycles of the last
  ``WENMING_PHYSICIAN_REVIEW_YEARS`` (default 3) years ending with this one: two or more 较差 →
  不合格; one → 需关注; none → 合格.

Only an archived cycle's ``final_grade`` is final. A draft export (the office, before archiving)
uses each member's grade as it stands (the committee's, else the computed one) for this year and
the final grades of earlier archived years.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from wenming.core.exports import xlsx_bytes
from wenming.scoring.engine import format_points

from .models import CycleState, EthicsCycle, EthicsMember

EXCELLENT, GOOD, FAIR, POOR = "优秀", "良好", "一般", "较差"  # the 2007 guidance's four grades


# 绩效: the coefficient of each grade (a grade not listed gets none).
PERFORMANCE_COEFFICIENTS: dict[str, Decimal] = {
    EXCELLENT: Decimal("1.1"),
    GOOD: Decimal("1.0"),
    FAIR: Decimal("0.9"),
    POOR: Decimal("0.7"),
}

DEFAULT_REVIEW_YEARS = 3


class Review:
    """医师定期考核 outcome codes."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    WATCH = "watch"
    FAIL = "fail"


REVIEW_LABELS = {
    Review.PASS: gettext_lazy("Pass"),
    Review.WATCH: gettext_lazy("Needs attention"),
    Review.FAIL: gettext_lazy("Fail"),
}


def performance_coefficients() -> dict[str, Decimal]:
    configured = getattr(settings, "WENMING_ETHICS_PERFORMANCE", None)
    if not configured:
        return dict(PERFORMANCE_COEFFICIENTS)
    return {str(grade): Decimal(str(value)) for grade, value in configured.items()}


def grade_rules(cycle: EthicsCycle) -> tuple[str, tuple[str, ...]]:
    """(the grade that makes a person ineligible — the standard's veto grade, 较差 in YDKP —, the
    grades eligible for commendation — its two highest, 优秀 and 良好 in YDKP)."""
    from .services.common import definition_of

    definition = definition_of(cycle)
    return definition.veto_grade, tuple(g.name for g in definition.grades[:2])


def review_years() -> int:
    return int(getattr(settings, "WENMING_PHYSICIAN_REVIEW_YEARS", DEFAULT_REVIEW_YEARS) or DEFAULT_REVIEW_YEARS)


@dataclass
class EligibilityRow:
    staff_no: str
    name: str
    department: str
    title: str
    grade: str  # "" when the person has no grade
    total: Decimal | None
    vetoed: bool
    promotion: bool | None  # None: no grade
    commendation: bool | None
    coefficient: Decimal | None
    review: str | None  # a Review code; None: no grade
    poor_years: list[int] = field(default_factory=list)  # years graded 较差 in the review window
    poor_grade: str = POOR  # the grade that makes a person ineligible (the standard's veto grade)
    commendable: tuple[str, ...] = (EXCELLENT, GOOD)  # the grades eligible for commendation

    @property
    def total_text(self) -> str:
        return "" if self.total is None else format_points(self.total)

    @property
    def review_label(self) -> str:
        return str(REVIEW_LABELS[self.review]) if self.review else ""

    @property
    def notes(self) -> str:
        """The 说明 column: why each outcome is what it is."""
        if not self.grade:
            return _("No grade for this year.")
        parts = []
        if self.vetoed:
            parts.append(_("Vetoed: graded %(grade)s.") % {"grade": self.poor_grade})
        if self.promotion is False:
            parts.append(_("Graded %(grade)s: not eligible for promotion this year.") % {"grade": self.grade})
        if self.commendation is False:
            parts.append(
                _("Graded %(grade)s: only %(grades)s are eligible for commendation.")
                % {"grade": self.grade, "grades": "、".join(self.commendable)}
            )
        if self.coefficient is None:
            parts.append(_("No performance coefficient for this grade."))
        if self.poor_years:
            years = "、".join(str(year) for year in self.poor_years)
            parts.append(
                _("Graded %(grade)s in %(years)s within the last %(count)d years.")
                % {"grade": self.poor_grade, "years": years, "count": review_years()}
            )
        return " ".join(parts)


def eligibility_rows(*, cycle: EthicsCycle) -> list[EligibilityRow]:
    """One row per member of ``cycle`` (in department and staff number order): three queries."""
    final = cycle.state == CycleState.ARCHIVED
    members = list(
        EthicsMember.objects.filter(cycle=cycle)
        .select_related("staff", "department")
        .order_by("department__path", "staff__staff_no")
    )
    window = review_years()
    earlier: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for staff_id, year, grade in EthicsMember.objects.filter(
        staff_id__in=[member.staff_id for member in members],
        cycle__state=CycleState.ARCHIVED,
        cycle__year__gt=cycle.year - window,
        cycle__year__lt=cycle.year,
    ).values_list("staff_id", "cycle__year", "final_grade"):
        earlier[staff_id].append((year, grade))
    coefficients = performance_coefficients()
    poor, commendable = grade_rules(cycle)

    rows = []
    for member in members:
        grade = member.final_grade if final else member.grade
        poor_years = sorted(year for year, past in earlier.get(member.staff_id, []) if past == poor)
        if grade == poor:
            poor_years.append(cycle.year)
        if not grade:
            promotion = commendation = coefficient = review = None
        else:
            promotion = grade != poor
            commendation = grade in commendable
            coefficient = coefficients.get(grade)
            review = Review.FAIL if len(poor_years) >= 2 else Review.WATCH if poor_years else Review.PASS
        rows.append(
            EligibilityRow(
                staff_no=member.staff.staff_no,
                name=member.staff.name,
                department=member.department.name,
                title=member.staff.title,
                grade=grade,
                total=member.engine_total,
                vetoed=member.engine_vetoed,
                promotion=promotion,
                commendation=commendation,
                coefficient=coefficient,
                review=review,
                poor_years=poor_years,
                poor_grade=poor,
                commendable=commendable,
            )
        )
    return rows


# --- the workbook --------------------------------------------------------------------------------

OFFICE_HEADERS = (
    "工号",
    "姓名",
    "科室",
    "职称",
    "年度等级",
    "总分",
    "一票否决",
    "职称晋升",
    "评先评优",
    "绩效",
    "医师定期考核",
    "说明",
)
WIDTHS = (10, 10, 16, 14, 10, 8, 10, 14, 12, 8, 14, 60)


def eligibility_headers(language: str | None = None) -> list[str]:
    """The office's words when the interface is Chinese, translated headers otherwise."""
    if (language if language is not None else get_language() or "").lower().startswith("zh"):
        return list(OFFICE_HEADERS)
    return [
        _("Staff number"),
        pgettext("person", "Name"),
        _("Department"),
        _("Professional title"),
        _("Grade of the year"),
        _("Total"),
        _("Vetoed"),
        _("Promotion"),
        _("Commendation"),
        _("Performance coefficient"),
        _("Physicians' periodic review"),
        _("Notes"),
    ]


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _eligible(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Eligible") if value else _("Not eligible")


def row_values(row: EligibilityRow) -> list:
    return [
        row.staff_no,
        row.name,
        row.department,
        row.title,
        row.grade,
        row.total_text,
        _yes_no(row.vetoed),
        _eligible(row.promotion),
        _eligible(row.commendation),
        "" if row.coefficient is None else f"{row.coefficient:.2f}",
        row.review_label,
        row.notes,
    ]


def sheet_title(cycle: EthicsCycle, *, draft: bool) -> str:
    title = _("Ethics %(year)s eligibility") % {"year": cycle.year}
    return _("%(title)s (draft)") % {"title": title} if draft else title


def eligibility_xlsx(*, cycle: EthicsCycle, rows: list[EligibilityRow], draft: bool) -> bytes:
    return xlsx_bytes(
        title=sheet_title(cycle, draft=draft),
        headers=eligibility_headers(),
        rows=(row_values(row) for row in rows),
        widths=WIDTHS,
    )


def eligibility_filename(cycle: EthicsCycle, *, draft: bool) -> str:
    return f"医德考评结果运用-{cycle.year}{'-草稿' if draft else ''}.xlsx"
