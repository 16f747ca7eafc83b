"""``import_records``: the records file of ``shared/spec/interchange.md`` (JSONL), all or nothing.

:func:`records_import_plan` reads every line and checks everything (nothing is written); it
returns the rows to create and every problem as a :class:`~wenming.core.tabular.Problem` at
``line N``. :func:`records_import_apply` writes a valid plan in one transaction with
``bulk_create``. Records brought in this way count at once (status ``counts``). An ``id`` already
imported is a no-op; the same id twice in one file is fine when both lines say the same thing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.tabular import Position, Problem
from wenming.feedback.freshness import feedback_changed
from wenming.feedback.models import Channel, Feedback
from wenming.org.models import Department, Staff
from wenming.org.selectors import current_hospital
from wenming.standards.definition import Rule, Subject
from wenming.standards.models import StandardVersion

from .models import SCORED_KINDS, Record, RecordKind, RecordStatus, ScoringPeriod
from .periods import local_date, parse_period, period_of

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FITS = {RecordKind.FINDING: "deduction", RecordKind.BONUS: "bonus", RecordKind.VETO: "veto"}
_KINDS = [*(kind.value for kind in SCORED_KINDS), "feedback"]
MAX_COUNT = 100_000  # far above any real count; keeps a typo out of a 32-bit column
MAX_ID = 100  # Record.external_id / Feedback.external_id max_length


class RecordsImportError(Exception):
    """The file cannot be imported; ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class RecordsPlan:
    """What a records file would create: unsaved rows, how many ids are already present, problems."""

    records: list[Record] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    present: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


class _Context:
    """Look-ups shared by every line of one file (standards, departments, staff, finalized periods)."""

    def __init__(self, objects: list[dict]):
        codes = {o.get("standard") for o in objects if isinstance(o.get("standard"), str)}
        self.versions: dict[str, StandardVersion] = {}
        for version in StandardVersion.objects.select_related("standard").filter(standard__code__in=codes):
            current = self.versions.get(version.standard.code)
            if current is None or version.number > current.number:
                self.versions[version.standard.code] = version
        self.finalized = {
            (standard_id, key)
            for standard_id, key in ScoringPeriod.objects.filter(
                standard__code__in=codes, finalized_at__isnull=False
            ).values_list("standard_id", "key")
        }
        self.departments = dict(Department.objects.values_list("code", "pk"))
        self.staff = dict(Staff.objects.values_list("staff_no", "pk"))
        self.time_zone = ZoneInfo(current_hospital().time_zone)
        ids = {_external_id(o) for o in objects} - {None}
        self.existing: set[str] = set()
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            self.existing.update(Record.objects.filter(external_id__in=chunk).values_list("external_id", flat=True))
            self.existing.update(Feedback.objects.filter(external_id__in=chunk).values_list("external_id", flat=True))


