"""Reads of the rectification ledger: the ledger a person may see, with filters and the overdue
flag, and the overdue counts per department for the dashboard; one item with its evidence,
extension requests, history and the finding it came from; the public board; the export rows; the
overdue deduction rule.

Every read is scoped to the person; the lookups of one object (``item_for_user``,
``evidence_for_user``) answer None both for missing and for not-yours, and the views answer 404.
The list reads run a fixed number of queries however many items there are (pinned in the view
tests and shown by ``bench/ledger.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.audit import describe
from wenming.core.models import AuditEntry
from wenming.org.access import access_for
from wenming.org.models import Department, Staff, StaffStatus
from wenming.scoring.models import Record
from wenming.scoring.selectors.records import code_catalogue, record_for_user
from wenming.standards.definition import Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import (
    OPEN_STATES,
    ExtensionRequest,
    ItemEvidence,
    ItemState,
    OverdueRule,
    RectificationItem,
    Source,
)


def _overdue(today: date) -> Q:
    return ~Q(state=ItemState.CLOSED) & Q(deadline__lt=today)


def ledger(
    *,
    user,
    department: Department | None = None,
    state: str | None = None,
    source: str | None = None,
    overdue: bool | None = None,
    q: str = "",
    today: date,
) -> QuerySet[RectificationItem]:
    """The items ``user`` may see (the departments ``access_for(user).departments()`` answers),
    each annotated ``is_overdue`` (not closed and past its deadline), ordered by deadline.
    ``department`` takes that department and those below it; ``overdue`` True or False keeps only
    the overdue or only the other items; ``q`` keeps the items whose problem contains it."""
    access = access_for(user)
    items = RectificationItem.objects.select_related("department", "responsible")
    if not access.sees_whole_hospital:
        items = items.filter(department__in=access.departments())
    if department is not None:
        items = items.filter(department__path__startswith=department.path)
    if state:
        items = items.filter(state=state)
    if source:
        items = items.filter(source=source)
    if q := (q or "").strip():
        items = items.filter(problem__icontains=q)
    items = items.annotate(
        is_overdue=Case(When(_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    if overdue is not None:
        items = items.filter(is_overdue=overdue)
    return items.order_by("deadline", "pk")


def overdue_counts_by_department(*, today: date) -> list[dict]:
    """``[{"department_id", "code", "name", "overdue"}]`` for each department with overdue items,
    most overdue first (one aggregate query)."""
    rows = (
        RectificationItem.objects.filter(_overdue(today))
        .values("department_id", "department__code", "department__name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "department__code")
    )
    return [
        {
            "department_id": r["department_id"],
            "code": r["department__code"],
            "name": r["department__name"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]


# --- The ledger page ------------------------------------------------------------------------------


# The Bootstrap badge of each state (the ledger, the item's page and the board share it).
STATE_BADGES = {
    ItemState.LISTED: "text-bg-warning",
    ItemState.IN_PROGRESS: "text-bg-primary",
    ItemState.AWAITING_CHECK: "text-bg-info",
    ItemState.CLOSED: "text-bg-success",
}


def overdue_text(days: int) -> str:
    return ngettext("overdue %(days)d day", "overdue %(days)d days", days) % {"days": days} if days > 0 else ""


def _mark(item: RectificationItem, today: date) -> None:
    """``overdue_days``, ``overdue_text`` and ``badge`` of an item annotated (or set) ``is_overdue``."""
    item.overdue_days = (today - item.deadline).days if getattr(item, "is_overdue", False) else 0
    item.overdue_text = overdue_text(item.overdue_days)
    item.badge = STATE_BADGES.get(item.state, "text-bg-secondary")


def may_view_ledger(access) -> bool:
    """The ledger and the items' pages: the whole-hospital roles and department heads."""
    return access.sees_whole_hospital or access.is_department_head


def state_counts(items: QuerySet[RectificationItem]) -> list[dict]:
    """``[{"value", "label", "n"}]`` for every state, in the workflow's order (one aggregate query)."""
    found = {row["state"]: row["n"] for row in items.order_by().values("state").annotate(n=Count("pk"))}
    return [
        {"value": value, "label": label, "n": found.get(value, 0), "badge": STATE_BADGES[value]}
        for value, label in ItemState.choices
    ]


def ledger_departments(*, user) -> QuerySet[Department]:
    """The departments the ledger can be filtered by (those the person may see), in tree order."""
    return access_for(user).departments().only("pk", "code", "name", "path", "depth", "is_active").order_by("path")


