"""Writing standards: importing a standard file as a new version (or finding it unchanged).

``standard_import_plan`` checks a file and says what importing it would do, writing nothing (the
``--dry-run`` of the command, a preview page); ``standard_import`` does it in one transaction.
Both raise :class:`~wenming.standards.parse.StandardError` with every problem when the file cannot
be imported. Versions: identical canonical content to the newest version changes nothing; a new
code becomes version 1; different content becomes version n+1 (shared/spec/scoring.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log

from .canonical import content_hash, to_canonical
from .definition import StandardDef
from .diff import Change, standard_diff
from .models import Standard, StandardVersion
from .parse import StandardError, parse_standard, read_source
from .selectors import known_standard_summary

__all__ = [
    "Change",
    "ImportOutcome",
    "ImportPlan",
    "StandardError",
    "standard_diff",
    "standard_import",
    "standard_import_plan",
]


@dataclass(frozen=True)
class ImportPlan:
    """What importing a file would do. ``current`` is the newest stored version (None: a new code);
    ``number`` is the version the file would become, or ``current.number`` when it is unchanged."""

    definition: StandardDef
    content: dict[str, Any]
    content_hash: str
    source: str
    current: StandardVersion | None
    changes: list[Change]

    @property
    def unchanged(self) -> bool:
        return self.current is not None and self.current.content_hash == self.content_hash

    @property
    def number(self) -> int:
        if self.current is None:
            return 1
        return self.current.number if self.unchanged else self.current.number + 1


@dataclass(frozen=True)
class ImportOutcome:
    """The version the file is now (the new one, or the newest one when nothing changed)."""

    version: StandardVersion
    created: bool
    diff: list[Change]


def _plan(definition: StandardDef, source: str, current: StandardVersion | None) -> ImportPlan:
    if current is not None:
        _check_identity(current.standard, definition)
    content = to_canonical(definition)
    digest = content_hash(content)
    unchanged = current is not None and current.content_hash == digest
    changes = [] if unchanged else standard_diff(current.definition if current else None, definition)
    return ImportPlan(definition, content, digest, source, current, changes)


def _check_identity(standard: Standard, definition: StandardDef) -> None:
    """A standard keeps its subject and cycle for life: its periods and results are built on them."""
    problems = []
    if standard.subject != definition.subject.value:
        problems.append(
            _(
                "subject: the standard %(code)s scores %(old)s and cannot change to %(new)s; "
                "give the new standard a new code"
            )
            % {"code": standard.code, "old": standard.subject, "new": definition.subject.value}
        )
    if standard.cycle != definition.cycle.value:
        problems.append(
            _(
                "cycle: the standard %(code)s has the cycle %(old)s and cannot change to %(new)s; "
                "give the new standard a new code"
            )
            % {"code": standard.code, "old": standard.cycle, "new": definition.cycle.value}
        )
    if problems:
        raise StandardError(problems)


def _newest(standard: Standard) -> StandardVersion | None:
    version = standard.versions.order_by("-number").first()
    if version is not None:
        version.standard = standard
    return version


def standard_import_plan(*, text: str | bytes) -> ImportPlan:
    """Check a standard file and say what importing it would do; writes nothing.
    Raises StandardError with every problem."""
    source = read_source(text)
    definition = parse_standard(source, known_standards=known_standard_summary)
    standard = Standard.objects.filter(code=definition.code).first()
    return _plan(definition, source, _newest(standard) if standard else None)


def standard_import(*, text: str | bytes, by: AbstractBaseUser | None = None, filename: str = "") -> ImportOutcome:
    """Import a standard file: a new standard (version 1), a new version (n+1), or nothing when its
    content is the newest version's. Each new version is audited. Raises StandardError with every
    problem, writing nothing.

    ``by`` is the user importing (None: the system, e.g. the command line); ``filename`` is kept
    with the version."""
    source = read_source(text)
    definition = parse_standard(source, known_standards=known_standard_summary)
    with transaction.atomic():
        standard = _lock_or_create(definition)
        current = _newest(standard)
        plan = _plan(definition, source, current)
        if plan.unchanged:
            return ImportOutcome(version=current, created=False, diff=[])
        if current is not None and standard.name != definition.name:
            standard.name = definition.name
            standard.save(update_fields=["name"])
        version = StandardVersion.objects.create(
            standard=standard,
            number=plan.number,
            name=definition.name,
            content=plan.content,
            content_hash=plan.content_hash,
            source=source,
            source_filename=filename[:255],
            created_by=by if getattr(by, "pk", None) else None,
        )
        audit_log(
            actor=by,
            action="standards.version.created",
            target=version,
            data={
                "code": standard.code,
                "number": version.number,
                "name": definition.name,
                "content_hash": plan.content_hash,
                "filename": filename,
                "changes": [change.text for change in plan.changes],
            },
        )
    return ImportOutcome(version=version, created=True, diff=plan.changes)


def _lock_or_create(definition: StandardDef) -> Standard:
    """The standard row for the definition's code, locked for the rest of the transaction; created
    (without versions yet) when there is none. Call inside ``transaction.atomic``."""
    standard = Standard.objects.select_for_update().filter(code=definition.code).first()
    if standard is not None:
        return standard
    try:
        with transaction.atomic():  # a savepoint: a concurrent import may create the same code first
            return Standard.objects.create(
                code=definition.code,
                name=definition.name,
                subject=definition.subject.value,
                cycle=definition.cycle.value,
            )
    except IntegrityError:
        return Standard.objects.select_for_update().get(code=definition.code)
