"""Writes of the rectification ledger: opening an item and moving it through its states, extension
requests (延期) and their decisions.

The state machine (shared with ``models.ItemState``)::

    listed ──start──▶ in_progress ──submit_fix──▶ awaiting_check ──verify(passed)──▶ closed
                          ▲                              │
                          └──────verify(failed, 退回)────┘

Every transition locks the item's row, checks that the person may act on the item's department,
that the page was not stale (``expected_version``) and that the item is in the state the move
starts from; then it bumps ``version`` and writes an audit entry. Two people acting on one item
at once: the first wins, the second gets a :class:`RectificationConflict` naming the state now.

Who may act: the office (文明办) and system administrators on every item; a department head on the
items of the departments they head (and those below them). Besides them, the leadership group and
inspectors may open items (a leadership instruction, an inspection finding) and verify fixes
(复查验收), but do not do a department's rectification work. Verification is refused to the person
who submitted the fix. Extension requests are decided by the office only.

Who hears about it (in-product notifications, never to the person who acted): the heads of the
department when an item is opened, returned or closed out; the office when a fix is submitted or
more time is asked for; the requester when the office decides. Each links to the item's page.

The overdue deduction rule (one row, :class:`OverdueRule`) is changed by the office with
:func:`overdue_rule_save`; the scheduled tasks apply it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.attachments import check_attachments, store_attachments
from wenming.core.audit import audit_log, changes
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Department, Role, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.standards.definition import Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import (
    ExtensionRequest,
    ExtensionState,
    ItemEvidence,
    ItemState,
    OverdueRule,
    RectificationItem,
    Source,
)

MAX_TEXT = 4000


class RectificationError(ValidationError):
    """Something a person can fix (a translated message)."""


class RectificationConflict(RectificationError):
    """The item was changed by someone else after the page was shown."""


class RectificationNotAllowed(RectificationError):
    """The person may not act on this item (views answer 403/404 before it comes to this)."""


# --- Checks ---------------------------------------------------------------------------------------


def _text(value, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise RectificationError(_("Keep the text under %(max)d characters.") % {"max": limit})
    return text


def is_office(by) -> bool:
    access = access_for(by)
    return access.can_manage_standards or access.is_office


def may_act_on(by, department: Department) -> bool:
    """The office on every department; a department head on the departments they head."""
    return is_office(by) or access_for(by).heads_department(department)


def may_oversee(by, department: Department) -> bool:
    """May open items on and verify fixes of ``department``: those who act on it, the leadership
    group and inspectors."""
    access = access_for(by)
    return may_act_on(by, department) or access.has(Role.LEADERSHIP) or access.has(Role.INSPECTOR)


def _ensure_may_act(by, department: Department, *, oversee: bool = False) -> None:
    if not (may_oversee(by, department) if oversee else may_act_on(by, department)):
        raise RectificationNotAllowed(
            _("You may not act on the rectification items of %(department)s.") % {"department": department.name}
        )


def _locked(item: RectificationItem) -> RectificationItem:
    return (
        RectificationItem.objects.select_for_update(of=("self",))
        .select_related("department", "responsible")
        .get(pk=item.pk)
    )


def _ensure_version(item: RectificationItem, expected_version: int) -> None:
    if item.version != expected_version:
        raise RectificationConflict(
            _(
                "Someone else changed this item after you opened it; it is now %(state)s. "
                "Nothing was saved: reload the page and try again."
            )
            % {"state": item.get_state_display()},
            code="conflict",
        )


def _user(by):
    return by if getattr(by, "pk", None) else None


def _audit(item: RectificationItem, *, by, action: str, data: dict) -> None:
    audit_log(actor=by, action=action, target=item, department=item.department, data=data)


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    return check_attachments(files, error=RectificationError)


def _store_files(item: RectificationItem, files: list[UploadedFile], by) -> list[ItemEvidence]:
    return store_attachments(files, make=lambda **fields: ItemEvidence(item=item, **fields), by=by)


# --- Notifications --------------------------------------------------------------------------------


def item_label(item: RectificationItem) -> str:
    """How notifications name an item: ``#12 护士站物品摆放杂乱`` (the problem's first 30 characters)."""
    return f"#{item.pk} {item.problem[:30]}"


