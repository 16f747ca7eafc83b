"""Writes of complaints, praise and petitions: intake, the moves of a case, the deadline, and what
a case records elsewhere (a deduction or a bonus on a standard, a rectification item).

The state machine (``models.CaseState``)::

    received ─start─▶ investigating ─investigate─▶ handling ─reply─▶ replied ─close─▶ closed
                          ▲                          │  ▲               │
                          └──────── return ──────────┘  └──── return ───┘

Who may act: the office (文明办) and system administrators on every case; a department head, on
the cases of the departments they head, may start the investigation, record its findings and
the handling decision — nothing else. Intake, the reply, closing, returning a step, a later
deadline, a deduction or bonus and a rectification item are for the office only.

Every write locks the case's row, checks ``expected_version`` and the state it starts from,
bumps ``version``, writes one audit entry (phones masked) and notifies the department's heads
and the office (never the person who acted), linking to the case's page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from wenming.core.attachments import check_attachments, store_attachments
from wenming.core.audit import audit_log
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Department, Role, Staff, StaffStatus, mask_phone
from wenming.org.selectors import hospital_today
from wenming.rectification.models import Source
from wenming.scoring.models import Record, RecordKind
from wenming.standards.models import Standard

from .models import (
    NUMBER_PREFIX,
    Case,
    CaseEvidence,
    CaseKind,
    CaseSource,
    CaseState,
    Finding,
    ReplyMethod,
    Satisfaction,
)

MAX_TEXT = 4000
DEFAULT_WORKING_DAYS = 5
# What a complaint or petition records (a deduction of the standard) and what praise records (a bonus).
DEFAULT_DEDUCTION_CODE = "C1"
DEFAULT_BONUS_CODE = "F1"


class CaseError(ValidationError):
    """Something a person can fix (a translated message, or messages keyed by field)."""


class CaseConflict(CaseError):
    """The case was changed by someone else after the page was shown."""


class CaseNotAllowed(CaseError):
    """The person may not do this to the case (views answer 403/404 before it comes to this)."""


# --- Who ------------------------------------------------------------------------------------------


def is_office(user) -> bool:
    access = access_for(user)
    return access.is_office or access.is_system_admin


def may_read_cases(access) -> bool:
    """The office, system administrators and the leadership group (every case), heads (theirs)."""
    return access.is_office or access.is_system_admin or access.has(Role.LEADERSHIP) or access.is_department_head


def may_work_on(user, department: Department) -> bool:
    """Investigation and handling notes: the office, and the heads of the case's department."""
    return is_office(user) or access_for(user).heads_department(department)


def _ensure_office(by) -> None:
    if not is_office(by):
        raise CaseNotAllowed(_("Only the civility office can do this."))


def _ensure_may_work(by, case: Case) -> None:
    if not may_work_on(by, case.department):
        raise CaseNotAllowed(
            _("You may not work on the cases of %(department)s.") % {"department": case.department.name}
        )


# --- Helpers --------------------------------------------------------------------------------------


