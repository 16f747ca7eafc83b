"""Reads behind the period pages: every standard's recent periods with their state (the overview),
and one period's dashboard — its stored row and last computation, the grades, the flags (who is
pending which manual score) and how many records of each kind and status it holds.

Each read is a fixed number of queries whatever the number of standards, periods or results
(pinned in ``tests/test_periods_views.py``). Who may see them is the views' business.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from wenming.standards.definition import CYCLE_ORDER, Cycle
from wenming.standards.models import Standard

from ..models import ComputeRun, Record, RecordKind, RecordStatus, Result, ScoringPeriod
from ..periods import Period, period_of
from ..services.runs import ACTIVE, run_is_active

# How many periods the overview shows for each cycle, the current one included.
RECENT = {Cycle.MONTH: 12, Cycle.QUARTER: 4, Cycle.YEAR: 2}
CYCLE_HEADINGS = {
    Cycle.MONTH: gettext_lazy("Monthly standards"),
    Cycle.QUARTER: gettext_lazy("Quarterly standards"),
    Cycle.YEAR: gettext_lazy("Yearly standards"),
}
# The flags a result can carry (``"<flag>:<code or grade>"``), counted on the dashboard.
FLAG_KINDS = ("pending", "insufficient_sample", "missing", "quota")
PENDING_TEXT = '"pending:'  # how a pending flag starts inside the stored JSON list


def recent_periods(cycle: Cycle, today) -> list[Period]:
    """The current period of ``cycle`` and the ones before it (``RECENT``), newest first."""
    periods = [period_of(today, cycle)]
    while len(periods) < RECENT[Cycle(cycle)]:
        periods.append(periods[-1].previous())
    return periods


def period_state(scoring_period: ScoringPeriod | None) -> str:
    """``none`` (never computed), ``computed`` or ``finalized``."""
    if scoring_period is None or scoring_period.computed_at is None:
        return "none"
    return "finalized" if scoring_period.is_finalized else "computed"


def count_pending(flag_lists) -> int:
    """How many ``pending:`` flags the results' flag lists hold."""
    return sum(1 for flags in flag_lists for flag in flags if flag.startswith("pending:"))


# --- The overview --------------------------------------------------------------------------------


def overview_groups(today) -> list[dict]:
    """Every standard with its recent periods, grouped by cycle. Four queries, whatever the number of
    standards and periods: standards, stored periods (with result counts), the pending flags of
    those periods, the runs under way."""
    standards = list(Standard.objects.order_by("code"))
    wanted = {s.pk: recent_periods(Cycle(s.cycle), today) for s in standards}
    keys = {period.key for periods in wanted.values() for period in periods}
    stored = {
        (sp.standard_id, sp.key): sp
        for sp in ScoringPeriod.objects.filter(standard__in=standards, key__in=keys)
        .select_related("version", "finalized_by__staff")
        .annotate(result_count=Count("results"))
    }
    pending: dict[int, int] = defaultdict(int)
    rows = Result.objects.filter(period__in=[sp.pk for sp in stored.values()], flags__icontains=PENDING_TEXT)
    for period_id, flags in rows.values_list("period_id", "flags"):
        pending[period_id] += count_pending([flags])
    running = {
        (run.standard_id, run.period_key): run
        for run in ComputeRun.objects.filter(standard__in=standards, status__in=ACTIVE).order_by("requested_at")
        if run_is_active(run)
    }
    groups: dict[str, dict] = {}
    for standard in sorted(standards, key=lambda s: (CYCLE_ORDER[Cycle(s.cycle)], s.code)):
        cycle = Cycle(standard.cycle)
        group = groups.setdefault(cycle.value, {"cycle": cycle.value, "heading": CYCLE_HEADINGS[cycle], "entries": []})
        periods = []
        for period in wanted[standard.pk]:
            sp = stored.get((standard.pk, period.key))
            periods.append(
                {
                    "period": period,
                    "stored": sp,
                    "state": period_state(sp),
                    "pending": pending.get(sp.pk, 0) if sp else 0,
                    "running": running.get((standard.pk, period.key)),
                    "future": period.start > today,
                }
            )
        group["entries"].append({"standard": standard, "periods": periods})
    return list(groups.values())