def item_url(item: RectificationItem) -> str:
    try:
        return reverse("rectification:item_detail", args=[item.pk])
    except NoReverseMatch:  # pragma: no cover - the pages are always installed with the app
        return ""


def _notify(item: RectificationItem, *, recipients, kind: str, by, **params) -> None:
    notify(
        recipients=recipients,
        kind=kind,
        params={"department": item.department.name, "item": item_label(item), **params},
        url=item_url(item),
        department=item.department,
        exclude=by,
    )


def _office():
    return users_with_roles(Role.OFFICE)


# --- Items ----------------------------------------------------------------------------------------


@transaction.atomic
def item_open(
    *,
    department: Department,
    problem: str,
    source: str,
    deadline: date,
    by,
    responsible: Staff | None = None,
    measures: str = "",
    finding: Record | None = None,
) -> RectificationItem:
    """List a problem on the ledger (挂牌). A finding opens an item of source ``finding`` about the
    finding's department (or one below it); the responsible person works in that department."""
    _ensure_may_act(by, department, oversee=True)
    problem = _text(problem)
    if not problem:
        raise RectificationError(_("Describe the problem to be rectified."))
    if source not in Source.values:
        raise RectificationError(_("Choose where the problem comes from."))
    if not department.is_active:
        raise RectificationError(
            _("%(department)s is no longer active; choose another department.") % {"department": department.name}
        )
    if deadline is None or deadline < hospital_today():
        raise RectificationError(_("The deadline cannot be in the past."))
    if responsible is not None and (
        responsible.status != StaffStatus.ACTIVE or not responsible.department.path.startswith(department.path)
    ):
        raise RectificationError(
            _("%(person)s does not work in %(department)s; choose someone who does.")
            % {"person": responsible.name, "department": department.name}
        )
    if finding is not None:
        if finding.kind != RecordKind.FINDING or finding.status == RecordStatus.VOIDED:
            raise RectificationError(_("Only a finding that has not been voided can open a rectification item."))
        if source != Source.FINDING:
            raise RectificationError(_("An item opened from a finding has the source “inspection finding”."))
        finding_department = finding.department if finding.department_id else finding.staff.department
        if not finding_department.path.startswith(department.path):
            raise RectificationError(
                _("The finding is about %(finding_department)s, not %(department)s.")
                % {"finding_department": finding_department.name, "department": department.name}
            )
    item = RectificationItem.objects.create(
        department=department,
        problem=problem,
        source=source,
        deadline=deadline,
        responsible=responsible,
        measures=_text(measures),
        finding=finding,
        created_by=_user(by),
    )
    _audit(
        item,
        by=by,
        action="rectification.item.opened",
        data={
            "department": department.code,
            "source": source,
            "deadline": deadline,
            "responsible": responsible.staff_no if responsible else "",
            "finding": finding.pk if finding else "",
        },
    )
    _notify(
        item, recipients=heads_of(department), kind="rectification.item.opened", by=by, deadline=deadline.isoformat()
    )
    return item


@transaction.atomic
def item_start(*, item: RectificationItem, by, expected_version: int) -> RectificationItem:
    """listed → in_progress (整改中)."""
    current = _locked(item)
    _ensure_may_act(by, current.department)
    _ensure_version(current, expected_version)
    if current.state != ItemState.LISTED:
        raise RectificationError(
            _("Only a listed item can be started; this one is %(state)s.") % {"state": current.get_state_display()}
        )
    current.state = ItemState.IN_PROGRESS
    current.version += 1
    current.save(update_fields=["state", "version", "updated_at"])
    _audit(
        current,
        by=by,
        action="rectification.item.started",
        data={"state": [ItemState.LISTED.value, ItemState.IN_PROGRESS.value]},
    )
    return current


