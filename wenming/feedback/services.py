"""Writes of patient feedback and rating codes.

Who: anybody with a code submits feedback (the public page, no login); the civility office and
system administrators generate and retire codes and review flagged feedback (the views check it).

**Submitting** (:func:`feedback_submit`) is the hot path (scan → rate → submit, ≥500/s wanted): the
code comes from the cache, the stuffing checks read one small indexed query (two at night), and the
feedback is one insert. ``submission_id`` is unique, so a resubmission or a double tap finds the row
already there and answers like the first time. Public submissions are not audited one by one: the
row itself is the record; what people do with it (clear, confirm invalid) is.

**Stuffing is flagged, never dropped.** A submission gets ``flag_reasons`` and stays out of the
scores (``is_valid=False``, ``review_status="pending"``) until someone clears it:

- ``burst`` — more than :data:`BURST_COUNT` (5) submissions for the same code from the same client
  within :data:`BURST_WINDOW` (10 minutes): this one is the 6th or later.
- ``repeated`` — the same overall rating and comment as the client's two previous submissions for
  this code, all within a day (three identical answers running).
- ``too_fast`` — submitted less than :data:`MIN_SECONDS` (3 s) after the page was drawn (the form
  carries a signed render time; one that does not verify or belongs to another form counts as
  instant). A form without the render time (an old page, another client) is not judged on speed.
- ``odd_hours`` — given between 0:00 and 5:00 hospital time while this code has no valid feedback
  at that hour in the previous 30 days.

A *client* is the hashed pair (address, browser): hospital Wi-Fi puts many patients behind one
address, but their phones differ, so a handful of ordinary submissions a minute from one address
count. The raw address is never stored (sha256 with a server secret, 16 hex characters).

**Rate limits** (the Django cache, fixed one-minute windows) answer politely with HTTP 429 above
the settings ``WENMING_FEEDBACK_CODE_PER_MINUTE`` (default 60) submissions a minute for one code and
``WENMING_FEEDBACK_CLIENT_PER_MINUTE`` (default 10) a minute from one client.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.models import Department, Staff, StaffStatus
from wenming.org.selectors import current_hospital
from wenming.questionnaires.models import RatingAnswer
from wenming.questionnaires.selectors import FormSpec
from wenming.questionnaires.services import answers_clean, rating_answers_build
from wenming.scoring.periods import local_date

from .freshness import feedback_added, feedback_changed
from .models import Channel, CodeKind, Feedback, RatingCode, ReviewStatus
from .selectors import CodeInfo, code_cache_key, code_lookup

COMMENT_MAX = 500
BURST_COUNT = 5
BURST_WINDOW = timedelta(minutes=10)
REPEAT_WINDOW = timedelta(days=1)
MIN_SECONDS = 3
NIGHT_END_HOUR = 5
HABIT_WINDOW = timedelta(days=30)

_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_FORM_SALT = "wenming.feedback.form"


class FeedbackError(ValidationError):
    """A refused change, with a message for the person (keyed by field where there is one)."""


# --- Codes ----------------------------------------------------------------------------------


def new_code() -> str:
    """10 random base32 characters (50 bits) that no code has yet."""
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        if not RatingCode.objects.filter(code=code).exists():
            return code


def _forget(codes) -> None:
    cache.delete_many([code_cache_key(code) for code in codes])


@transaction.atomic
def rating_codes_ensure(*, by=None) -> dict[str, int]:
    """Give every active department and every staff member in post an active code (idempotent), and
    retire the codes of departments no longer active and of staff who left. Returns the counts."""
    active = RatingCode.objects.filter(active=True)
    have_department = set(active.filter(kind=CodeKind.DEPARTMENT).values_list("department_id", flat=True))
    have_staff = set(active.filter(kind=CodeKind.STAFF).values_list("staff_id", flat=True))
    taken = set(RatingCode.objects.values_list("code", flat=True))

    def fresh() -> str:
        while True:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
            if code not in taken:
                taken.add(code)
                return code

    creating = [
        RatingCode(kind=CodeKind.DEPARTMENT, code=fresh(), department_id=pk, created_by=by)
        for pk in Department.objects.filter(is_active=True).order_by("path").values_list("pk", flat=True)
        if pk not in have_department
    ]
    creating += [
        RatingCode(kind=CodeKind.STAFF, code=fresh(), department_id=department_id, staff_id=pk, created_by=by)
        for pk, department_id in Staff.objects.filter(status=StaffStatus.ACTIVE, department__is_active=True)
        .order_by("staff_no")
        .values_list("pk", "department_id")
        if pk not in have_staff
    ]
    RatingCode.objects.bulk_create(creating, batch_size=1000)
    retiring = active.filter(department__is_active=False) | active.filter(
        kind=CodeKind.STAFF, staff__status=StaffStatus.LEFT
    )
    retired = list(retiring.values_list("code", flat=True))
    if retired:
        RatingCode.objects.filter(code__in=retired).update(active=False)
        transaction.on_commit(lambda: _forget(retired))
    counts = {"created": len(creating), "retired": len(retired)}
    if creating or retired:
        audit_log(
            actor=by,
            action="feedback.codes.generated",
            target_repr=_("%(created)d new, %(retired)d retired") % counts,
            data=counts,
        )
    return counts


@transaction.atomic
def rating_point_add(*, by, department: Department, label: str) -> RatingCode:
    """A code for a service point (a ward, a window) of a department; its feedback counts for it."""
    label = (label or "").strip()
    if not label:
        raise FeedbackError({"label": _("Name the service point, for example “Window 3”.")})
    if not department.is_active:
        raise FeedbackError({"department": _("This department is no longer active.")})
    if RatingCode.objects.filter(kind=CodeKind.POINT, department=department, label=label, active=True).exists():
        raise FeedbackError({"label": _("This department already has an active service point with this name.")})
    code = RatingCode.objects.create(
        kind=CodeKind.POINT, code=new_code(), department=department, label=label, created_by=by
    )
    audit_log(
        actor=by,
        action="feedback.point.added",
        target=code,
        department=department,
        data={"code": code.code, "label": label},
    )
    return code


@transaction.atomic
def rating_code_deactivate(*, by, code: RatingCode) -> RatingCode:
    """Retire a code: its page answers "not found" from now on. For a department or staff member,
    generating codes again issues a replacement (when a code was misused or its card lost)."""
    code = RatingCode.objects.select_for_update(of=("self",)).get(pk=code.pk)
    if not code.active:
        raise FeedbackError(_("This code is already inactive."))
    code.active = False
    code.save(update_fields=["active"])
    audit_log(
        actor=by,
        action="feedback.code.deactivated",
        target=code,
        department=code.department,
        data={"active": [True, False]},
    )
    value = code.code
    transaction.on_commit(lambda: _forget([value]))
    return code


# --- The public form ------------------------------------------------------------------------


def form_token(*, code: str, submission_id: str, at: float | None = None) -> str:
    """The signed render time the form carries (for the ``too_fast`` check)."""
    moment = int((timezone.now().timestamp() if at is None else at) * 1000)
    return signing.dumps([code, submission_id, moment], salt=_FORM_SALT, compress=False)


def form_started_at(token: str, *, code: str, submission_id: str) -> datetime | None:
    """When the form was drawn. None without a token; *now* when the token does not verify or
    belongs to another code or submission (a forged render time counts as instant completion)."""
    if not token:
        return None
    try:
        token_code, token_submission, moment = signing.loads(token, salt=_FORM_SALT)
        if token_code != code or token_submission != submission_id:
            raise signing.BadSignature
        return datetime.fromtimestamp(int(moment) / 1000, tz=UTC)
    except (signing.BadSignature, ValueError, TypeError):
        return timezone.now()


def client_key(address: str | None, user_agent: str = "") -> str:
    """A client's key: sha256 of its address and browser with a server secret, 16 hex characters."""
    secret = hashlib.sha256(f"wenming.feedback.client:{settings.SECRET_KEY}".encode()).digest()
    message = f"{address or ''}\n{(user_agent or '')[:300]}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


