"""Reads of patient satisfaction (满意度): rates per department and month, targets, trends, the
channel breakdown, the lowest comments, and the public board's figures.

**Counting** is the scoring engine's (``shared/spec/scoring.md``, rule ``satisfaction``): only
valid feedback counts; a department's feedback is the feedback whose ``department`` is it (its
wards count for themselves, not for it); ``n`` = how many, ``satisfied`` = those with
``overall ≥ satisfied_min`` (4 unless the standard says otherwise); ``rate = satisfied / n``.
Months are the hospital's calendar months of ``local_date``. Rates are exact Decimals rounded half
up to 0.0001 (0.01 %); a change between periods is in percentage points, to 0.01.

**Targets** come from the newest version of the department standards that have a
``satisfaction`` item (monthly ones first, then by code): a department takes the first that applies
to its category (``applies_to``). Without one: target 0.95, 30 responses, satisfied from 4.

**Queries.** Every figure comes from one GROUP BY (department, channel, overall) with one
conditional count per month (:func:`monthly_counts`), filtered on ``local_date`` (and on the
department for a department head, so the ``(department, local_date)`` index does the work). The
counts of a month and the dimension results of a period are cached per set of departments
(the office's pages share the whole hospital's): a finished month for
:data:`CLOSED_MONTH_SECONDS`, the running month for :data:`RUNNING_MONTH_SECONDS`, under keys
that include the feedback counters of :mod:`wenming.feedback.freshness` — so a new rating shows on
the next page view (the running month is counted again), and a late change to an earlier month (a
flagged rating cleared, a follow-up call, an import) too; only unchanged figures come from the cache.

The modules: ``common`` (numbers, targets, periods, counting, rates per department, the lists),
``pages`` (the dashboard and a department's page), ``public`` (the public board).
"""

from .common import (
    BOARD_CACHE_KEY,
    CLOSED_MONTH_SECONDS,
    DEFAULT_MIN_RESPONSES,
    DEFAULT_TARGET,
    PUBLIC_SECONDS,
    RATE_PLACES,
    RUNNING_MONTH_SECONDS,
    TREND_MONTHS,
    ChannelRate,
    DepartmentRate,
    StaffRate,
    Tally,
    Target,
    Targets,
    TrendPoint,
    cache_seconds,
    department_rates,
    hospital_rate,
    last_full_month,
    latest_comments,
    lowest_comments,
    may_manage,
    may_read,
    month_of,
    monthly_counts,
    monthly_trend,
    months_back,
    period_choices,
    rounded,
    satisfaction_targets,
    staff_rates,
    tally,
)
from .pages import Dashboard, DepartmentDetail, dashboard, department_detail, department_for_access, dimension_chart
from .public import PublicFigures, PublicRow, board_period, public_board, public_figures

__all__ = [
    "BOARD_CACHE_KEY",
    "CLOSED_MONTH_SECONDS",
    "DEFAULT_MIN_RESPONSES",
    "DEFAULT_TARGET",
    "PUBLIC_SECONDS",
    "RATE_PLACES",
    "RUNNING_MONTH_SECONDS",
    "TREND_MONTHS",
    "ChannelRate",
    "Dashboard",
    "DepartmentDetail",
    "DepartmentRate",
    "PublicFigures",
    "PublicRow",
    "StaffRate",
    "Tally",
    "Target",
    "Targets",
    "TrendPoint",
    "board_period",
    "cache_seconds",
    "dashboard",
    "department_detail",
    "department_for_access",
    "department_rates",
    "dimension_chart",
    "hospital_rate",
    "last_full_month",
    "latest_comments",
    "lowest_comments",
    "may_manage",
    "may_read",
    "month_of",
    "monthly_counts",
    "monthly_trend",
    "months_back",
    "period_choices",
    "public_board",
    "public_figures",
    "rounded",
    "satisfaction_targets",
    "staff_rates",
    "tally",
]
