"""Numbers as people read them, for pages, notifications and exports alike."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(rate, places: int = 1) -> str:
    """A rate (a fraction as Decimal or its text) as a percentage, rounded half up, exactly:
    ``Decimal("0.9534")`` → ``95.3%``; None or empty → ``—``."""
    if rate in (None, ""):
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(str(rate)) * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"