def _hit(key: str, window: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, window * 2):
            return 1
        return cache.incr(key)


def submission_allowed(*, code: str, client: str) -> bool:
    """Count this attempt against the per-code and per-client limits; False once either is passed."""
    minute = int(time.time() // 60)
    per_code = settings.WENMING_FEEDBACK_CODE_PER_MINUTE
    per_client = settings.WENMING_FEEDBACK_CLIENT_PER_MINUTE
    code_ok = _hit(f"feedback:rl:code:{code}:{minute}", 60) <= per_code
    client_ok = _hit(f"feedback:rl:client:{client}:{minute}", 60) <= per_client
    return code_ok and client_ok


def clean_submission_id(value) -> str:
    """The submission id as 32 hex characters; FeedbackError when it is not a UUID."""
    try:
        return uuid.UUID(str(value or "").strip()).hex
    except ValueError:
        raise FeedbackError({"submission_id": _("This form has expired. Please give your rating again.")}) from None


def clean_overall(value) -> int:
    try:
        overall = int(str(value).strip())
    except (TypeError, ValueError):
        overall = 0
    if not 1 <= overall <= 5:
        raise FeedbackError({"overall": _("Please choose a rating from 1 to 5 stars.")})
    return overall


def clean_comment(value) -> str:
    comment = (value or "").strip()
    if len(comment) > COMMENT_MAX:
        raise FeedbackError(
            {"comment": _("Please keep the comment to %(max)d characters or fewer.") % {"max": COMMENT_MAX}}
        )
    return comment


@dataclass(frozen=True)
class Submission:
    feedback: Feedback
    created: bool  # False when this submission_id had already been received


def _flags(*, info: CodeInfo, key: str, overall: int, comment: str, now: datetime, tz, started_at) -> list[str]:
    reasons = []
    recent = list(
        Feedback.objects.filter(rating_code_id=info.pk, client_key=key)
        .order_by("-at")
        .values_list("at", "overall", "comment")[:BURST_COUNT]
    )
    if len(recent) >= BURST_COUNT and recent[-1][0] >= now - BURST_WINDOW:
        reasons.append("burst")
    if len(recent) >= 2 and all(at >= now - REPEAT_WINDOW and o == overall and c == comment for at, o, c in recent[:2]):
        reasons.append("repeated")
    if started_at is not None and (now - started_at).total_seconds() < MIN_SECONDS:
        reasons.append("too_fast")
    local = now.astimezone(tz)
    if local.hour < NIGHT_END_HOUR:
        with timezone.override(tz):
            usual = Feedback.objects.filter(
                rating_code_id=info.pk, is_valid=True, at__gte=now - HABIT_WINDOW, at__lt=now, at__hour=local.hour
            ).exists()
        if not usual:
            reasons.append("odd_hours")
    return reasons


def feedback_submit(
    *,
    code: CodeInfo | str,
    overall,
    comment: str = "",
    submission_id,
    client: str | None,
    user_agent: str = "",
    started_at: datetime | None = None,
    questionnaire: FormSpec | None = None,
    answers_data=None,
    kiosk: bool = False,
) -> Submission:
    """Record one patient's rating through a code (see the module's docstring for the checks).

    ``client`` is the client's address (hashed here, never stored); ``started_at`` when the form
    was drawn (:func:`form_started_at`). ``questionnaire`` is the version the form asked and
    ``answers_data`` what it posted (``q_<key>`` fields). From a discharge-desk kiosk (``kiosk``)
    one device sends many ratings on purpose: the burst and repeat checks do not apply. Raises
    FeedbackError (keyed by field) for a bad rating, comment, answer or submission id, or an
    unknown code."""
    info = code if isinstance(code, CodeInfo) else code_lookup(code)
    if info is None:
        raise FeedbackError({"code": _("This rating code does not exist or is no longer in use.")})
    errors = {}
    overall = _cleaned(clean_overall, overall, errors)
    comment = _cleaned(clean_comment, comment, errors)
    submission_id = _cleaned(clean_submission_id, submission_id, errors)
    answers = _answers(questionnaire, answers_data, errors)
    if errors:
        raise FeedbackError(errors)
    key = client_key(client, user_agent)
    now = timezone.now()
    tz = ZoneInfo(current_hospital().time_zone)
    reasons = _flags(info=info, key=key, overall=overall, comment=comment, now=now, tz=tz, started_at=started_at)
    if kiosk:
        reasons = [r for r in reasons if r not in ("burst", "repeated")]
    feedback = Feedback(
        department_id=info.department_id,
        staff_id=info.staff_id if info.is_staff else None,
        rating_code_id=info.pk,
        at=now,
        local_date=local_date(now, tz),
        overall=overall,
        comment=comment,
        submission_id=submission_id,
        client_key=key,
        flag_reasons=reasons,
        is_valid=not reasons,
        review_status=ReviewStatus.PENDING if reasons else ReviewStatus.NONE,
        channel=Channel.KIOSK if kiosk else Channel.QR,
        questionnaire_version_id=questionnaire.pk if questionnaire and answers else None,
        answers=answers,
    )
    try:
        with transaction.atomic():
            _save(feedback, questionnaire)
            _check_alerts(feedback)
            feedback_added()
    except IntegrityError:
        existing = Feedback.objects.filter(submission_id=submission_id).first()
        if existing is None:
            raise
        return Submission(existing, created=False)
    return Submission(feedback, created=True)


def _cleaned(clean, value, errors: dict, *, empty=None):
    """``clean(value)``, or ``empty`` with the error's messages added to ``errors`` (so that every
    problem of a submission is reported at once)."""
    try:
        return clean(value)
    except ValidationError as error:
        errors.update(error.message_dict)
        return empty


def _answers(questionnaire: FormSpec | None, data, errors: dict) -> dict:
    if questionnaire is None or data is None:
        return {}
    return _cleaned(lambda d: answers_clean(version=questionnaire, data=d), data, errors, empty={})


def _check_alerts(feedback: Feedback) -> None:
    """Once committed, the office's alert rules look at valid feedback that could trip one (a
    rating of 4 or lower — the office may raise the low-rating threshold that far — or a comment,
    for the keywords): in a worker in production, right away in the embedded set-up."""
    if feedback.is_valid and (feedback.comment or feedback.overall <= 4):
        from wenming.alerts.tasks import feedback_check

        pk = feedback.pk
        transaction.on_commit(lambda: feedback_check.delay(pk))


def _save(feedback: Feedback, questionnaire: FormSpec | None) -> None:
    """Insert the feedback and its rating answers (call inside a transaction)."""
    feedback.save(force_insert=True)
    rows = rating_answers_build(version=questionnaire, answers=feedback.answers, feedback_id=feedback.pk)
    if rows:
        RatingAnswer.objects.bulk_create(rows)


def feedback_record(
    *,
    by,
    department: Department,
    overall,
    staff: Staff | None = None,
    answers: dict | None = None,
    comment: str = "",
    channel: str = Channel.OFFICE,
    questionnaire_version: FormSpec | None = None,
    at: datetime | None = None,
) -> Feedback:
    """Feedback a person took down (a follow-up call, a paper form typed in by the office):
    valid at once, audited. ``answers`` were checked with
    :func:`wenming.questionnaires.services.answers_clean` against ``questionnaire_version``."""
    errors = {}
    overall = _cleaned(clean_overall, overall, errors)
    comment = _cleaned(clean_comment, comment, errors)
    if staff is not None and staff.department_id != department.pk:
        errors["staff"] = _("This staff member is not in the department.")
    if errors:
        raise FeedbackError(errors)
    at = at or timezone.now()
    tz = ZoneInfo(current_hospital().time_zone)
    answers = answers or {}
    feedback = Feedback(
        department=department,
        staff=staff,
        at=at,
        local_date=local_date(at, tz),
        overall=overall,
        comment=comment,
        channel=channel,
        questionnaire_version_id=questionnaire_version.pk if questionnaire_version and answers else None,
        answers=answers,
    )
    with transaction.atomic():
        _save(feedback, questionnaire_version)
        _check_alerts(feedback)
        feedback_changed()
        audit_log(
            actor=by,
            action="feedback.feedback.recorded",
            target=feedback,
            target_repr=f"#{feedback.pk}",
            department=department,
            data={"channel": channel, "overall": overall},
        )
    return feedback


# --- Review ---------------------------------------------------------------------------------


def _review(*, feedback: Feedback, by, status: str, valid: bool, action: str, note: str) -> Feedback:
    with transaction.atomic():
        row = Feedback.objects.select_for_update(of=("self",)).get(pk=feedback.pk)
        if row.review_status != ReviewStatus.PENDING:
            raise FeedbackError(_("This feedback has already been reviewed."))
        before = {"is_valid": row.is_valid, "review_status": row.review_status}
        row.is_valid = valid
        row.review_status = status
        row.reviewed_by = by
        row.reviewed_at = timezone.now()
        row.save(update_fields=["is_valid", "review_status", "reviewed_by", "reviewed_at"])
        feedback_changed()
        audit_log(
            actor=by,
            action=action,
            target=row,
            target_repr=f"#{row.pk}",
            department=row.department,
            data={
                "is_valid": [before["is_valid"], valid],
                "review_status": [before["review_status"], status],
                "flag_reasons": row.flag_reasons,
                **({"note": note} if note else {}),
            },
        )
    return row


def feedback_clear(*, feedback: Feedback, by, note: str = "") -> Feedback:
    """A person looked at flagged feedback and found it genuine: it counts from now on (and the
    alert rules look at it now)."""
    with transaction.atomic():
        row = _review(
            feedback=feedback,
            by=by,
            status=ReviewStatus.CLEARED,
            valid=True,
            action="feedback.feedback.cleared",
            note=note,
        )
        _check_alerts(row)
    return row


def feedback_reject(*, feedback: Feedback, by, note: str = "") -> Feedback:
    """A person confirmed flagged feedback as invalid (stuffing): it never counts."""
    return _review(
        feedback=feedback,
        by=by,
        status=ReviewStatus.REJECTED,
        valid=False,
        action="feedback.feedback.rejected",
        note=note,
    )
