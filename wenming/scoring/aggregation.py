"""From the database to the engine's input: the subjects in scope and their aggregated facts.

Every figure is aggregated in the database (GROUP BY subject and code), so the number of queries
for a period does not depend on how many records or feedback it holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from wenming.feedback.models import Feedback
from wenming.org.models import Department, Staff, StaffStatus
from wenming.standards.definition import Rule, StandardDef, Subject
from wenming.standards.models import Standard

from .engine import SourceResult, SubjectFacts
from .models import Record, RecordKind, RecordStatus
from .periods import Period


@dataclass(frozen=True)
class ScopeSubject:
    """A subject in scope: its primary key, its code (department code or staff number) and name."""

    pk: int
    code: str
    name: str


def subjects_in_scope(*, definition: StandardDef, codes: Collection[str] | None = None) -> list[ScopeSubject]:
    """Active departments whose category the standard applies to (all when omitted), or active staff;
    only those whose code is in ``codes`` when given (a period's pinned scope)."""
    if definition.subject == Subject.DEPARTMENT:
        departments = Department.objects.filter(is_active=True)
        if definition.applies_to is not None:
            departments = departments.filter(category__in=definition.applies_to)
        rows = departments.order_by("code").values_list("pk", "code", "name")
    else:
        rows = (
            Staff.objects.filter(status=StaffStatus.ACTIVE).order_by("staff_no").values_list("pk", "staff_no", "name")
        )
    if codes is not None:
        wanted = set(codes)
        return [ScopeSubject(pk, code, name) for pk, code, name in rows if code in wanted]
    return [ScopeSubject(pk, code, name) for pk, code, name in rows]


def period_facts(
    *,
    standard: Standard,
    definition: StandardDef,
    period: Period,
    subjects: list[ScopeSubject],
    rollups: dict[str, dict[str, list[SourceResult]]] | None = None,
) -> list[SubjectFacts]:
    """One :class:`SubjectFacts` per subject in scope, from aggregates over the records that count.

    ``rollups`` maps a rollup item code to {subject code: source results}.
    """
    field = "department" if definition.subject == Subject.DEPARTMENT else "staff"
    code_of = {s.pk: s.code for s in subjects}
    dated = Record.objects.filter(
        standard=standard,
        status=RecordStatus.COUNTS,
        date__gte=period.start,
        date__lt=period.end,
        **{f"{field}__isnull": False},
    )
    findings: dict[str, dict[str, int]] = defaultdict(dict)
    bonuses: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, target in ((RecordKind.FINDING, findings), (RecordKind.BONUS, bonuses)):
        rows = dated.filter(kind=kind).values_list(field, "code").annotate(n=Sum("count")).order_by()
        for subject_pk, code, n in rows:
            if subject_pk in code_of:
                target[code_of[subject_pk]][code] = n
    vetoes: dict[str, set[str]] = defaultdict(set)
    for subject_pk, code in dated.filter(kind=RecordKind.VETO).values_list(field, "code").distinct().order_by():
        if subject_pk in code_of:
            vetoes[code_of[subject_pk]].add(code)
    manual: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    if definition.leaves(Rule.MANUAL):
        values = (
            Record.objects.filter(
                standard=standard,
                status=RecordStatus.COUNTS,
                kind=RecordKind.MANUAL,
                period_key=period.key,
                **{f"{field}__isnull": False},
            )
            .order_by("pk")
            .values_list(field, "code", "value")
        )
        for subject_pk, code, value in values:
            if subject_pk in code_of and value is not None:
                manual[code_of[subject_pk]][code].append(value)
    feedback: dict[str, dict[int, int]] = defaultdict(dict)
    if definition.leaves(Rule.SATISFACTION):
        rows = (
            Feedback.objects.filter(
                is_valid=True,
                local_date__gte=period.start,
                local_date__lt=period.end,
                **{f"{field}__isnull": False},
            )
            .values_list(field, "overall")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for subject_pk, overall, n in rows:
            if subject_pk in code_of:
                feedback[code_of[subject_pk]][overall] = n
    rollups = rollups or {}
    return [
        SubjectFacts(
            subject=s.code,
            findings=findings.get(s.code, {}),
            bonuses=bonuses.get(s.code, {}),
            vetoes=frozenset(vetoes.get(s.code, ())),
            manual=dict(manual.get(s.code, {})),
            feedback=feedback.get(s.code, {}),
            rollup={item: results[s.code] for item, results in rollups.items() if s.code in results},
        )
        for s in subjects
    ]
