"""Writes of evaluation rounds: create and edit (draft), open (builds the ballots), close, publish,
remind, the daily tasks, submitting ballots, feeding results into a standard, the sealed export.

States::

    draft ─open─▶ open ─close─▶ closed ─publish─▶ published
                        (closes_at passed: the daily task closes it)

Who may act: the office (文明办) and system administrators create, edit, open, close, publish,
remind and feed; every person with a staff record submits their own ballots; only system
administrators, with a reason, export the sealed ballots (the only place a rater and a score meet).

Each transition locks the round's row, checks ``expected_version`` (when given) and the state it
starts from, bumps ``version`` and writes one audit entry.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Department, DepartmentCategory, Role, Staff, StaffStatus
from wenming.scoring.periods import parse_period

from .assignment import Person, Plan, assign
from .models import BALLOT_GROUPS, Ballot, Ratee, RaterGroup, Round, RoundGroup, RoundState, Score, default_min_raters
from .sealing import seal, unseal

MAX_TITLE = 100
MAX_REASON = 500
MAX_MIN_RATERS = 50
MAX_SAMPLE = 100


class RoundError(ValidationError):
    """Something a person can fix (a translated message, or messages keyed by field)."""


class RoundConflict(RoundError):
    """The round was changed by someone else after the page was shown."""


class RoundNotAllowed(RoundError):
    """The person may not do this (views answer 403/404 before it comes to this)."""


# --- Who ------------------------------------------------------------------------------------------


def is_office_access(access) -> bool:
    return access.is_office or access.is_system_admin


def is_office(user) -> bool:
    return is_office_access(access_for(user))


def may_read_rounds(access) -> bool:
    """The rounds list: the office, system administrators, the leadership group, department heads."""
    return is_office_access(access) or access.has(Role.LEADERSHIP) or access.is_department_head


def has_staff(access) -> bool:
    return access.staff_id is not None


def _ensure_office(by) -> None:
    if not is_office(by):
        raise RoundNotAllowed(_("Only the civility office can do this."))


def _staff_of(user) -> Staff | None:
    staff_id = access_for(user).staff_id
    return Staff.objects.filter(pk=staff_id).first() if staff_id else None


# --- Helpers --------------------------------------------------------------------------------------


def round_url(round: Round) -> str:
    return reverse("rounds:detail", args=[round.pk])


def _audit(round: Round, *, by, action: str, data: Mapping | None = None) -> None:
    audit_log(actor=by, action=action, target=round, target_repr=round.title, data=data or {})


def _locked(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


def _ensure_version(round: Round, expected_version: int | None) -> None:
    if expected_version is not None and round.version != expected_version:
        raise RoundConflict(
            _(
                "Someone else changed this round after you opened it; it is now %(state)s. "
                "Nothing was saved: reload the page and try again."
            )
            % {"state": round.get_state_display()},
            code="conflict",
        )


def _ensure_state(round: Round, *states: str, message: str) -> None:
    if round.state not in states:
        raise RoundError(message % {"state": round.get_state_display()})


def _move(round: Round, *, to: str, fields: Iterable[str] = ()) -> str:
    before = round.state
    round.state = to
    round.version += 1
    round.save(update_fields=[*fields, "state", "version", "updated_at"])
    return before


# --- Create and edit ------------------------------------------------------------------------------


def _clean(
    *,
    title: str,
    purpose: str,
    period_key: str,
    whole_hospital: bool,
    departments: Iterable[Department],
    opens_at: datetime,
    closes_at: datetime,
    groups: Mapping[str, Decimal],
    patient_from: date | None,
    patient_to: date | None,
    min_raters: int,
    functional_sample: int,
    peer_sample: int | None,
) -> dict:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Give the round a title."))
    elif len(title) > MAX_TITLE:
        errors.setdefault("title", []).append(_("Keep the title under %(max)d characters.") % {"max": MAX_TITLE})
    if purpose not in ("general", "commitment"):
        errors.setdefault("purpose", []).append(_("Choose the purpose of the round."))
    period = None
    try:
        period = parse_period(period_key)
    except (ValueError, TypeError) as exc:
        errors.setdefault("period_key", []).append(str(exc))
    departments = list(departments)
    if not whole_hospital and not departments:
        errors.setdefault("departments", []).append(
            _("Choose the departments whose staff are evaluated, or the whole hospital.")
        )
    if opens_at and closes_at and closes_at <= opens_at:
        errors.setdefault("closes_at", []).append(_("The round must close after it opens."))
    cleaned_groups: dict[str, Decimal] = {}
    for group, weight in (groups or {}).items():
        if group not in RaterGroup.values:
            continue
        weight = Decimal(weight)
        if weight <= 0 or weight > 100:
            errors.setdefault("groups", []).append(
                _("The weight of %(group)s must be more than 0 and at most 100.") % {"group": RaterGroup(group).label}
            )
        cleaned_groups[group] = weight
    if not cleaned_groups:
        errors.setdefault("groups", []).append(_("Choose at least one rater group and give it a weight."))
    if period is not None:
        patient_from = patient_from or period.start
        patient_to = patient_to or date.fromordinal(period.end.toordinal() - 1)
    if patient_from and patient_to and patient_to < patient_from:
        errors.setdefault("patient_to", []).append(_("The end of the patient window is before its start."))
    floor = default_min_raters()
    if not floor <= int(min_raters) <= MAX_MIN_RATERS:
        # Fewer than the hospital's minimum would let a small group's mean give a rater away.
        errors.setdefault("min_raters", []).append(
            _("The minimum number of raters must be between %(min)d and %(max)d.")
            % {"min": floor, "max": MAX_MIN_RATERS}
        )
    if not 1 <= int(functional_sample) <= MAX_SAMPLE:
        errors.setdefault("functional_sample", []).append(
            _("The sample size must be between 1 and %(max)d.") % {"max": MAX_SAMPLE}
        )
    if peer_sample is not None and not 1 <= int(peer_sample) <= MAX_SAMPLE:
        errors.setdefault("peer_sample", []).append(
            _("The sample size must be between 1 and %(max)d.") % {"max": MAX_SAMPLE}
        )
    if errors:
        raise RoundError(errors)
    return {
        "title": title,
        "purpose": purpose,
        "period_key": period.key,
        "whole_hospital": bool(whole_hospital),
        "departments": [] if whole_hospital else departments,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "groups": cleaned_groups,
        "patient_from": patient_from,
        "patient_to": patient_to,
        "min_raters": int(min_raters),
        "functional_sample": int(functional_sample),
        "peer_sample": int(peer_sample) if peer_sample is not None else None,
    }


def _snapshot(round: Round) -> dict:
    return {
        "title": round.title,
        "purpose": round.purpose,
        "period_key": round.period_key,
        "whole_hospital": round.whole_hospital,
        "departments": sorted(d.code for d in round.departments.all()),
        "opens_at": round.opens_at.isoformat() if round.opens_at else None,
        "closes_at": round.closes_at.isoformat() if round.closes_at else None,
        "patient_window": f"{round.patient_from}~{round.patient_to}",
        "min_raters": round.min_raters,
        "drop_extremes": round.drop_extremes,
        "functional_sample": round.functional_sample,
        "peer_sample": round.peer_sample,
        "groups": {g.group: str(g.weight) for g in round.groups.order_by("group")},
    }


def _apply(round: Round, data: dict, drop_extremes: bool) -> None:
    for name in (
        "title",
        "purpose",
        "period_key",
        "whole_hospital",
        "opens_at",
        "closes_at",
        "patient_from",
        "patient_to",
        "min_raters",
        "functional_sample",
        "peer_sample",
    ):
        setattr(round, name, data[name])
    round.drop_extremes = bool(drop_extremes)


@transaction.atomic
def round_create(
    *,
    by,
    title: str,
    purpose: str,
    period_key: str,
    opens_at: datetime,
    closes_at: datetime,
    groups: Mapping[str, Decimal],
    whole_hospital: bool = False,
    departments: Iterable[Department] = (),
    patient_from: date | None = None,
    patient_to: date | None = None,
    min_raters: int | None = None,
    drop_extremes: bool = False,
    functional_sample: int = 5,
    peer_sample: int | None = None,
) -> Round:
    """A new round, in draft. ``groups`` maps rater groups to weights; the patient window defaults
    to the period's dates."""
    _ensure_office(by)
    if min_raters is None:
        min_raters = default_min_raters()
    data = _clean(
        title=title,
        purpose=purpose,
        period_key=period_key,
        whole_hospital=whole_hospital,
        departments=departments,
        opens_at=opens_at,
        closes_at=closes_at,
        groups=groups,
        patient_from=patient_from,
        patient_to=patient_to,
        min_raters=min_raters,
        functional_sample=functional_sample,
        peer_sample=peer_sample,
    )
    round = Round(
        created_by=by if getattr(by, "pk", None) else None, sample_seed=random.SystemRandom().randrange(1, 2**31)
    )
    _apply(round, data, drop_extremes)
    round.save()
    RoundGroup.objects.bulk_create([RoundGroup(round=round, group=g, weight=w) for g, w in data["groups"].items()])
    round.departments.set(data["departments"])
    _audit(round, by=by, action="rounds.round.created", data=_snapshot(round))
    return round


