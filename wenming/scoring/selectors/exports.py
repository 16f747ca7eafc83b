"""A period's stored results in the export shape of ``interchange.md`` (``export_scores``, the
ranking spreadsheet)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from wenming.standards.definition import Cycle
from wenming.standards.selectors import newest_version

from ..engine import format_points
from ..models import ScoringPeriod
from ..periods import parse_period
from ..services import ScoringError


def stored_period(*, standard_code: str, period_key: str) -> ScoringPeriod:
    """The computed period, with its version; ScoringError when unknown or never computed."""
    version = newest_version(standard_code)
    if version is None:
        raise ScoringError(_("Unknown standard %(standard)s") % {"standard": standard_code})
    try:
        period = parse_period(period_key, Cycle(version.standard.cycle))
    except (ValueError, TypeError) as exc:
        raise ScoringError(str(exc)) from exc
    scoring_period = (
        ScoringPeriod.objects.select_related("standard", "version")
        .filter(standard=version.standard, key=period.key, computed_at__isnull=False)
        .first()
    )
    if scoring_period is None:
        raise ScoringError(
            _("Period %(period)s of %(standard)s has not been computed; run compute_scores first")
            % {"period": period.key, "standard": standard_code}
        )
    return scoring_period


def _points(value: Decimal | str) -> str:
    return format_points(Decimal(value))


def period_export(*, scoring_period: ScoringPeriod) -> dict:
    """The stored results as ``export_scores`` prints them (numbers as "93.50", rank order).

    ``items`` come out in standard order whatever the database kept (PostgreSQL's jsonb does not
    keep the order of an object's keys)."""
    order = [item.code for item in scoring_period.version.definition.scored_items()] if scoring_period.version else []

    def in_order(items: dict) -> dict:
        known = [code for code in order if code in items]
        return {code: items[code] for code in known + sorted(set(items) - set(known))}

    results = [
        {
            "subject": r.subject_code,
            "name": r.name,
            "total": _points(r.total),
            "grade": r.grade,
            "vetoed": r.vetoed,
            "rank": r.rank,
            "bonus": _points(r.bonus),
            "deducted": _points(r.deducted),
            "items": {code: _points(score) for code, score in in_order(r.items).items()},
            "flags": sorted(r.flags),
        }
        for r in scoring_period.results.order_by("rank", "subject_code")
    ]
    return {
        "standard": scoring_period.standard.code,
        "version": scoring_period.version.number if scoring_period.version else None,
        "period": scoring_period.key,
        "finalized": scoring_period.is_finalized,
        "results": results,
    }


def export_rows(*, scoring_period: ScoringPeriod, export: dict) -> Iterator[list]:
    """The export as spreadsheet rows (header first), item columns in standard order. The headers
    are the office's Excel format, in Chinese; an item column is headed by its code and name."""
    items = scoring_period.version.definition.scored_items() if scoring_period.version else []
    item_codes = [item.code for item in items]
    item_headers = [f"{item.code} {item.name}" for item in items]
    yield ["排名", "编码", "名称", "总分", "等次", "一票否决", "加分", "扣分", *item_headers, "标记"]
    for r in export["results"]:
        yield [
            r["rank"],
            r["subject"],
            r["name"],
            Decimal(r["total"]),
            r["grade"],
            "是" if r["vetoed"] else "否",
            Decimal(r["bonus"]),
            Decimal(r["deducted"]),
            *[Decimal(r["items"][code]) if code in r["items"] else None for code in item_codes],
            "、".join(r["flags"]),
        ]
