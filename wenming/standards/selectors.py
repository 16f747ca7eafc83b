"""Reading standards and their versions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery

from .definition import Cycle, Subject
from .models import Standard, StandardVersion
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


@dataclass(frozen=True)
class StandardRow:
    """One line of the standards list: the standard, its newest version and how many it has."""

    standard: Standard
    newest: StandardVersion
    version_count: int


def standard_rows() -> list[StandardRow]:
    """Every standard that has a version, by code, with its newest version (and who imported it).
    Two queries, however many standards there are."""
    newest = StandardVersion.objects.filter(standard=OuterRef("pk")).order_by("-number").values("pk")[:1]
    standards = list(
        Standard.objects.annotate(version_count=Count("versions"), newest_pk=Subquery(newest))
        .filter(version_count__gt=0)
        .order_by("code")
    )
    versions = StandardVersion.objects.select_related("created_by", "created_by__staff").defer("content", "source")
    by_pk = {v.pk: v for v in versions.filter(pk__in=[s.newest_pk for s in standards])}
    rows = []
    for standard in standards:
        version = by_pk[standard.newest_pk]
        version.standard = standard
        rows.append(StandardRow(standard=standard, newest=version, version_count=standard.version_count))
    return rows


def standard_by_code(code: str) -> Standard | None:
    return Standard.objects.filter(code=code).first()


def standard_history(standard: Standard) -> list[StandardVersion]:
    """Every version of a standard, newest first, with who imported it (content and source left out)."""
    versions = list(
        standard.versions.select_related("created_by", "created_by__staff")
        .defer("content", "source")
        .order_by("-number")
    )
    for version in versions:
        version.standard = standard
    return versions
