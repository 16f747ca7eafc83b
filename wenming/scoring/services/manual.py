"""Writes of the manual score grid (人工评分): one person's scores of a period, saved all or
nothing, with a check that nobody changed them since the grid was shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.audit import audit_log
from wenming.standards.definition import Rule, Subject
from wenming.standards.models import Standard

from ..aggregation import subjects_in_scope
from ..engine import format_points
from ..models import Evidence, Record, RecordKind, RecordStatus
from .periods import ScoringError
from .records import _lock_person, _period_key, _points, _version, ensure_period_open


class ManualScoresInvalid(ScoringError):
    """Some cells of the manual score grid are not acceptable; ``cells`` maps (subject pk, item
    code) to the message for that cell. Nothing was saved."""

    def __init__(self, cells: dict[tuple[int, str], str]):
        super().__init__(list(cells.values()), code="invalid")
        self.cells = cells


class ManualScoresConflict(ScoringError):
    """Some cells changed after the grid was shown; ``cells`` lists them. Nothing was saved."""

    def __init__(self, cells: list[tuple[int, str]]):
        super().__init__(
            ngettext(
                "%(count)d of your scores on this page was changed elsewhere after you opened it, so nothing "
                "was saved. The value now stored is shown under that cell; what you typed is still in the grid. "
                "Save again to replace the stored value with yours.",
                "%(count)d of your scores on this page were changed elsewhere after you opened it, so nothing "
                "was saved. The values now stored are shown under those cells; what you typed is still in the "
                "grid. Save again to replace the stored values with yours.",
                len(cells),
            )
            % {"count": len(cells)},
            code="conflict",
        )
        self.cells = cells


Cell = tuple[int, str]  # (subject pk, item code)
Seen = tuple[int, int] | None  # (record pk, version) of the person's own value when shown; None: none


@dataclass(frozen=True)
class ManualSaveSummary:
    created: int = 0
    changed: int = 0
    cleared: int = 0

    @property
    def total(self) -> int:
        return self.created + self.changed + self.cleared


def own_manual_values(*, standard: Standard, period_key: str, user, lock: bool = False) -> dict[Cell, Record]:
    """The person's own manual values (not voided) of a period, by (subject pk, item code)."""
    field = "department_id" if standard.subject == Subject.DEPARTMENT else "staff_id"
    records = Record.objects.filter(
        standard=standard, kind=RecordKind.MANUAL, period_key=period_key, entered_by=user
    ).exclude(status=RecordStatus.VOIDED)
    if lock:
        records = records.select_for_update()
    return {(getattr(r, field), r.code): r for r in records.order_by("pk")}


def seen_token(record: Record | None) -> Seen:
    return (record.pk, record.version) if record is not None else None


@transaction.atomic
def manual_scores_save(
    *,
    standard: Standard,
    period_key: str,
    values: Mapping[Cell, Decimal | None],
    by,
    seen_versions: Mapping[Cell, Seen],
) -> ManualSaveSummary:
    """Save one person's manual scores of a period from the grid, all or nothing.

    Each person has one manual value per (subject, item, period): a number updates theirs (its
    ``version`` goes up), an empty cell (None) clears it. Clearing deletes the person's own value
    (a manual score is that person's opinion until the period is finalized, and the audit entry
    keeps what it was); a value with evidence attached is voided instead so the files stay
    reachable. Other people's values are never touched. ``seen_versions`` holds, per cell, the
    (record pk, version) of the person's value when the grid was shown (None: none): if any cell
    differs now, nothing is saved (:class:`ManualScoresConflict`). Out-of-range values raise
    :class:`ManualScoresInvalid` naming the subject and item."""
    if not getattr(by, "pk", None):
        raise ScoringError(_("Manual scores are entered by a person."))
    key = _period_key(standard, period_key)
    ensure_period_open(standard=standard, period_key=key)
    definition = _version(standard).definition
    items = {item.code: item for item in definition.leaves(Rule.MANUAL)}
    scope = {s.pk: s for s in subjects_in_scope(definition=definition)}
    problems: dict[Cell, str] = {}
    clean: dict[Cell, Decimal | None] = {}
    for cell, value in values.items():
        subject_pk, code = cell
        item = items.get(code)
        subject = scope.get(subject_pk)
        if item is None:
            problems[cell] = _("%(code)s is not an item scored by hand.") % {"code": code}
            continue
        if subject is None:
            problems[cell] = _("%(item)s: this subject is not scored by %(standard)s.") % {
                "item": code,
                "standard": standard.code,
            }
            continue
        if value is None:
            clean[cell] = None
            continue
        where = {"subject": f"{subject.name}（{subject.code}）", "item": f"{item.code} {item.name}"}
        try:
            number = _points(
                value,
                not_a_number=_("%(subject)s, %(item)s: the score must be a number.") % where,
                too_precise=_("%(subject)s, %(item)s: the score may have at most two decimal places.") % where,
            )
        except ScoringError as error:
            problems[cell] = error.messages[0]
            continue
        if not 0 <= number <= item.points:
            problems[cell] = _("%(subject)s, %(item)s: the score must be between 0 and %(points)s.") % {
                **where,
                "points": format_points(item.points),
            }
            continue
        clean[cell] = number
    if problems:
        raise ManualScoresInvalid(problems)
    _lock_person(by)
    own = own_manual_values(standard=standard, period_key=key, user=by, lock=True)
    conflicts = [cell for cell in clean if seen_token(own.get(cell)) != seen_versions.get(cell)]
    if conflicts:
        raise ManualScoresConflict(sorted(conflicts))
    is_department = definition.subject == Subject.DEPARTMENT
    now = timezone.now()
    created, changed, cleared = [], [], []
    lines = []
    for cell, value in clean.items():
        subject_pk, code = cell
        mine = own.get(cell)
        label = f"{scope[subject_pk].code} {code}"
        if value is None:
            if mine is not None:
                cleared.append(mine)
                lines.append(f"{label}: {format_points(mine.value)} → —")
        elif mine is None:
            created.append(
                Record(
                    kind=RecordKind.MANUAL,
                    standard=standard,
                    department_id=subject_pk if is_department else None,
                    staff_id=None if is_department else subject_pk,
                    code=code,
                    period_key=key,
                    value=value,
                    status=RecordStatus.COUNTS,
                    entered_by=by,
                )
            )
            lines.append(f"{label}: — → {format_points(value)}")
        elif mine.value != value:
            lines.append(f"{label}: {format_points(mine.value)} → {format_points(value)}")
            mine.value = value
            mine.version += 1
            mine.updated_at = now
            changed.append(mine)
    if created:
        Record.objects.bulk_create(created, batch_size=500)
    if changed:
        Record.objects.bulk_update(changed, ["value", "version", "updated_at"], batch_size=500)
    if cleared:
        with_files = set(
            Evidence.objects.filter(record__in=[r.pk for r in cleared]).values_list("record_id", flat=True)
        )
        Record.objects.filter(pk__in=[r.pk for r in cleared if r.pk not in with_files]).delete()
        if with_files:
            Record.objects.filter(pk__in=with_files).update(
                status=RecordStatus.VOIDED,
                decided_by=by,
                decided_at=now,
                reason=_("Cleared in the manual score grid."),
                updated_at=now,
            )
    summary = ManualSaveSummary(len(created), len(changed), len(cleared))
    if summary.total:
        audit_log(
            actor=by,
            action="scoring.manual.saved",
            target_repr=f"{standard.code} {key}",
            data={
                "period": key,
                "created": summary.created,
                "changed": summary.changed,
                "cleared": summary.cleared,
                "changes": lines,
            },
        )
    return summary