def base_depth(access) -> int:
    """The depth of the shallowest department a person's department lists start at (for indenting)."""
    if access.sees_whole_hospital or not access.head_paths:
        return 0
    return min(path.count("/") - 1 for path in access.head_paths)


def decorate_rows(items, *, today: date) -> list[RectificationItem]:
    """The items with ``overdue_days`` (0 unless overdue), its words, and ``badge`` (their state's)."""
    rows = list(items)
    for item in rows:
        _mark(item, today)
    return rows


# --- Opening an item ------------------------------------------------------------------------------


def openable_departments(*, user) -> QuerySet[Department]:
    """The active departments ``user`` may open items for: every one for the whole-hospital roles
    (the office, the leadership group, inspectors, system administrators), the departments they
    head (and those below) for a department head, none for anyone else."""
    access = access_for(user)
    departments = Department.objects.filter(is_active=True).order_by("path")
    if access.sees_whole_hospital:
        return departments
    if not access.head_paths:
        return departments.none()
    return departments.filter(access.headed())


def responsible_choices(department: Department | None) -> QuerySet[Staff]:
    """Staff in post in ``department`` and the departments below it (who may be made responsible)."""
    if department is None:
        return Staff.objects.none()
    return (
        Staff.objects.filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
        .select_related("department")
        .order_by("department__path", "staff_no")
    )


@dataclass(frozen=True)
class FindingInfo:
    """What the ledger shows of the finding an item came from."""

    record: Record
    department: Department
    deduction: str  # the deduction's name in the standard ("" when the code is no longer in it)
    responsible: Staff | None  # the person the inspection named, if the finding came from a round
    round_id: int | None


def finding_info(record: Record) -> FindingInfo:
    """The deduction the finding records (from the standard's newest version) and, when an
    inspection round recorded it, the round and the responsible person it named."""
    from wenming.inspections.models import RoundFinding

    version = newest_version(record.standard.code)
    info = code_catalogue(version.definition).get(record.code) if version is not None else None
    round_finding = RoundFinding.objects.select_related("responsible__department").filter(record_id=record.pk).first()
    return FindingInfo(
        record=record,
        department=record.department if record.department_id else record.staff.department,
        deduction=info.name if info is not None else "",
        responsible=round_finding.responsible if round_finding is not None else None,
        round_id=round_finding.round_id if round_finding is not None else None,
    )


def finding_for_user(*, user, pk) -> Record | None:
    """A scoring record ``user`` may see (else None), for opening an item from it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return record_for_user(user=user, pk=pk)


def finding_prefill(info: FindingInfo) -> dict:
    """The new item's values taken from a finding: its department, the deduction and the note as
    the problem, the responsible person an inspection named (if still in post there)."""
    record = info.record
    parts = [part for part in (info.deduction or record.code, record.note.strip()) if part]
    initial = {"source": Source.FINDING, "department": info.department.code, "problem": "：".join(parts)}
    person = info.responsible
    if (
        person is not None
        and person.status == StaffStatus.ACTIVE
        and person.department.path.startswith(info.department.path)
    ):
        initial["responsible"] = person.staff_no
    return initial


# --- One item -------------------------------------------------------------------------------------

ITEM_RELATED = (
    "department",
    "responsible",
    "responsible__department",
    "created_by__staff",
    "submitted_by__staff",
    "closed_by__staff",
    "finding__standard",
    "finding__department",
    "finding__staff__department",
    "overdue_record",
)


def _may_see(access, department: Department) -> bool:
    return may_view_ledger(access) and access.may_see_department(department)


def item_for_user(*, user, pk: int, today: date | None = None) -> RectificationItem | None:
    """The item if ``user`` may see its department; None for missing and not-yours alike. With
    ``today`` it carries ``is_overdue`` and ``overdue_days``."""
    item = RectificationItem.objects.select_related(*ITEM_RELATED).filter(pk=pk).first()
    if item is None or not _may_see(access_for(user), item.department):
        return None
    item.badge = STATE_BADGES.get(item.state, "text-bg-secondary")
    if today is not None:
        item.is_overdue = item.state != ItemState.CLOSED and item.deadline < today
        _mark(item, today)
    return item


def evidence_for_user(*, user, pk: int) -> ItemEvidence | None:
    """An evidence file if ``user`` may see its item; None for missing and not-yours alike."""
    evidence = ItemEvidence.objects.select_related("item__department").filter(pk=pk).first()
    if evidence is None or not _may_see(access_for(user), evidence.item.department):
        return None
    return evidence


def item_evidence(item: RectificationItem) -> list[ItemEvidence]:
    from wenming.core.attachments import is_image

    files = list(item.evidence.select_related("uploaded_by__staff").order_by("uploaded_at", "pk"))
    for evidence in files:
        evidence.is_image = is_image(evidence.name)
    return files


def item_extensions(item: RectificationItem) -> list[ExtensionRequest]:
    """The item's extension requests, newest first, with who asked and who decided."""
    return list(item.extensions.select_related("requested_by__staff", "decided_by__staff"))