@transaction.atomic
def round_update(*, by, round: Round, expected_version: int, drop_extremes: bool = False, **fields) -> Round:
    """Change a round while it is a draft (the same fields as :func:`round_create`)."""
    _ensure_office(by)
    current = _locked(round)
    _ensure_version(current, expected_version)
    _ensure_state(current, RoundState.DRAFT, message=_("The round is %(state)s; only a draft can be changed."))
    before = _snapshot(current)
    fields.setdefault("min_raters", current.min_raters)
    data = _clean(**fields)
    _apply(current, data, drop_extremes)
    current.version += 1
    current.save()
    current.groups.all().delete()
    RoundGroup.objects.bulk_create([RoundGroup(round=current, group=g, weight=w) for g, w in data["groups"].items()])
    current.departments.set(data["departments"])
    after = _snapshot(current)
    changed = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changed:
        _audit(current, by=by, action="rounds.round.updated", data=changed)
    return current


# --- Open: the ratees and the ballots -------------------------------------------------------------


def _ratee_staff(round: Round):
    staff = Staff.objects.filter(status=StaffStatus.ACTIVE, department__is_active=True)
    if not round.whole_hospital:
        paths = [d.path for d in round.departments.all()]
        flt = Q(pk__in=[])
        for path in paths:
            flt |= Q(department__path__startswith=path)
        staff = staff.filter(flt)
    return staff.select_related("department")