@transaction.atomic
def item_submit_fix(
    *, item: RectificationItem, by, measures: str, evidence: Iterable[UploadedFile] = (), expected_version: int
) -> RectificationItem:
    """in_progress → awaiting_check (待验收), with the measures taken and evidence files."""
    files = _check_files(evidence)
    measures = _text(measures)
    current = _locked(item)
    _ensure_may_act(by, current.department)
    _ensure_version(current, expected_version)
    if current.state != ItemState.IN_PROGRESS:
        raise RectificationError(
            _("Only an item being rectified can be submitted for verification; this one is %(state)s.")
            % {"state": current.get_state_display()}
        )
    if not measures:
        raise RectificationError(_("Describe the measures taken."))
    stored = _store_files(current, files, by)
    before = current.measures
    current.measures = measures
    current.state = ItemState.AWAITING_CHECK
    current.submitted_by = _user(by)
    current.submitted_at = timezone.now()
    current.version += 1
    current.save(update_fields=["measures", "state", "submitted_by", "submitted_at", "version", "updated_at"])
    data = {
        "state": [ItemState.IN_PROGRESS.value, ItemState.AWAITING_CHECK.value],
        "files": [e.name for e in stored],
    }
    if before != measures:
        data["measures"] = [before, measures]
    _audit(current, by=by, action="rectification.item.submitted", data=data)
    _notify(current, recipients=_office(), kind="rectification.item.submitted", by=by)
    return current


@transaction.atomic
def item_verify(*, item: RectificationItem, by, passed: bool, note: str, expected_version: int) -> RectificationItem:
    """awaiting_check → closed (销号) when the fix passes; → in_progress (退回) with a required note
    when it does not. The person who submitted the fix may not verify it."""
    note = _text(note)
    current = _locked(item)
    _ensure_may_act(by, current.department, oversee=True)
    _ensure_version(current, expected_version)
    if current.state != ItemState.AWAITING_CHECK:
        raise RectificationError(
            _("Only an item awaiting verification can be verified; this one is %(state)s.")
            % {"state": current.get_state_display()}
        )
    if current.submitted_by_id is not None and current.submitted_by_id == getattr(by, "pk", None):
        raise RectificationNotAllowed(_("You submitted this fix, so someone else must verify it."))
    if passed:
        current.state = ItemState.CLOSED
        current.closed_by = _user(by)
        current.closed_at = timezone.now()
        current.closing_note = note
        fields = ["state", "closed_by", "closed_at", "closing_note"]
        action = "rectification.item.closed"
    else:
        if not note:
            raise RectificationError(_("Say why the fix did not pass, so the department knows what to do."))
        current.state = ItemState.IN_PROGRESS
        current.return_note = note
        fields = ["state", "return_note"]
        action = "rectification.item.returned"
    current.version += 1
    current.save(update_fields=[*fields, "version", "updated_at"])
    _audit(
        current,
        by=by,
        action=action,
        data={"state": [ItemState.AWAITING_CHECK.value, current.state], "note": note},
    )
    if passed:
        _notify(current, recipients=heads_of(current.department), kind="rectification.item.closed", by=by)
    else:
        _notify(current, recipients=heads_of(current.department), kind="rectification.item.returned", by=by, note=note)
    return current


# --- Extensions (延期) -----------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, item: RectificationItem, by, new_deadline: date, reason: str, expected_version: int | None = None
) -> ExtensionRequest:
    """Ask the office for a later deadline; one pending request per item at a time.
    ``expected_version`` (from the page) refuses a request made on a stale page."""
    reason = _text(reason)
    current = _locked(item)
    _ensure_may_act(by, current.department)
    if expected_version is not None:
        _ensure_version(current, expected_version)
    if current.state == ItemState.CLOSED:
        raise RectificationError(_("This item has been closed out; it needs no more time."))
    if not reason:
        raise RectificationError(_("Give the reason for needing more time."))
    if new_deadline is None or new_deadline <= current.deadline:
        raise RectificationError(
            _("The new deadline must be later than the current one (%(deadline)s).")
            % {"deadline": current.deadline.isoformat()}
        )
    if current.extensions.filter(state=ExtensionState.PENDING).exists():
        raise RectificationError(_("An extension request for this item is already waiting for a decision."))
    request = ExtensionRequest.objects.create(
        item=current,
        old_deadline=current.deadline,
        new_deadline=new_deadline,
        reason=reason,
        requested_by=_user(by),
    )
    _audit(
        current,
        by=by,
        action="rectification.extension.requested",
        data={"deadline": [current.deadline, new_deadline], "reason": reason},
    )
    _notify(
        current,
        recipients=_office(),
        kind="rectification.extension.requested",
        by=by,
        deadline=new_deadline.isoformat(),
        reason=reason,
    )
    return request


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, by, approve: bool, note: str, expected_version: int | None = None
) -> ExtensionRequest:
    """The office approves (the item's deadline moves) or refuses (with a note) a pending request.
    ``expected_version`` (the item's, from the page) refuses a decision made on a stale page."""
    note = _text(note)
    if not is_office(by):
        raise RectificationNotAllowed(_("Only the office can decide extension requests."))
    current = ExtensionRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if current.state != ExtensionState.PENDING:
        raise RectificationConflict(
            _("This request has already been decided: %(state)s.") % {"state": current.get_state_display()},
            code="conflict",
        )
    item = _locked(current.item)
    if expected_version is not None:
        _ensure_version(item, expected_version)
    if approve:
        if item.state == ItemState.CLOSED:
            raise RectificationError(_("This item has been closed out; it needs no more time."))
        before = item.deadline
        item.deadline = current.new_deadline
        item.version += 1
        item.save(update_fields=["deadline", "version", "updated_at"])
        current.state = ExtensionState.APPROVED
        action = "rectification.extension.approved"
        data = {"deadline": [before, item.deadline], "note": note}
    else:
        if not note:
            raise RectificationError(_("Give the reason for refusing more time."))
        current.state = ExtensionState.REFUSED
        action = "rectification.extension.refused"
        data = {"requested": current.new_deadline, "note": note}
    current.decided_by = _user(by)
    current.decided_at = timezone.now()
    current.decision_note = note
    current.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    current.item = item
    _audit(item, by=by, action=action, data=data)
    if current.requested_by_id is not None:
        requester = [current.requested_by]
        if approve:
            _notify(item, recipients=requester, kind=action, by=by, deadline=item.deadline.isoformat())
        else:
            _notify(item, recipients=requester, kind=action, by=by, note=note)
    return current