# --- One period ----------------------------------------------------------------------------------


def dashboard_period(*, standard: Standard, period: Period) -> ScoringPeriod | None:
    """The period's stored row (computed or not), with its version and who finalized it; None when
    it was never computed."""
    return (
        ScoringPeriod.objects.select_related("version", "finalized_by__staff")
        .filter(standard=standard, key=period.key)
        .first()
    )


def last_run(*, standard: Standard, period: Period) -> ComputeRun | None:
    """The period's latest computation, whatever its state."""
    return ComputeRun.objects.filter(standard=standard, period_key=period.key).first()


def pending_count(*, standard: Standard, period: Period) -> int:
    """How many manual scores the period's results still wait for (0 when it was never computed)."""
    scoring_period = ScoringPeriod.objects.filter(standard=standard, key=period.key).first()
    if scoring_period is None:
        return 0
    flag_lists = scoring_period.results.filter(flags__icontains=PENDING_TEXT).values_list("flags", flat=True)
    return count_pending(flag_lists)


def grade_rows(scoring_period: ScoringPeriod, definition) -> tuple[list[dict], int, int]:
    """(grade rows in the standard's order with count and share, subjects, vetoed): one query."""
    counts: dict[str, int] = {}
    vetoed = 0
    for row in (
        scoring_period.results.order_by()
        .values("grade")
        .annotate(n=Count("pk"), vetoed=Count("pk", filter=Q(vetoed=True)))
    ):
        counts[row["grade"]] = row["n"]
        vetoed += row["vetoed"]
    total = sum(counts.values())
    names = [grade.name for grade in definition.grades] if definition else []
    names += sorted(set(counts) - set(names))
    rows = []
    for name in names:
        n = counts.get(name, 0)
        share = (Decimal(n * 100) / total).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal("0.00")
        rows.append({"name": name, "count": n, "share": share})
    return rows, total, vetoed


def flag_summary(scoring_period: ScoringPeriod, definition) -> dict:
    """Counts of each kind of flag, and who is pending which item (for chasing manual scores): one query."""
    item_names = {item.code: item.name for item in definition.walk()} if definition else {}
    counts = dict.fromkeys(FLAG_KINDS, 0)
    subjects = dict.fromkeys(FLAG_KINDS[:3], 0)
    pending = []
    rows = scoring_period.results.exclude(flags=[]).order_by("subject_code")
    for code, name, flags in rows.values_list("subject_code", "name", "flags"):
        items, kinds = [], set()
        for flag in flags:
            kind, _sep, what = flag.partition(":")
            if kind in counts:
                counts[kind] += 1
                kinds.add(kind)
            if kind == "pending":
                items.append({"code": what, "name": item_names.get(what, "")})
        for kind in kinds & set(subjects):
            subjects[kind] += 1
        if items:
            pending.append({"code": code, "name": name, "items": items})
    return {"counts": counts, "subjects": subjects, "pending": pending}


def record_counts(standard: Standard, period: Period, scoring_period: ScoringPeriod | None) -> dict:
    """How many records of each kind and status belong to the period (dated in it, or a manual score
    for it, or a correction of it): one query."""
    dated = Q(kind__in=[RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO], date__gte=period.start)
    belongs = (dated & Q(date__lt=period.end)) | Q(kind=RecordKind.MANUAL, period_key=period.key)
    if scoring_period is not None:
        belongs |= Q(kind=RecordKind.CORRECTION, corrects=scoring_period)
    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in Record.objects.filter(standard=standard)
        .filter(belongs)
        .order_by()
        .values("kind", "status")
        .annotate(n=Count("pk"))
    }
    rows = [
        {
            "label": label,
            "counts": [counts.get((kind, status), 0) for status in RecordStatus.values],
            "total": sum(counts.get((kind, status), 0) for status in RecordStatus.values),
        }
        for kind, label in RecordKind.choices
    ]
    return {
        "statuses": [label for _value, label in RecordStatus.choices],
        "rows": rows,
        "total": sum(counts.values()),
    }