def _rater_staff():
    """Everyone who may rate: in post, with an active login."""
    return Staff.objects.filter(status=StaffStatus.ACTIVE, user__isnull=False, user__is_active=True)


def _person(staff) -> Person:
    return Person(
        id=staff["pk"],
        department_id=staff["department_id"],
        branch_id=staff["party_branch_id"],
        is_party_member=staff["is_party_member"],
    )


def build_ballots(round: Round, ratees: list[Staff]) -> list[Ballot]:
    """The ballots of a round (unsaved), by the assignment rules of ``assignment``."""
    groups = set(round.groups.values_list("group", flat=True)) & set(BALLOT_GROUPS)
    if not groups:
        return []
    fields = ("pk", "department_id", "party_branch_id", "is_party_member")
    raters = [_person(s) for s in _rater_staff().values(*fields)]
    leaders = set(_rater_staff().filter(user__roles__role=Role.LEADERSHIP).values_list("pk", flat=True))
    functional = set(
        _rater_staff()
        .filter(department__category=DepartmentCategory.ADMIN, department__is_active=True)
        .values_list("pk", flat=True)
    )
    plan = Plan(
        groups=frozenset(groups),
        functional_sample=round.functional_sample,
        peer_sample=round.peer_sample,
        seed=round.sample_seed,
    )
    people = [
        Person(id=s.pk, department_id=s.department_id, branch_id=s.party_branch_id, is_party_member=s.is_party_member)
        for s in ratees
    ]
    pairs = assign(plan=plan, ratees=people, raters=raters, leaders=leaders, functional=functional)
    return [Ballot(round=round, rater_id=r, ratee_id=e, group=g) for r, e, g in pairs]