def _external_id(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    value = obj.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value)
    return None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number(value: Any) -> Decimal | None:
    """An entered number as an exact Decimal (a float by its repr); None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _local_date(text: Any) -> date | None:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _text(obj: dict, key: str, errors: list[str]) -> str:
    value = obj.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(_("%(field)s must be text") % {"field": key})
        return ""
    return value


def _check_record(obj: dict, kind: str, ctx: _Context, errors: list[str]) -> Record | None:
    """A finding, bonus, veto or manual line as an unsaved Record (None when it has errors)."""
    standard_code = obj.get("standard")
    version = ctx.versions.get(standard_code) if isinstance(standard_code, str) else None
    if version is None:
        if standard_code in (None, ""):
            errors.append(_("standard is missing"))
        else:
            errors.append(_("unknown standard %(standard)s") % {"standard": standard_code})
        return None
    definition = version.definition
    standard = version.standard
    record = Record(kind=kind, standard=standard, status=RecordStatus.COUNTS)
    subject = obj.get("subject")
    if not isinstance(subject, str) or not subject:
        errors.append(_("subject is missing"))
    elif definition.subject == Subject.DEPARTMENT:
        if subject not in ctx.departments:
            errors.append(_("subject %(subject)s is not a department code") % {"subject": subject})
        else:
            record.department_id = ctx.departments[subject]
    elif subject not in ctx.staff:
        errors.append(_("subject %(subject)s is not a staff number") % {"subject": subject})
    else:
        record.staff_id = ctx.staff[subject]
    code = obj.get("code")
    found = definition.code_kind(code) if isinstance(code, str) else None
    item = None
    if found is None:
        errors.append(
            _("code %(code)s does not belong to standard %(standard)s") % {"code": code, "standard": standard.code}
        )
    elif kind == RecordKind.MANUAL:
        if found[0] != "item" or found[1].rule != Rule.MANUAL:
            errors.append(_("code %(code)s is not a manual item") % {"code": code})
        else:
            item = found[1]
    elif found[0] != _FITS[kind]:
        errors.append(_("code %(code)s does not fit a %(kind)s record") % {"code": code, "kind": kind})
    record.code = code if isinstance(code, str) else ""
    record.count = obj.get("count", 1)
    if not _positive_int(record.count):
        errors.append(_("count must be a positive integer"))
    elif record.count > MAX_COUNT:
        errors.append(_("count %(count)s is too large") % {"count": record.count})
    record.note = _text(obj, "note", errors)
    assessor = obj.get("assessor")
    if assessor not in (None, ""):
        if assessor not in ctx.staff:
            errors.append(_("assessor %(staff)s is not a staff number") % {"staff": assessor})
        else:
            record.assessor_id = ctx.staff[assessor]
    if kind == RecordKind.MANUAL:
        key = None
        try:
            key = parse_period(obj.get("period"), standard.cycle).key
        except (ValueError, TypeError) as exc:
            errors.append(_("period: %(problem)s") % {"problem": exc})
        record.period_key = key or ""
        value = _number(obj.get("value"))
        if value is None:
            errors.append(_("value must be a number"))
        elif item is not None and not 0 <= value <= item.points:
            errors.append(
                _("value %(value)s is not between 0 and %(points)s") % {"value": value, "points": item.points}
            )
        elif value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal("1000000"):
            errors.append(_("value %(value)s has more than 2 decimal places") % {"value": value})
        else:
            record.value = value
        if key and (standard.pk, key) in ctx.finalized:
            errors.append(
                _("period %(period)s of %(standard)s is finalized; corrections are new records")
                % {"period": key, "standard": standard.code}
            )
    else:
        day = _local_date(obj.get("date"))
        if day is None:
            errors.append(_("date must be a date written YYYY-MM-DD"))
        else:
            record.date = day
            key = period_of(day, standard.cycle).key
            if (standard.pk, key) in ctx.finalized:
                errors.append(
                    _("period %(period)s of %(standard)s is finalized; corrections are new records")
                    % {"period": key, "standard": standard.code}
                )
    return None if errors else record


def _check_feedback(obj: dict, ctx: _Context, errors: list[str]) -> Feedback | None:
    """A feedback line as an unsaved Feedback (None when it has errors)."""
    feedback = Feedback(channel=Channel.IMPORT)
    department = obj.get("department")
    if department not in ctx.departments:
        errors.append(_("department %(department)s is not a department code") % {"department": department})
    else:
        feedback.department_id = ctx.departments[department]
    staff = obj.get("staff")
    if staff not in (None, ""):
        if staff not in ctx.staff:
            errors.append(_("staff %(staff)s is not a staff number") % {"staff": staff})
        else:
            feedback.staff_id = ctx.staff[staff]
    overall = obj.get("overall")
    if not _positive_int(overall) or overall > 5:
        errors.append(_("overall must be an integer from 1 to 5"))
    else:
        feedback.overall = overall
    at = obj.get("at")
    moment = None
    if (isinstance(at, str) and "T" in at) or (isinstance(at, str) and " " in at.strip()):
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            moment = None
    if moment is None:
        errors.append(_("at must be a date and time in ISO 8601, e.g. 2026-10-03T09:12:00+08:00"))
    else:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ctx.time_zone)
        feedback.at = moment
        feedback.local_date = local_date(moment, ctx.time_zone)
    answers = obj.get("answers", {})
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        errors.append(_("answers must be an object"))
    feedback.answers = answers
    feedback.comment = _text(obj, "comment", errors)
    return None if errors else feedback


def records_import_plan(*, text: str) -> RecordsPlan:
    """Check a whole records file (JSONL text); nothing is written."""
    plan = RecordsPlan()
    parsed: list[tuple[int, Any]] = []
    # Split on "\n" only: str.splitlines() would also split inside a JSON string holding U+2028.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            message = _("not valid JSON (%(problem)s)") % {"problem": exc.msg}
            plan.problems.append(Problem(message, Position(number)))
    ctx = _Context([obj for _n, obj in parsed if isinstance(obj, dict)])
    seen: dict[str, tuple[int, Any]] = {}
    for number, obj in parsed:
        errors: list[str] = []
        if not isinstance(obj, dict):
            plan.problems.append(Problem(_("a line must be a JSON object"), Position(number)))
            continue
        external_id = _external_id(obj)
        if obj.get("id") is not None and external_id is None:
            errors.append(_("id must be a non-empty string or integer"))
        elif external_id is not None and len(external_id) > MAX_ID:
            errors.append(_("id is longer than %(max)s characters") % {"max": MAX_ID})
            external_id = None
        if external_id is not None and external_id in seen:
            first, content = seen[external_id]
            if content != obj:
                errors.append(
                    _("id %(id)s is used on line %(line)s with different content") % {"id": external_id, "line": first}
                )
            else:
                plan.present += 1
            plan.problems.extend(Problem(message, Position(number)) for message in errors)
            continue
        if external_id is not None:
            seen[external_id] = (number, obj)
            if external_id in ctx.existing:
                # Already imported: a no-op, whatever has happened since (e.g. its period was finalized).
                plan.present += 1
                plan.problems.extend(Problem(message, Position(number)) for message in errors)
                continue
        kind = obj.get("kind")
        row = None
        if kind not in _KINDS:
            errors.append(_("unknown kind %(kind)s") % {"kind": kind})
        elif kind == "feedback":
            row = _check_feedback(obj, ctx, errors)
        else:
            row = _check_record(obj, kind, ctx, errors)
        plan.problems.extend(Problem(message, Position(number)) for message in errors)
        if row is None:
            continue
        row.external_id = external_id
        (plan.feedback if isinstance(row, Feedback) else plan.records).append(row)
    plan.problems.sort(key=lambda problem: problem.position.line if problem.position else 0)
    return plan


def records_import_apply(*, plan: RecordsPlan, by=None) -> dict[str, int]:
    """Write a valid plan in one transaction; returns ``{"imported": N, "present": M}``."""
    if not plan.is_valid:
        raise RecordsImportError(plan.problems)
    with transaction.atomic():
        Record.objects.bulk_create(plan.records, batch_size=1000)
        Feedback.objects.bulk_create(plan.feedback, batch_size=1000)
        if plan.feedback:
            feedback_changed()
        imported = len(plan.records) + len(plan.feedback)
        if imported:
            audit_log(
                actor=by,
                action="scoring.records.imported",
                target_repr=str(imported),
                data={"records": len(plan.records), "feedback": len(plan.feedback), "present": plan.present},
            )
    return {"imported": imported, "present": plan.present}