# --- The overdue deduction rule -------------------------------------------------------------------

MAX_OVERDUE_DAYS = 365


def _rule_values(rule: OverdueRule) -> dict:
    return {
        "active": rule.active,
        "days": rule.days,
        "standard": rule.standard.code if rule.standard_id else "",
        "code": rule.code,
    }


@transaction.atomic
def overdue_rule_save(
    *, by, active: bool, days: int, standard: Standard | None, code: str, expected_version: int
) -> OverdueRule:
    """Change the one overdue deduction rule (created on the first save). When active, an item
    more than ``days`` days overdue records the deduction ``code`` of ``standard`` (a department
    standard; the code a deduction of its newest version) against its department, once.
    ``expected_version`` is the version the page showed (1 before the first save)."""
    if not is_office(by):
        raise RectificationNotAllowed(_("Only the office can change the overdue deduction rule."))
    rule = OverdueRule.objects.select_for_update(of=("self",)).select_related("standard").order_by("pk").first()
    if rule is None:
        rule = OverdueRule()
    if rule.version != expected_version:
        raise RectificationConflict(
            _(
                "Someone else changed the rule after you opened it. "
                "Nothing was saved: look at the rule now and try again."
            ),
            code="conflict",
        )
    code = (code or "").strip()
    errors: dict[str, str] = {}
    if days is None or not 1 <= days <= MAX_OVERDUE_DAYS:
        errors["days"] = _("Give a number of days from 1 to %(max)d.") % {"max": MAX_OVERDUE_DAYS}
    if standard is not None and standard.subject != Subject.DEPARTMENT:
        errors["standard"] = _("%(standard)s does not score departments; choose a department standard.") % {
            "standard": standard.code
        }
    elif standard is None and (active or code):
        errors["standard"] = _("Choose the standard the deduction is recorded under.")
    if active and not code:
        errors["code"] = _("Give the deduction code to record.")
    elif code and standard is not None and "standard" not in errors:
        version = newest_version(standard.code)
        found = version.definition.code_kind(code) if version is not None else None
        if found is None or found[0] != "deduction":
            errors["code"] = _("%(code)s is not a deduction of %(standard)s.") % {
                "code": code,
                "standard": standard.code,
            }
    if errors:
        raise RectificationError(errors)
    before = _rule_values(rule)
    rule.active = active
    rule.days = days
    rule.standard = standard
    rule.code = code
    diff = changes(before, _rule_values(rule))
    if not diff:  # nothing changed: nothing saved, nothing logged
        return rule
    rule.updated_by = _user(by)
    rule.version += 1
    rule.save()
    audit_log(actor=by, action="rectification.rule.changed", target=rule, data=diff)
    return rule
