"""Writing standards: importing a standard file as a new version (or finding it unchanged).

``standard_import_plan`` checks a file and says what importing it would do, writing nothing (the
``--dry-run`` of the command, a preview page); ``standard_import`` does it in one transaction.
Both raise :class:`~wenming.standards.parse.StandardError` with every problem when the file cannot
be imported. Versions: identical canonical content to the newest version changes nothing; a new
code becomes version 1; different content becomes version n+1 (shared/spec/scoring.md §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.tabular import Position

from .canonical import content_hash, to_canonical
from .definition import StandardDef
from .diff import Change, standard_diff
from .models import Standard, StandardVersion
from .parse import StandardError, parse_standard, read_source
from .selectors import known_standard_summary, newest_version
from .yaml_out import LineOwner, standard_to_yaml_lines

__all__ = [
    "Change",
    "ImportOutcome",
    "ImportPlan",
    "StandardEditError",
    "StandardError",
    "StandardVersionConflict",
    "standard_diff",
    "standard_edit",
    "standard_edit_plan",
    "standard_import",
    "standard_import_plan",
]


class StandardVersionConflict(Exception):
    """The standard got a newer version after the person looked at it (someone else imported or
    edited it); nothing was written. ``current`` is the newest version now (None: none yet)."""

    def __init__(self, current: StandardVersion | None):
        self.current = current
        super().__init__(f"the newest version is now {current.number if current else 0}")


class StandardEditError(StandardError):
    """The edited standard is not valid. ``problems`` are the importer's messages without the line
    of the generated file (which the person never saw); ``places[i]`` says which item or entry
    problem ``i`` is about (None: the standard as a whole)."""

    def __init__(self, problems: list[str], places: list[LineOwner | None]):
        super().__init__(problems)
        self.places = list(places)


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


def standard_import(
    *,
    text: str | bytes,
    by: AbstractBaseUser | None = None,
    filename: str = "",
    base_number: int | None = None,
) -> ImportOutcome:
    """Import a standard file: a new standard (version 1), a new version (n+1), or nothing when its
    content is the newest version's. Each new version is audited. Raises StandardError with every
    problem, writing nothing.

    ``by`` is the user importing (None: the system, e.g. the command line); ``filename`` is kept
    with the version. ``base_number`` is the newest version the person saw when they confirmed
    (0: none, a new standard); when given and the standard has moved on since, nothing is written
    and :class:`StandardVersionConflict` is raised (None: no such check, the command line)."""
    source = read_source(text)
    definition = parse_standard(source, known_standards=known_standard_summary)
    return _store(
        definition,
        source,
        by=by,
        filename=filename,
        base_number=base_number,
        action="standards.version.created",
    )


def _store(
    definition: StandardDef,
    source: str,
    *,
    by: AbstractBaseUser | None,
    filename: str,
    base_number: int | None,
    action: str,
) -> ImportOutcome:
    """Store a checked definition as the next version (or nothing when unchanged), audited as ``action``."""
    with transaction.atomic():
        standard = _lock_or_create(definition)
        current = _newest(standard)
        if base_number is not None and (current.number if current else 0) != base_number:
            raise StandardVersionConflict(current)
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
            action=action,
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


# --- The standard editor --------------------------------------------------------------------------


def _line_prefix() -> re.Pattern[str]:
    """``line 14: `` as the active language words it (see ``parse._at_line``), capturing the number."""
    marker = 987654321
    head = Position(marker).format("\x00").split("\x00")[0]
    return re.compile(re.escape(head).replace(str(marker), r"(\d+)"))


def _edit_error(error: StandardError, owners: dict[int, LineOwner]) -> StandardEditError:
    prefix = _line_prefix()
    problems, places = [], []
    for problem in error.problems:
        match = prefix.match(problem)
        if match:
            problems.append(problem[match.end() :])
            owner = owners.get(int(match.group(1)))
            places.append(owner if owner is not None and owner.item else None)
        else:
            problems.append(problem)
            places.append(None)
    return StandardEditError(problems, places)


def _check_base(standard: Standard, base_version: int) -> None:
    current = newest_version(standard.code)
    if (current.number if current else 0) != base_version:
        raise StandardVersionConflict(current)


def standard_edit_plan(*, standard: Standard, definition: StandardDef, base_version: int) -> ImportPlan:
    """What saving an edited standard would do; writes nothing. ``definition`` is version
    ``base_version`` with the person's changes. It is written out as a file and checked by the same
    rules as an import (``standard_import_plan``), so the rules live in one place.

    Raises :class:`StandardVersionConflict` when ``base_version`` is no longer the newest, and
    :class:`StandardEditError` with every problem."""
    if definition.code != standard.code:
        raise ValueError("the editor cannot change the code of a standard")
    _check_base(standard, base_version)
    text, owners = standard_to_yaml_lines(definition)
    try:
        return standard_import_plan(text=text)
    except StandardError as error:
        raise _edit_error(error, owners) from None


def standard_edit(
    *, standard: Standard, definition: StandardDef, by: AbstractBaseUser | None, base_version: int
) -> ImportOutcome:
    """Save an edited standard as version n+1 (nothing when it equals the newest version), audited
    as ``standards.version.edited``; the version's source is the file the editor wrote.

    Raises :class:`StandardVersionConflict` when someone else added a version after
    ``base_version`` (checked again under the standard's lock), :class:`StandardEditError` with
    every problem."""
    plan = standard_edit_plan(standard=standard, definition=definition, base_version=base_version)
    return _store(
        plan.definition,
        plan.source,
        by=by,
        filename="",
        base_number=base_version,
        action="standards.version.edited",
    )