@transaction.atomic
def round_open(*, by, round: Round, expected_version: int | None = None) -> Round:
    """draft → open: snapshot the people evaluated and build every ballot, in one transaction."""
    _ensure_office(by)
    current = _locked(round)
    _ensure_version(current, expected_version)
    _ensure_state(current, RoundState.DRAFT, message=_("The round is %(state)s; only a draft can be opened."))
    now = timezone.now()
    if current.closes_at <= now:
        raise RoundError({"closes_at": _("The round's closing time has already passed; change it first.")})
    ratees = list(_ratee_staff(current))
    if not ratees:
        raise RoundError(_("Nobody in post is in the chosen departments, so there is nobody to evaluate."))
    Ratee.objects.bulk_create(
        [Ratee(round=current, staff=s, department_id=s.department_id, post=s.post) for s in ratees], batch_size=1000
    )
    ballots = build_ballots(current, ratees)
    Ballot.objects.bulk_create(ballots, batch_size=1000)
    current.opened_at = now
    _move(current, to=RoundState.OPEN, fields=["opened_at"])
    raters = {b.rater_id for b in ballots}
    _audit(
        current,
        by=by,
        action="rounds.round.opened",
        data={"state": ["draft", "open"], "ratees": len(ratees), "ballots": len(ballots), "raters": len(raters)},
    )
    recipients = [s.user for s in Staff.objects.filter(pk__in=raters).select_related("user")]
    notify(
        recipients=recipients,
        kind="rounds.round.opened",
        params={"round": current.title, "closes": timezone.localtime(current.closes_at).strftime("%Y-%m-%d %H:%M")},
        url=reverse("rounds:ballot", args=[current.pk]),
        exclude=by,
    )
    return current


def _tally_scores(round: Round) -> int:
    """Write the anonymous score table of a closing round from its ballots' seals, in value order
    under random keys, all in one statement: while a round is open no score row exists, so neither
    row order nor transaction ids can tie a score to the ballot submitted with it. Returns how many
    seals could not be opened (another key configured since they were made; 0 normally)."""
    scores, unreadable = [], 0
    submitted = Ballot.objects.filter(round=round, submitted_at__isnull=False)
    for ratee_id, group, sealed in submitted.values_list("ratee_id", "group", "sealed").iterator():
        value = unseal(sealed)
        if value is None:
            unreadable += 1
            continue
        scores.append((ratee_id, group, value))
    Score.objects.filter(round=round).delete()
    Score.objects.bulk_create(
        [Score(round=round, ratee_id=r, group=g, value=v) for r, g, v in sorted(scores)], batch_size=1000
    )
    return unreadable


@transaction.atomic
def round_close(*, by, round: Round, expected_version: int | None = None) -> Round:
    """open → closed (``by`` None: the daily task, after ``closes_at``). No ballot is taken after."""
    if by is not None:
        _ensure_office(by)
    current = _locked(round)
    _ensure_version(current, expected_version)
    _ensure_state(current, RoundState.OPEN, message=_("The round is %(state)s; only an open round can be closed."))
    current.closed_at = timezone.now()
    _move(current, to=RoundState.CLOSED, fields=["closed_at"])
    unreadable = _tally_scores(current)
    submitted = Ballot.objects.filter(round=current, submitted_at__isnull=False).count()
    total = Ballot.objects.filter(round=current).count()
    data = {"state": ["open", "closed"], "submitted": submitted, "ballots": total}
    if unreadable:
        data["unreadable"] = unreadable
    _audit(current, by=by, action="rounds.round.closed", data=data)
    return current


@transaction.atomic
def round_publish(*, by, round: Round, expected_version: int | None = None) -> Round:
    """closed → published: the people evaluated and the heads may now read the results."""
    _ensure_office(by)
    current = _locked(round)
    _ensure_version(current, expected_version)
    _ensure_state(
        current, RoundState.CLOSED, message=_("The round is %(state)s; only a closed round can be published.")
    )
    current.published_at = timezone.now()
    _move(current, to=RoundState.PUBLISHED, fields=["published_at"])
    _audit(current, by=by, action="rounds.round.published", data={"state": ["closed", "published"]})
    ratees = Staff.objects.filter(pk__in=current.ratees.values("staff_id"), user__isnull=False).select_related("user")
    notify(
        recipients=[s.user for s in ratees],
        kind="rounds.round.published",
        params={"round": current.title},
        url=reverse("rounds:mine"),
        exclude=by,
    )
    return current


# --- Reminders and the daily task -----------------------------------------------------------------


def _pending_raters(round: Round) -> dict[int, int]:
    """{rater staff id: pending ballots} of a round."""
    counts: dict[int, int] = {}
    for rater_id in Ballot.objects.filter(round=round, submitted_at__isnull=True).values_list("rater_id", flat=True):
        counts[rater_id] = counts.get(rater_id, 0) + 1
    return counts


