"""Assessment periods (考核周期): a month ``2026-10``, a quarter ``2026-Q4`` or a year ``2026``.

Pure calendar arithmetic, no database. A :class:`Period` is a half-open range of local calendar
dates ``[start, end)``: ``end`` is the first day *after* the period, so consecutive periods meet
without overlapping and ``contains`` is a plain comparison.

Keys are exactly the forms of ``shared/spec/interchange.md``: ``YYYY-MM`` (two-digit month
01–12), ``YYYY-Qn`` (upper-case ``Q``, n = 1–4) and ``YYYY`` (four ASCII digits, year ≥ 1). Nothing
is trimmed or normalised: ``" 2026-10"``, ``"2026-1"``, ``"2026-q4"`` and ``"26-10"`` are refused.

Records are dated by the hospital's local calendar (Asia/Shanghai unless told otherwise):
:func:`local_date` turns the moment a feedback was given into that date, which matters at month
ends (2026-10-31T20:00:00Z is 2026-11-01 in Shanghai).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.standards.definition import CYCLE_ORDER, Cycle

DEFAULT_TIME_ZONE = "Asia/Shanghai"

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER = re.compile(r"([0-9]{4})-Q([0-9])")
_YEAR = re.compile(r"[0-9]{4}")

_EXAMPLES = {Cycle.MONTH: "2026-10", Cycle.QUARTER: "2026-Q4", Cycle.YEAR: "2026"}
_CYCLE_WORDS = {
    Cycle.MONTH: gettext_lazy("a month"),
    Cycle.QUARTER: gettext_lazy("a quarter"),
    Cycle.YEAR: gettext_lazy("a year"),
}


@dataclass(frozen=True)
class Period:
    """One period of a cycle: dates ``start <= day < end`` (``end`` is exclusive)."""

    key: str
    cycle: Cycle
    start: date
    end: date

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        """The period as people write it, in the active language: 2026年10月, 2026年第4季度, 2026年度."""
        if self.cycle == Cycle.MONTH:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.cycle == Cycle.QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            return _("%(year)d Q%(quarter)d") % {"year": self.start.year, "quarter": quarter}
        return _("Year %(year)d") % {"year": self.start.year}

    def previous(self) -> Period:
        """The period of the same cycle just before this one."""
        return period_of(date.fromordinal(self.start.toordinal() - 1), self.cycle)

    def contains(self, day: date) -> bool:
        """True when the local calendar ``day`` falls inside the period. Pass a ``date``; for a
        ``datetime`` convert it with :func:`local_date` first (a datetime is refused)."""
        if isinstance(day, datetime):
            raise TypeError("Period.contains() takes a date; convert a datetime with local_date() first")
        return self.start <= day < self.end

    def sub_periods(self, cycle: Cycle, *, begun_by: date | None = None) -> list[Period]:
        """The periods of the shorter ``cycle`` that make up this one, in date order: a quarter's 3
        months, a year's 4 quarters or 12 months. The same cycle gives ``[self]``; a longer cycle
        is a ValueError. With ``begun_by``, only the sub-periods whose first day is on or before
        that date (the ones that "have begun", as a rollup needs them)."""
        cycle = Cycle(cycle)
        if CYCLE_ORDER[cycle] > CYCLE_ORDER[self.cycle]:
            raise ValueError(f"a {cycle.value} is longer than the {self.cycle.value} {self.key}; it has no sub-periods")
        parts: list[Period] = []
        day = self.start
        while day < self.end:
            part = period_of(day, cycle)
            parts.append(part)
            day = part.end
        if begun_by is not None:
            parts = [part for part in parts if part.start <= begun_by]
        return parts


def _month(year: int, month: int) -> Period:
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(f"{year:04d}-{month:02d}", Cycle.MONTH, date(year, month, 1), end)


def _quarter(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return Period(f"{year:04d}-Q{quarter}", Cycle.QUARTER, date(year, first_month, 1), end)


def _year(year: int) -> Period:
    # date(10000, 1, 1) does not exist; the last representable year simply cannot be a period.
    if year >= 9999:
        raise ValueError(f"year {year} is out of range")
    return Period(f"{year:04d}", Cycle.YEAR, date(year, 1, 1), date(year + 1, 1, 1))


def _check_year(text: str, year: int) -> None:
    if year < 1:
        raise ValueError(
            _("period %(key)s: year %(year)s is out of range") % {"key": repr(text), "year": f"{year:04d}"}
        )


def _detect(text: str) -> Period:
    """The period a key names, whatever its cycle; ValueError for anything malformed."""
    if not isinstance(text, str):
        raise ValueError(f"a period key must be text, not {type(text).__name__}")
    if match := _MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
        _check_year(text, year)
        if not 1 <= month <= 12:
            message = _("period %(key)s: month %(month)s is not between 01 and 12")
            raise ValueError(message % {"key": repr(text), "month": match[2]})
        if year >= 9999 and month == 12:
            raise ValueError(_("period %(key)s is out of range") % {"key": repr(text)})
        return _month(year, month)
    if match := _QUARTER.fullmatch(text):
        year, quarter = int(match[1]), int(match[2])
        _check_year(text, year)
        if not 1 <= quarter <= 4:
            message = _("period %(key)s: quarter Q%(quarter)s is not between Q1 and Q4")
            raise ValueError(message % {"key": repr(text), "quarter": quarter})
        if year >= 9999 and quarter == 4:
            raise ValueError(_("period %(key)s is out of range") % {"key": repr(text)})
        return _quarter(year, quarter)
    if _YEAR.fullmatch(text):
        year = int(text)
        _check_year(text, year)
        return _year(year)
    message = _(
        "period %(key)s is not a month (YYYY-MM, e.g. 2026-10), a quarter (YYYY-Qn, e.g. 2026-Q4) "
        "or a year (YYYY, e.g. 2026)"
    )
    raise ValueError(message % {"key": repr(text)})


def parse_period(text: str, cycle: Cycle | None = None) -> Period:
    """The period a key such as ``2026-10``, ``2026-Q4`` or ``2026`` names.

    Raises ValueError, with a message naming the key and the problem, for a malformed key
    (``2026-13``, ``2026-Q5``, ``26-10``, ``" 2026-10"``) and, when ``cycle`` is given, for a key
    of another cycle (``2026-Q4`` for a monthly standard).
    """
    period = _detect(text)
    if cycle is not None:
        cycle = Cycle(cycle)
        if period.cycle != cycle:
            message = _("period %(key)s is %(kind)s, but the standard's cycle is %(cycle)s: write it like %(example)s")
            raise ValueError(
                message
                % {
                    "key": repr(text),
                    "kind": _CYCLE_WORDS[period.cycle],
                    "cycle": cycle.value,
                    "example": repr(_EXAMPLES[cycle]),
                }
            )
    return period


def period_of(day: date, cycle: Cycle) -> Period:
    """The period of ``cycle`` that contains the local calendar date ``day``."""
    if isinstance(day, datetime):
        raise TypeError("period_of() takes a date; convert a datetime with local_date() first")
    cycle = Cycle(cycle)
    if cycle == Cycle.MONTH:
        return _month(day.year, day.month)
    if cycle == Cycle.QUARTER:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return _year(day.year)


def local_date(moment: datetime, tz: tzinfo | str | None = None) -> date:
    """The hospital's local calendar date of ``moment``.

    An aware datetime is converted to ``tz`` (a tzinfo or an IANA name; default Asia/Shanghai)
    before taking its date. A naive datetime is taken as already being local time. A plain
    ``date`` is returned unchanged.
    """
    if not isinstance(moment, datetime):
        if isinstance(moment, date):
            return moment
        raise TypeError(f"local_date() takes a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.date()
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or ZoneInfo(DEFAULT_TIME_ZONE))
    return moment.astimezone(zone).date()


def period_label(key: str) -> str:
    """The label of a period key (see :attr:`Period.label`); the key itself when it is not one."""
    try:
        return parse_period(key).label
    except (ValueError, TypeError):
        return key