def working_days_after(day: date, days: int) -> date:
    """``day`` plus ``days`` working days (Monday to Friday), as appeals count them."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def default_deadline(received_on: date) -> date:
    """``WENMING_COMPLAINT_WORKING_DAYS`` (default 5) working days after the day a case is received."""
    return working_days_after(received_on, getattr(settings, "WENMING_COMPLAINT_WORKING_DAYS", DEFAULT_WORKING_DAYS))


def _text(value, *, field: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise CaseError({field: _("Keep the text under %(max)d characters.") % {"max": limit}})
    return text


def _person(user) -> str:
    """How the history names a person: their staff name, else their login."""
    if user is None:
        return ""
    staff = getattr(user, "staff", None)  # RelatedObjectDoesNotExist is an AttributeError
    return staff.name if staff is not None else user.get_username()


def _user(by):
    return by if getattr(by, "pk", None) else None


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("department", "staff", "record", "item")
        .get(pk=case.pk)
    )


def _ensure_version(case: Case, expected_version: int) -> None:
    if case.version != expected_version:
        raise CaseConflict(
            _(
                "Someone else changed this case after you opened it; it is now %(state)s. "
                "Nothing was saved: reload the page and try again."
            )
            % {"state": case.get_state_display()},
            code="conflict",
        )


def _ensure_state(case: Case, *states: str, message: str) -> None:
    if case.state not in states:
        raise CaseError(message % {"state": case.get_state_display()})


def case_url(case: Case) -> str:
    return reverse("complaints:detail", args=[case.pk])


def case_label(case: Case) -> str:
    content = case.content.replace("\n", " ")
    return f"{case.number} {content[:30]}{'…' if len(content) > 30 else ''}"


def _audit(case: Case, *, by, action: str, data: dict) -> None:
    audit_log(actor=by, action=action, target=case, target_repr=case.number, department=case.department, data=data)


def _notify(case: Case, *, by, kind: str = "complaints.case.moved", office: bool = True, **params) -> None:
    recipients = list(heads_of(case.department))
    if office:
        recipients += list(users_with_roles(Role.OFFICE))
    if case.handler_id is not None:
        recipients.append(case.handler)
    notify(
        recipients=recipients,
        kind=kind,
        params={
            "case": case_label(case),
            "kind": case.get_kind_display(),
            "department": case.department.name,
            "state": case.get_state_display(),
            "deadline": case.deadline.isoformat(),
            **params,
        },
        url=case_url(case),
        department=case.department,
        exclude=by,
    )


def _store(case: Case, files: list[UploadedFile], by) -> list[CaseEvidence]:
    return store_attachments(files, make=lambda **fields: CaseEvidence(case=case, stage=case.state, **fields), by=by)


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    return check_attachments(files, error=CaseError)


def _move(case: Case, *, to: str, fields: list[str]) -> str:
    before = case.state
    case.state = to
    case.version += 1
    case.save(update_fields=[*fields, "state", "version", "updated_at"])
    return before


def _next_sequence(kind: str, year: int) -> int:
    last = Case.objects.filter(kind=kind, year=year).aggregate(n=Max("sequence"))["n"]
    return (last or 0) + 1


# --- Intake ---------------------------------------------------------------------------------------


@transaction.atomic
def case_intake(
    *,
    by,
    kind: str,
    source: str,
    department: Department,
    content: str,
    staff: Staff | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    received_on: date | None = None,
    deadline: date | None = None,
    handler=None,
    feedback=None,
    evidence: Iterable[UploadedFile] = (),
) -> Case:
    """Receive a case (受理): the office enters it from a phone call, a letter, the suggestion box,
    a visit, or a patient's feedback (``feedback``, which the case then links). It gets the next
    number of its kind and year (``TS-2026-0042``) and, unless given, the default deadline."""
    _ensure_office(by)
    files = _check_files(evidence)
    today = hospital_today()
    errors: dict[str, str] = {}
    if kind not in CaseKind.values:
        errors["kind"] = _("Choose whether this is a complaint, praise or a petition.")
    if source not in CaseSource.values:
        errors["source"] = _("Choose where the case comes from.")
    content = _text(content, field="content")
    if not content:
        errors["content"] = _("Write down what the case is about.")
    contact_name = _text(contact_name, field="contact_name", limit=50)
    contact_phone = (contact_phone or "").strip().replace(" ", "").replace("-", "")
    if contact_phone and not (contact_phone.isdigit() and 7 <= len(contact_phone) <= 12):
        errors["contact_phone"] = _("Enter a phone number of digits only (7 to 12).")
    if department is None:
        errors["department"] = _("Choose the department concerned.")
    elif not department.is_active:
        errors["department"] = _("%(department)s is no longer active; choose another department.") % {
            "department": department.name
        }
    if (
        staff is not None
        and department is not None
        and (staff.status != StaffStatus.ACTIVE or not staff.department.path.startswith(department.path))
    ):
        errors["staff"] = _("%(person)s does not work in %(department)s; choose someone who does.") % {
            "person": staff.name,
            "department": department.name,
        }
    received_on = received_on or today
    if received_on > today:
        errors["received_on"] = _("The day a case was received cannot be in the future.")
    deadline = deadline or default_deadline(received_on)
    if deadline < received_on:
        errors["deadline"] = _("The deadline cannot be before the day the case was received.")
    if feedback is not None and Case.objects.filter(feedback=feedback).exists():
        errors["__all__"] = _("This feedback has already been made a case.")
    if errors:
        raise CaseError(errors)
    year = received_on.year
    for _attempt in range(5):
        sequence = _next_sequence(kind, year)
        number = f"{NUMBER_PREFIX[kind]}-{year}-{sequence:04d}"
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    kind=kind,
                    number=number,
                    year=year,
                    sequence=sequence,
                    source=source,
                    department=department,
                    staff=staff,
                    content=content,
                    contact_name=contact_name,
                    contact_phone=contact_phone,
                    received_on=received_on,
                    deadline=deadline,
                    handler=handler,
                    feedback=feedback,
                    created_by=_user(by),
                )
            break
        except IntegrityError:  # someone took the number in between: take the next one
            continue
    else:  # pragma: no cover - five collisions in a row
        raise CaseError(_("The case could not be numbered; try again."))
    stored = _store(case, files, by)
    _audit(
        case,
        by=by,
        action="complaints.case.received",
        data={
            "kind": kind,
            "source": source,
            "department": department.code,
            "staff": staff.staff_no if staff else "",
            "contact_phone": mask_phone(contact_phone),
            "deadline": deadline,
            "feedback": feedback.pk if feedback is not None else "",
            "files": [e.name for e in stored],
        },
    )
    _notify(case, by=by, kind="complaints.case.received")
    return case


# --- The moves ------------------------------------------------------------------------------------


@transaction.atomic
def case_start(*, case: Case, by, expected_version: int, handler=None) -> Case:
    """received → investigating (调查): the office or the department's head takes it up."""
    current = _locked(case)
    _ensure_may_work(by, current)
    _ensure_version(current, expected_version)
    _ensure_state(
        current,
        CaseState.RECEIVED,
        message=_("Only a received case can be taken up for investigation; this one is %(state)s."),
    )
    current.handler = handler or _user(by) or current.handler
    before = _move(current, to=CaseState.INVESTIGATING, fields=["handler"])
    _audit(
        current,
        by=by,
        action="complaints.case.started",
        data={"state": [before, current.state], "handler": _person(current.handler)},
    )
    _notify(current, by=by)
    return current