def _remind(round: Round, *, by) -> int:
    pending = _pending_raters(round)
    staff = Staff.objects.filter(pk__in=pending, user__isnull=False).select_related("user")
    url = reverse("rounds:ballot", args=[round.pk])
    closes = timezone.localtime(round.closes_at).strftime("%Y-%m-%d %H:%M")
    sent = 0
    for person in staff:
        sent += len(
            notify(
                recipients=[person.user],
                kind="rounds.ballots.pending",
                params={"round": round.title, "count": pending[person.pk], "closes": closes},
                url=url,
            )
        )
    return sent


@transaction.atomic
def round_remind(*, by, round: Round) -> int:
    """Notify every rater who still has ballots to fill in; returns how many were notified."""
    _ensure_office(by)
    current = _locked(round)
    _ensure_state(current, RoundState.OPEN, message=_("The round is %(state)s; only an open round has reminders."))
    sent = _remind(current, by=by)
    current.reminded_on = timezone.localdate()
    current.save(update_fields=["reminded_on"])
    _audit(current, by=by, action="rounds.round.reminded", data={"reminded": sent})
    return sent


def rounds_daily(*, now: datetime | None = None) -> dict:
    """The daily task: close the open rounds whose ``closes_at`` passed; remind the raters of the
    others (once a day per round)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = reminded = 0
    for round in Round.objects.filter(state=RoundState.OPEN, closes_at__lte=now):
        round_close(by=None, round=round)
        closed += 1
    for round in Round.objects.filter(state=RoundState.OPEN, opens_at__lte=now).exclude(reminded_on=today):
        with transaction.atomic():
            current = _locked(round)
            if current.state != RoundState.OPEN or current.reminded_on == today:
                continue
            sent = _remind(current, by=None)
            current.reminded_on = today
            current.save(update_fields=["reminded_on"])
            if sent:
                _audit(current, by=None, action="rounds.round.reminded", data={"reminded": sent})
            reminded += sent
    return {"closed": closed, "reminded": reminded}


# --- Ballots --------------------------------------------------------------------------------------


def round_accepts_ballots(round: Round, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return round.state == RoundState.OPEN and round.opens_at <= now < round.closes_at


@transaction.atomic
def ballots_submit(*, by, round: Round, scores: Mapping[int, int]) -> int:
    """Submit the rater's scores ``{ballot id: 0–100}`` (only the ballots given; the rest stay
    pending). Each ballot gets its sealed copy and the time; the anonymous :class:`Score` rows are
    written from the seals when the round closes (:func:`_tally_scores`). A submitted ballot cannot
    be changed. Returns how many were submitted."""
    staff = _staff_of(by)
    if staff is None:
        raise RoundNotAllowed(_("Only staff members fill in ballots."))
    current = Round.objects.select_for_update().get(pk=round.pk)
    if not round_accepts_ballots(current):
        raise RoundError(_("This round is not taking ballots now: it is %(state)s.") % {"state": _window(current)})
    if not scores:
        raise RoundError(_("Enter at least one score."))
    errors: dict[str, list[str]] = {}
    values: dict[int, int] = {}
    for ballot_id, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors.setdefault(f"score_{ballot_id}", []).append(_("A score is a whole number from 0 to 100."))
        else:
            values[int(ballot_id)] = value
    if errors:
        raise RoundError(errors)
    ballots = list(
        Ballot.objects.select_for_update().filter(round=current, rater=staff, pk__in=list(values)).order_by("pk")
    )
    if len(ballots) != len(values):
        raise RoundError(_("Some of these ballots are not yours."))
    done = [b for b in ballots if b.submitted_at is not None]
    if done:
        raise RoundError(_("Some of these ballots were already submitted; a submitted ballot cannot be changed."))
    now = timezone.now()
    for ballot in ballots:
        ballot.submitted_at = now
        ballot.sealed = seal(values[ballot.pk])
    Ballot.objects.bulk_update(ballots, ["submitted_at", "sealed"])
    audit_log(
        actor=by,
        action="rounds.ballots.submitted",
        target=current,
        target_repr=current.title,
        data={"ballots": len(ballots)},
    )
    return len(ballots)


def _window(round: Round) -> str:
    if round.state == RoundState.OPEN and timezone.now() < round.opens_at:
        return _("not yet open")
    if round.state == RoundState.OPEN:
        return _("past its closing time")
    return str(round.get_state_display())
