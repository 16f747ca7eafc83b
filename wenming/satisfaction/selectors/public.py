"""The public 满意度公示 board: its settings (cached) and its figures (cached)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.scoring.periods import Period, parse_period

from ..models import PublicBoard
from .common import (
    BOARD_CACHE_KEY,
    DEPARTMENT_FIELDS,
    PUBLIC_SECONDS,
    Tally,
    _merged,
    freshness,
    last_full_month,
    monthly_counts,
    satisfaction_targets,
    tally,
)

# --- The public board -------------------------------------------------------------------------------


def public_board() -> PublicBoard:
    """The board's settings (cached; the service clears it). Before anyone saved them: an unsaved,
    unpublished default."""
    board = cache.get(BOARD_CACHE_KEY)
    if board is None:
        board = PublicBoard.objects.filter(pk=1).first() or PublicBoard(pk=1)
        cache.set(BOARD_CACHE_KEY, board, PUBLIC_SECONDS)
    return board


def board_period(board: PublicBoard, today: date | None = None) -> Period:
    """The period the board shows: its ``period_key``, or the last full month."""
    if board.period_key:
        try:
            return parse_period(board.period_key)
        except ValueError:
            pass
    return last_full_month(today or hospital_today())


@dataclass(frozen=True)
class PublicRow:
    code: str
    name: str
    n: int
    rate: Decimal


@dataclass(frozen=True)
class PublicFigures:
    period: Period
    min_responses: int
    rows: tuple[PublicRow, ...]
    overall: Tally
    hidden: int  # departments with responses, but fewer than the minimum
    computed_at: datetime


def public_figures(*, board: PublicBoard, today: date | None = None, use_cache: bool = True) -> PublicFigures:
    """What the public board shows: each active department with at least ``board.min_responses``
    valid responses in the board's period (tree order), and the hospital overall (all valid
    feedback). Cached for :data:`PUBLIC_SECONDS`, keyed by the board's version and period."""
    today = today or hospital_today()
    period = board_period(board, today)
    key = f"satisfaction:public:{board.version}:{board.min_responses}:{period.key}:{freshness(period, today)}"
    if use_cache and (figures := cache.get(key)) is not None:
        return figures
    targets = satisfaction_targets()
    counts = monthly_counts(months=period.sub_periods("month"), department_ids=None, today=today)
    departments = list(Department.objects.only(*DEPARTMENT_FIELDS).order_by("path"))
    rows = []
    overall = Tally()
    hidden = 0
    for department in departments:
        mine = _merged(per_month.get(department.pk) for per_month in counts.values())
        if not mine:
            continue
        counted = tally(mine, targets.for_category(department.category).satisfied_min)
        overall += counted
        if not department.is_active:
            continue
        if counted.n >= board.min_responses:
            rows.append(PublicRow(department.code, department.name, counted.n, counted.rate))
        else:
            hidden += 1
    figures = PublicFigures(
        period=period,
        min_responses=board.min_responses,
        rows=tuple(rows),
        overall=overall,
        hidden=hidden,
        computed_at=timezone.now(),
    )
    if use_cache:
        cache.set(key, figures, PUBLIC_SECONDS)
    return figures