@transaction.atomic
def case_investigate(
    *,
    case: Case,
    by,
    investigation: str,
    finding: str = "",
    evidence: Iterable[UploadedFile] = (),
    expected_version: int,
) -> Case:
    """investigating → handling (处理), with what the investigation found and, for a complaint or
    a petition, whether it is substantiated (for praise: whether it was verified)."""
    files = _check_files(evidence)
    investigation = _text(investigation, field="investigation")
    current = _locked(case)
    _ensure_may_work(by, current)
    _ensure_version(current, expected_version)
    _ensure_state(
        current,
        CaseState.INVESTIGATING,
        message=_("Only a case under investigation can have its findings recorded; this one is %(state)s."),
    )
    errors = {}
    if not investigation:
        errors["investigation"] = _("Write down what the investigation found.")
    if finding not in Finding.values:
        errors["finding"] = _("Choose whether the case is substantiated.")
    if errors:
        raise CaseError(errors)
    stored = _store(current, files, by)
    data = {"investigation": [current.investigation, investigation], "finding": [current.finding, finding]}
    current.investigation = investigation
    current.finding = finding
    before = _move(current, to=CaseState.HANDLING, fields=["investigation", "finding"])
    data["state"] = [before, current.state]
    data["files"] = [e.name for e in stored]
    _audit(current, by=by, action="complaints.case.investigated", data=data)
    _notify(current, by=by)
    return current


@transaction.atomic
def case_decide(*, case: Case, by, decision: str, evidence: Iterable[UploadedFile] = (), expected_version: int) -> Case:
    """Record (or change) the handling decision (处理意见) of a case being handled; its state stays."""
    files = _check_files(evidence)
    decision = _text(decision, field="decision")
    current = _locked(case)
    _ensure_may_work(by, current)
    _ensure_version(current, expected_version)
    _ensure_state(
        current,
        CaseState.HANDLING,
        message=_("Only a case being handled can have its handling decision recorded; this one is %(state)s."),
    )
    if not decision:
        raise CaseError({"decision": _("Write down the handling decision.")})
    stored = _store(current, files, by)
    if decision == current.decision and not stored:
        return current  # nothing changed: nothing saved, nothing logged
    data = {"decision": [current.decision, decision], "files": [e.name for e in stored]}
    current.decision = decision
    current.version += 1
    current.save(update_fields=["decision", "version", "updated_at"])
    _audit(current, by=by, action="complaints.case.decided", data=data)
    _notify(current, by=by, kind="complaints.case.decided")
    return current