def _detail_labels() -> dict[str, str]:
    return {
        "state": _("State"),
        "deadline": _("Deadline"),
        "requested": _("Requested deadline"),
        "note": _("Note"),
        "reason": _("Reason"),
        "measures": _("Rectification measures"),
        "files": _("Files"),
        "responsible": _("Responsible person"),
        "department": _("Department"),
        "source": _("Source"),
        "finding": _("Finding"),
    }


def _readable(key: str, value) -> str:
    labels = {"state": dict(ItemState.choices), "source": dict(Source.choices)}.get(key)
    if labels is not None:
        return str(labels.get(value, value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def item_history(item: RectificationItem) -> list[tuple[AuditEntry, str, list[tuple[str, str]]]]:
    """The item's audit entries, oldest first: (entry, sentence, [(label, value)]) with states and
    sources in words and empty values left out."""
    entries = AuditEntry.objects.filter(target_type=item._meta.label_lower, target_id=str(item.pk)).order_by("at", "id")
    labels = _detail_labels()
    history = []
    for entry in entries:
        details = []
        for key, value in (entry.data or {}).items():
            if value in (None, "", []):
                continue
            if key in ("state", "deadline", "measures") and isinstance(value, list) and len(value) == 2:
                old, new = ("—" if v in (None, "") else _readable(key, v) for v in value)
                text = f"{old} → {new}"
            else:
                text = _readable(key, value)
            details.append((labels.get(key, key), text))
        history.append((entry, describe(entry), details))
    return history


# --- The public board (挂牌公示) --------------------------------------------------------------------


@dataclass
class BoardGroup:
    department: Department
    items: list[RectificationItem]

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.is_overdue)


def board_groups(*, today: date, department: Department | None = None) -> list[BoardGroup]:
    """The open items, by department (tree order), each department's by deadline; one query.
    Only what a notice board shows: no people, no notes."""
    items = (
        RectificationItem.objects.filter(state__in=OPEN_STATES)
        .select_related("department")
        .only("pk", "problem", "deadline", "state", "department__code", "department__name", "department__path")
        .annotate(
            is_overdue=Case(When(_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .order_by("department__path", "deadline", "pk")
    )
    if department is not None:
        items = items.filter(department__path__startswith=department.path)
    groups: list[BoardGroup] = []
    for item in items:
        _mark(item, today)
        if not groups or groups[-1].department.pk != item.department_id:
            groups.append(BoardGroup(department=item.department, items=[]))
        groups[-1].items.append(item)
    return groups


def board_departments() -> QuerySet[Department]:
    """Departments with open items (for the board's filter), in tree order."""
    return (
        Department.objects.filter(rectification_items__state__in=OPEN_STATES)
        .distinct()
        .only("pk", "code", "name", "path", "depth")
        .order_by("path")
    )


# --- The export -----------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "problem",
    "department__name",
    "responsible__name",
    "measures",
    "deadline",
    "state",
    "closed_at",
    "is_overdue",
)


def export_rows(items: QuerySet[RectificationItem]) -> Iterator[tuple]:
    """The ledger's rows as plain tuples (``EXPORT_FIELDS``), read in chunks: one query per 2,000
    rows on PostgreSQL (a server-side cursor), one in all on SQLite; no model objects."""
    return items.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)


def local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


# --- The overdue deduction rule -------------------------------------------------------------------


def overdue_rule() -> OverdueRule:
    """The rule (the one row), or an unsaved default (inactive, version 1) before the first save."""
    rule = OverdueRule.objects.select_related("standard", "updated_by__staff").order_by("pk").first()
    return rule if rule is not None else OverdueRule()


def rule_standards() -> QuerySet[Standard]:
    """The standards an overdue deduction can be recorded under: those scoring departments."""
    return Standard.objects.filter(subject=Subject.DEPARTMENT).order_by("code")


def deduction_choices(standard: Standard | None) -> list[tuple[str, str]]:
    """``[(code, "code name")]`` of the deductions of the standard's newest version."""
    if standard is None:
        return []
    version = newest_version(standard.code)
    if version is None:
        return []
    return [
        (info.code, f"{info.code} {info.name}")
        for info in code_catalogue(version.definition).values()
        if info.kind == "deduction"
    ]
