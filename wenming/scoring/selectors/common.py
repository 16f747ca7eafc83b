"""Helpers shared by the result pages: finding a period, trend periods, grade colours, flag labels,
sparklines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from wenming.standards.definition import Cycle, StandardDef, Subject
from wenming.standards.models import Standard

from ..engine import format_points
from ..models import Result, ScoringPeriod
from ..periods import Period, parse_period

# How many periods a sparkline or a trend chart covers (the shown period and those before it).
TREND_PERIODS = 12

CENT = Decimal("0.01")


# --- shared helpers ----------------------------------------------------------------------


def optional_url(name: str, *args) -> str | None:
    """The URL of a page another part of the product provides, or None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def find_period(*, standard_code: str, period_key: str) -> tuple[Standard, Period, ScoringPeriod | None] | None:
    """The standard, the period the key names and its computed :class:`ScoringPeriod` (None when it
    was never computed). None for an unknown standard or a key that is not one of its periods.
    The period comes annotated with ``result_count`` (how many subjects it ranks).
    One query when the period was computed (the usual case), two otherwise."""
    results = Result.objects.filter(period=OuterRef("pk")).order_by().values("period").annotate(n=Count("pk"))
    scoring_period = (
        ScoringPeriod.objects.select_related("standard", "version")
        .filter(standard__code=standard_code, key=period_key, computed_at__isnull=False)
        .annotate(result_count=Coalesce(Subquery(results.values("n")), 0))
        .first()
    )
    standard = scoring_period.standard if scoring_period else Standard.objects.filter(code=standard_code).first()
    if standard is None:
        return None
    try:
        period = parse_period(period_key, Cycle(standard.cycle))
    except (ValueError, TypeError):
        return None
    return standard, period, scoring_period


def trend_periods(period: Period, count: int = TREND_PERIODS) -> list[Period]:
    """``period`` and the ``count − 1`` periods of its cycle before it, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def grade_styles(definition: StandardDef | None) -> dict[str, str]:
    """A Bootstrap badge class for each grade, best first: green, blue…, amber, red (the last)."""
    if definition is None:
        return {}
    names = [grade.name for grade in definition.grades]
    styles = {}
    for index, name in enumerate(names):
        if index == 0:
            styles[name] = "text-bg-success"
        elif index == len(names) - 1:
            styles[name] = "text-bg-danger"
        elif index == len(names) - 2:
            styles[name] = "text-bg-warning"
        else:
            styles[name] = "text-bg-primary"
    return styles


@dataclass(frozen=True)
class FlagLabel:
    kind: str  # pending | insufficient_sample | missing | quota | another flag as stored
    text: str
    title: str = ""


def flag_labels(flags: Iterable[str], definition: StandardDef | None) -> list[FlagLabel]:
    """Stored flags (``pending:A2``, ``quota:优秀``…) as short labels in the active language."""
    names = {item.code: item.name for item in definition.walk()} if definition else {}
    labels = []
    for flag in flags:
        kind, _sep, what = flag.partition(":")
        title = f"{what} {names[what]}" if what in names else what
        if kind == "pending":
            text = _("Awaiting score: %(item)s") % {"item": what}
        elif kind == "insufficient_sample":
            text = _("Insufficient sample: %(item)s") % {"item": what}
        elif kind == "missing":
            text = _("No source result: %(item)s") % {"item": what}
        elif kind == "quota":
            text = _("Over the quota for %(grade)s") % {"grade": what}
            title = ""
        else:
            text = flag
        labels.append(FlagLabel(kind=kind, text=text, title=title))
    return labels


def mean_points(values: list[Decimal]) -> Decimal | None:
    """The exact mean of some totals, rounded half-up to 2 places; None for none."""
    if not values:
        return None
    return Decimal(format_points(Fraction(sum(values, Decimal(0))) / len(values)))


def exact_points(value: Decimal) -> str:
    """Points of a deduction or bonus and their products: two decimals (1.00, 0.50) when that is
    exact, else every digit (0.125), as the engine's arithmetic writes them."""
    shown = format_points(value)
    return shown if Decimal(shown) == value else f"{value.normalize():f}"


def points_or_blank(value: Decimal | str | None) -> str:
    """A number with exactly two decimals ("93.50"); "" for None."""
    return "" if value is None else format_points(Decimal(value))


# --- sparkline ---------------------------------------------------------------------------

SPARK_WIDTH = 120
SPARK_HEIGHT = 28
_SPARK_PAD = 3


@dataclass(frozen=True)
class Sparkline:
    """A tiny line of totals over the trend periods, drawn as inline SVG on the server."""

    path: str  # SVG path data; gaps (periods without a result) break the line
    dots: tuple[tuple[str, str], ...]  # isolated points and the last point
    title: str  # the values in words, for screen readers and the hover tooltip
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(
    values: list[tuple[str, Decimal | None]], scale: tuple[Decimal, Decimal] | None = None
) -> Sparkline | None:
    """The sparkline of ``[(period label, total or None)]``, oldest first; None with no values.
    ``scale`` (lowest, highest) draws every row of a page on the same vertical scale, so that
    heights compare across rows; by default the line spans its own values."""
    known = [v for _label, v in values if v is not None]
    if not known:
        return None
    low, high = scale if scale is not None else (min(known), max(known))
    span = high - low
    step = (SPARK_WIDTH - 2 * _SPARK_PAD) / max(1, len(values) - 1)
    inner = SPARK_HEIGHT - 2 * _SPARK_PAD

    def xy(index: int, value: Decimal) -> tuple[str, str]:
        x = _SPARK_PAD + index * step
        y = SPARK_HEIGHT / 2 if not span else _SPARK_PAD + float((high - value) / span) * inner
        return f"{x:.1f}", f"{y:.1f}"

    parts: list[str] = []
    dots: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []
    for index, (_label, value) in enumerate([*values, ("", None)]):
        if value is not None:
            run.append(xy(index, value))
            continue
        if len(run) == 1:
            dots.append(run[0])
        elif run:
            parts.append("M" + " L".join(f"{x} {y}" for x, y in run))
        run = []
    last_index = max(i for i, (_label, v) in enumerate(values) if v is not None)
    last = xy(last_index, values[last_index][1])
    if last not in dots:
        dots.append(last)
    title = "；".join(f"{label} {format_points(v)}" for label, v in values if v is not None)
    return Sparkline(path=" ".join(parts), dots=tuple(dots), title=title)


def subject_field(standard: Standard) -> str:
    """The Record/Result field naming the subject: ``department`` or ``staff``."""
    return "staff" if standard.subject == Subject.STAFF else "department"