@transaction.atomic
def case_reply(
    *,
    case: Case,
    by,
    reply: str,
    method: str,
    replied_on: date | None = None,
    satisfaction: str = "",
    expected_version: int,
) -> Case:
    """handling → replied (回复): what the patient was told, how and when; their satisfaction with
    the handling if they gave it then. Needs the handling decision first."""
    _ensure_office(by)
    reply = _text(reply, field="reply")
    current = _locked(case)
    _ensure_version(current, expected_version)
    _ensure_state(
        current, CaseState.HANDLING, message=_("Only a case being handled can be replied to; this one is %(state)s.")
    )
    today = hospital_today()
    replied_on = replied_on or today
    errors = {}
    if not current.decision:
        errors["__all__"] = _("Record the handling decision before replying.")
    if not reply:
        errors["reply"] = _("Write down the reply given.")
    if method not in ReplyMethod.values:
        errors["method"] = _("Choose how the reply was given.")
    if satisfaction and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = _("Choose one of the satisfaction answers.")
    if replied_on > today or replied_on < current.received_on:
        errors["replied_on"] = _("The reply date must be between the day the case was received and today.")
    if errors:
        raise CaseError(errors)
    current.reply = reply
    current.reply_method = method
    current.replied_on = replied_on
    current.satisfaction = satisfaction
    before = _move(current, to=CaseState.REPLIED, fields=["reply", "reply_method", "replied_on", "satisfaction"])
    _audit(
        current,
        by=by,
        action="complaints.case.replied",
        data={
            "state": [before, current.state],
            "reply": reply,
            "reply_method": method,
            "replied_on": replied_on,
            "satisfaction": satisfaction,
        },
    )
    _notify(current, by=by)
    return current


@transaction.atomic
def case_close(*, case: Case, by, satisfaction: str = "", note: str = "", expected_version: int) -> Case:
    """replied → closed (办结), with the patient's satisfaction if it was not recorded at the reply."""
    _ensure_office(by)
    note = _text(note, field="note")
    current = _locked(case)
    _ensure_version(current, expected_version)
    _ensure_state(
        current,
        CaseState.REPLIED,
        message=_("Only a case that has been replied to can be closed; this one is %(state)s."),
    )
    if satisfaction and satisfaction not in Satisfaction.values:
        raise CaseError({"satisfaction": _("Choose one of the satisfaction answers.")})
    data = {"note": note}
    if satisfaction and satisfaction != current.satisfaction:
        data["satisfaction"] = [current.satisfaction, satisfaction]
        current.satisfaction = satisfaction
    current.closed_on = hospital_today()
    current.closing_note = note
    before = _move(current, to=CaseState.CLOSED, fields=["satisfaction", "closed_on", "closing_note"])
    data["state"] = [before, current.state]
    _audit(current, by=by, action="complaints.case.closed", data=data)
    _notify(current, by=by)
    return current


# Where a return (退回) goes from each state it is allowed in.
RETURNS = {CaseState.HANDLING: CaseState.INVESTIGATING, CaseState.REPLIED: CaseState.HANDLING}


@transaction.atomic
def case_return(*, case: Case, by, reason: str, expected_version: int) -> Case:
    """One step back, with a reason: handling → investigating (investigate further), replied →
    handling (the reply did not settle it; the reply is kept in the history and cleared)."""
    _ensure_office(by)
    reason = _text(reason, field="reason")
    current = _locked(case)
    _ensure_version(current, expected_version)
    _ensure_state(current, *RETURNS, message=_("A case that is %(state)s cannot be sent back a step."))
    if not reason:
        raise CaseError({"reason": _("Say why the case goes back a step.")})
    fields = ["return_note"]
    current.return_note = reason
    if current.state == CaseState.REPLIED:
        current.reply, current.reply_method, current.replied_on, current.satisfaction = "", "", None, ""
        fields += ["reply", "reply_method", "replied_on", "satisfaction"]
    before = _move(current, to=RETURNS[current.state], fields=fields)
    _audit(current, by=by, action="complaints.case.returned", data={"state": [before, current.state], "reason": reason})
    _notify(current, by=by, kind="complaints.case.returned", reason=reason)
    return current


@transaction.atomic
def case_extend(*, case: Case, by, deadline: date, reason: str, expected_version: int) -> Case:
    """A later deadline (延期) for a case still running, with the reason."""
    _ensure_office(by)
    reason = _text(reason, field="reason")
    current = _locked(case)
    _ensure_version(current, expected_version)
    if not current.is_open:
        raise CaseError(_("The patient has had a reply; the case needs no more time."))
    errors = {}
    if deadline is None or deadline <= current.deadline:
        errors["deadline"] = _("The new deadline must be later than the present one (%(deadline)s).") % {
            "deadline": current.deadline.isoformat()
        }
    if not reason:
        errors["reason"] = _("Give the reason for needing more time.")
    if errors:
        raise CaseError(errors)
    before = current.deadline
    current.deadline = deadline
    current.version += 1
    current.save(update_fields=["deadline", "version", "updated_at"])
    _audit(current, by=by, action="complaints.case.extended", data={"deadline": [before, deadline], "reason": reason})
    _notify(current, by=by, kind="complaints.case.extended", reason=reason)
    return current


