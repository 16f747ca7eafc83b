"""Reading standards and their versions."""

from __future__ import annotations

from decimal import Decimal

from .definition import Cycle, Subject
from .models import StandardVersion
from .parse import StandardSummary


def newest_version(code: str) -> StandardVersion | None:
    """The newest version of the standard with this code (None: no such standard)."""
    return StandardVersion.objects.select_related("standard").filter(standard__code=code).order_by("-number").first()


def version_for(code: str, number: int) -> StandardVersion | None:
    """Version ``number`` of the standard with this code, or None."""
    return StandardVersion.objects.select_related("standard").filter(standard__code=code, number=number).first()


def known_standard_summary(code: str) -> StandardSummary | None:
    """What a rollup needs to know about an existing standard (from its newest version), or None.
    Pass this as ``known_standards`` to ``parse_standard``."""
    version = newest_version(code)
    if version is None:
        return None
    return StandardSummary(
        code=code,
        subject=Subject(version.standard.subject),
        cycle=Cycle(version.standard.cycle),
        full_score=Decimal(version.content["full_score"]),
    )