# --- What a case records --------------------------------------------------------------------------


def record_kind_for(case: Case) -> str:
    """Praise records a bonus; a complaint or a petition records a deduction finding."""
    return RecordKind.BONUS if case.kind == CaseKind.PRAISE else RecordKind.FINDING


def default_code(case: Case) -> str:
    return DEFAULT_BONUS_CODE if case.kind == CaseKind.PRAISE else DEFAULT_DEDUCTION_CODE


def may_record(case: Case) -> bool:
    """A substantiated (or partly) case being handled or replied to, with nothing recorded yet."""
    return (
        case.record_id is None
        and case.finding in (Finding.SUBSTANTIATED, Finding.PARTLY)
        and case.state in (CaseState.HANDLING, CaseState.REPLIED)
    )


def may_open_item(case: Case) -> bool:
    return (
        case.item_id is None
        and case.kind != CaseKind.PRAISE
        and case.finding in (Finding.SUBSTANTIATED, Finding.PARTLY)
        and case.state in (CaseState.HANDLING, CaseState.REPLIED)
    )


def _service_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


@transaction.atomic
def case_record_score(
    *,
    case: Case,
    by,
    standard: Standard,
    code: str = "",
    day: date | None = None,
    count: int = 1,
    note: str = "",
    expected_version: int,
) -> Record:
    """Record what a substantiated case means for the department's score through
    ``scoring.services.record_create``: a complaint or petition a deduction finding (C1 by default),
    verified praise a bonus (F1), dated ``day`` (the day the case was received by default). A
    finalized period refuses it (the message says which); then nothing is written."""
    from wenming.scoring.services import record_create

    _ensure_office(by)
    current = _locked(case)
    _ensure_version(current, expected_version)
    if not may_record(current):
        if current.record_id is not None:
            raise CaseError(_("This case has already recorded %(code)s.") % {"code": current.record.code})
        raise CaseError(_("Only a substantiated case being handled or replied to can record a deduction or a bonus."))
    code = (code or default_code(current)).strip()
    day = day or current.received_on
    note = _text(note, field="note", limit=500) or case_label(current)
    try:
        with transaction.atomic():
            record = record_create(
                standard=standard,
                kind=record_kind_for(current),
                subject=current.department,
                code=code,
                date=day,
                count=count,
                note=note,
                by=by,
            )
    except ValidationError as error:
        raise CaseError(_service_messages(error)) from None
    current.record = record
    current.version += 1
    current.save(update_fields=["record", "version", "updated_at"])
    _audit(
        current,
        by=by,
        action="complaints.case.scored",
        data={"standard": standard.code, "code": code, "date": day, "count": count, "record": f"#{record.pk}"},
    )
    _notify(current, by=by, kind="complaints.case.scored", code=code, office=False)
    return record


@transaction.atomic
def case_open_item(
    *,
    case: Case,
    by,
    problem: str,
    deadline: date,
    responsible: Staff | None = None,
    expected_version: int,
):
    """Open a rectification item (source 投诉) for the problem a substantiated complaint or petition
    showed, through ``rectification.services.item_open``; the case links it."""
    from wenming.rectification.services import item_open

    _ensure_office(by)
    current = _locked(case)
    _ensure_version(current, expected_version)
    if not may_open_item(current):
        if current.item_id is not None:
            raise CaseError(_("This case has already opened a rectification item."))
        raise CaseError(
            _("Only a substantiated complaint or petition being handled or replied to can open a rectification item.")
        )
    try:
        with transaction.atomic():
            item = item_open(
                department=current.department,
                problem=problem if (problem or "").strip() else case_label(current),
                source=Source.COMPLAINT,
                deadline=deadline,
                by=by,
                responsible=responsible if responsible is not None else current.staff,
            )
    except ValidationError as error:
        raise CaseError(_service_messages(error)) from None
    current.item = item
    current.version += 1
    current.save(update_fields=["item", "version", "updated_at"])
    _audit(current, by=by, action="complaints.case.item_opened", data={"item": f"#{item.pk}", "deadline": deadline})
    return item
