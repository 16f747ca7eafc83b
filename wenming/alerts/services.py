"""Writes of alerts: checking feedback against the rules, the weekly check, acknowledging an alert,
and the office's changes to the rules.

**When alerts are raised.** :func:`feedback_check` runs (as a Celery task) after a feedback is
committed, and again when flagged feedback is cleared: only *valid* feedback is checked, so
flagged (possible stuffing) or invalid feedback never alerts. :func:`weekly_check` runs on Monday
mornings (Celery beat) for the last complete ISO weeks. Each alert is raised once — a unique
constraint per rule and feedback, and per rule, department and week — so running a check twice,
or two workers at once, raises nothing new. Raising an alert notifies the heads of its department
(and of the departments above it) and the civility office; it is not audited one by one (the row
is the record); acknowledging it is.

**Below target** (``below_target``): a week *counts* when the department had at least
``min_sample`` valid feedback in it and its satisfaction rate (feedback rated 4 or 5 ÷ valid
feedback, compared exactly) was below ``target``. When ``weeks`` consecutive weeks count, the last
of them raises an alert — and, while the run goes on, every ``weeks`` weeks after (a run of four
weeks with ``weeks`` = 2 alerts after the second and the fourth). A week short of the sample breaks
the run. The check looks at the last :data:`LOOKBACK_WEEKS` complete weeks, so a missed Monday
catches up.

**Who may act:** the office and system administrators change the rules; they and the heads of an
alert's department acknowledge it (the views refuse everyone else first).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes
from wenming.core.formatting import percent
from wenming.feedback.models import Feedback
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Department, Role
from wenming.org.selectors import current_hospital, hospital_today

from .models import FEEDBACK_KINDS, Alert, AlertKind, AlertRule, AlertStatus
from .selectors import may_acknowledge, may_manage_rules, monday_of, week_label

SATISFIED_MIN = 4  # as the scoring rule ``satisfaction`` counts a satisfied patient (4 or 5 of 5)
LOOKBACK_WEEKS = 4
NOTE_MAX = 500
NAME_MAX = 100
MAX_KEYWORDS = 50
KEYWORD_MAX = 20
MAX_WEEKS = 12
MAX_SAMPLE = 10_000


class AlertError(ValidationError):
    """A refused change, with a message for the person (keyed by field where there is one)."""


class AlertConflict(AlertError):
    """Someone else changed the alert or rule after the page was shown."""


class AlertNotAllowed(AlertError):
    """The person may not do this (views answer 403/404 before it comes to this)."""


# --- Matching -------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def keywords_in(text: str, keywords) -> list[str]:
    """The keywords that occur in ``text`` (full-width and case folded), in the rule's order."""
    folded = _fold(text)
    return [word for word in keywords if word and _fold(word) in folded]


def _feedback_params(rule: AlertRule, feedback: Feedback) -> dict | None:
    """What makes ``feedback`` raise an alert of ``rule``, or None."""
    if rule.kind == AlertKind.LOW_RATING:
        if feedback.overall <= rule.threshold:
            return {"overall": feedback.overall, "threshold": rule.threshold}
        return None
    if rule.kind == AlertKind.KEYWORD and feedback.overall <= rule.max_overall:
        found = keywords_in(feedback.comment, rule.keywords)
        if found:
            return {"keywords": found, "overall": feedback.overall}
    return None


# --- Raising --------------------------------------------------------------------------------------


def alert_url(alert: Alert) -> str:
    return reverse("alerts:detail", args=[alert.pk])


def _notify(alert: Alert) -> None:
    params = {"department": alert.department.name}
    if alert.kind == AlertKind.LOW_RATING:
        params["overall"] = alert.params["overall"]
    elif alert.kind == AlertKind.KEYWORD:
        params["keywords"] = "、".join(alert.params["keywords"])
    else:
        params.update(
            target=percent(alert.params["target"]), weeks=len(alert.params["weeks"]), week=week_label(alert.week)
        )
    notify(
        recipients=[*heads_of(alert.department), *users_with_roles(Role.OFFICE)],
        kind=f"alerts.alert.{alert.kind}",
        params=params,
        url=alert_url(alert),
        department=alert.department,
    )


def _raise(
    *,
    rule: AlertRule,
    department: Department,
    params: dict,
    feedback: Feedback | None = None,
    week: date | None = None,
) -> Alert | None:
    """Create the alert and notify, unless it exists (then None; also when another worker won)."""
    if feedback is not None:
        exists = Alert.objects.filter(rule=rule, feedback=feedback).exists()
    else:
        exists = Alert.objects.filter(rule=rule, department=department, week=week).exists()
    if exists:
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule, kind=rule.kind, department=department, feedback=feedback, week=week, params=params
            )
            _notify(alert)
    except IntegrityError:
        return None
    return alert


def feedback_check(*, feedback_id: int) -> list[Alert]:
    """Check one committed feedback against the active ``low_rating`` and ``keyword`` rules and
    raise what it calls for (once). Flagged or invalid feedback is not checked: call this again
    when flagged feedback is cleared. Returns the alerts raised now."""
    feedback = Feedback.objects.select_related("department").filter(pk=feedback_id).first()
    if feedback is None or not feedback.is_valid:
        return []
    raised = []
    for rule in AlertRule.objects.filter(active=True, kind__in=FEEDBACK_KINDS).order_by("pk"):
        params = _feedback_params(rule, feedback)
        if params is None:
            continue
        alert = _raise(rule=rule, department=feedback.department, feedback=feedback, params=params)
        if alert is not None:
            raised.append(alert)
    return raised


def _rate(satisfied: int, n: int) -> str:
    return str((Decimal(satisfied) / Decimal(n)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def weekly_figures(*, start: date, end: date) -> dict[tuple[int, date], tuple[int, int]]:
    """``{(department id, Monday): (valid feedback, satisfied)}`` for the weeks from the Monday
    ``start`` up to (not including) the Monday ``end``, active departments only (one query)."""
    rows = (
        Feedback.objects.filter(is_valid=True, local_date__gte=start, local_date__lt=end, department__is_active=True)
        .values("department_id", "local_date")
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(overall__gte=SATISFIED_MIN)))
        .order_by()
    )
    figures: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        cell = figures[(row["department_id"], monday_of(row["local_date"]))]
        cell[0] += row["n"]
        cell[1] += row["satisfied"]
    return {key: (n, satisfied) for key, (n, satisfied) in figures.items()}


def _counts(rule: AlertRule, figures: tuple[int, int] | None) -> bool:
    """Does a week with these figures count towards a run of ``rule``?"""
    if figures is None:
        return False
    n, satisfied = figures
    return n >= rule.min_sample and Decimal(satisfied) < rule.target * n


def weekly_check(*, today: date | None = None) -> list[Alert]:
    """Check the last complete ISO weeks (before the week of ``today``, the hospital's today by
    default) against the active ``below_target`` rules; raise what they call for (once each)."""
    today = today or hospital_today()
    rules = list(AlertRule.objects.filter(active=True, kind=AlertKind.BELOW_TARGET).order_by("pk"))
    if not rules:
        return []
    this_monday = monday_of(today)
    checked = [this_monday - timedelta(weeks=k) for k in range(LOOKBACK_WEEKS, 0, -1)]  # oldest first
    longest = max(rule.weeks for rule in rules)
    start = checked[0] - timedelta(weeks=longest - 1)
    figures = weekly_figures(start=start, end=this_monday)
    department_ids = {department_id for department_id, _monday in figures}
    departments = Department.objects.in_bulk(department_ids)
    raised = []
    for rule in rules:
        earlier = set(
            Alert.objects.filter(rule=rule, week__gte=start, week__lt=this_monday).values_list("department_id", "week")
        )
        for department_id in sorted(department_ids):
            for monday in checked:
                run = [monday - timedelta(weeks=k) for k in range(rule.weeks - 1, -1, -1)]
                if not all(_counts(rule, figures.get((department_id, week))) for week in run):
                    continue
                # While a run goes on, alert again only every ``weeks`` weeks.
                if any((department_id, week) in earlier for week in run):
                    continue
                params = {
                    "target": str(rule.target),
                    "min_sample": rule.min_sample,
                    "weeks": [
                        {
                            "monday": week.isoformat(),
                            "n": figures[(department_id, week)][0],
                            "satisfied": figures[(department_id, week)][1],
                            "rate": _rate(figures[(department_id, week)][1], figures[(department_id, week)][0]),
                        }
                        for week in run
                    ],
                }
                alert = _raise(rule=rule, department=departments[department_id], week=monday, params=params)
                earlier.add((department_id, monday))
                if alert is not None:
                    raised.append(alert)
    return raised


# --- Acknowledging --------------------------------------------------------------------------------


def _person(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


def alert_label(alert: Alert) -> str:
    return f"{alert.department.name} · {alert.get_kind_display()} #{alert.pk}"


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by, note: str, expected_status: str = AlertStatus.OPEN) -> Alert:
    """open → acknowledged, with what was done about it. The row is locked, so of two people
    acknowledging at once the second is refused (and told who was first)."""
    current = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("department", "acknowledged_by__staff")
        .get(pk=alert.pk)
    )
    if not may_acknowledge(access_for(by), current):
        raise AlertNotAllowed(
            _("You may not acknowledge the alerts of %(department)s.") % {"department": current.department.name}
        )
    if current.status != AlertStatus.OPEN or current.status != expected_status:
        tz = ZoneInfo(current_hospital().time_zone)
        raise AlertConflict(
            _("%(person)s already acknowledged this alert at %(time)s. Nothing was saved.")
            % {
                "person": _person(current.acknowledged_by) or _("someone"),
                "time": timezone.localtime(current.acknowledged_at, tz).strftime("%Y-%m-%d %H:%M")
                if current.acknowledged_at
                else "—",
            },
            code="conflict",
        )
    note = (note or "").strip()
    if not note:
        raise AlertError({"note": _("Write down what was done about the alert.")})
    if len(note) > NOTE_MAX:
        raise AlertError({"note": _("Keep the note to %(max)d characters or fewer.") % {"max": NOTE_MAX}})
    current.status = AlertStatus.ACKNOWLEDGED
    current.acknowledged_by = by
    current.acknowledged_at = timezone.now()
    current.note = note
    current.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
    audit_log(
        actor=by,
        action="alerts.alert.acknowledged",
        target=current,
        target_repr=alert_label(current),
        department=current.department,
        data={"status": [AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value], "note": note},
    )
    return current


# --- The rules ------------------------------------------------------------------------------------

RULE_FIELDS = ("name", "active", "threshold", "target", "weeks", "min_sample", "keywords", "max_overall")
# The fields that matter for each kind (the others keep their defaults).
KIND_FIELDS = {
    AlertKind.LOW_RATING: ("threshold",),
    AlertKind.BELOW_TARGET: ("target", "weeks", "min_sample"),
    AlertKind.KEYWORD: ("keywords", "max_overall"),
}


def _clean_keywords(keywords) -> list[str]:
    seen: list[str] = []
    for word in keywords or ():
        word = unicodedata.normalize("NFKC", str(word)).strip()
        if word and word not in seen:
            seen.append(word)
    return seen


def _clean(kind: str, values: dict) -> dict:
    """The values checked for a rule of ``kind``; AlertError keyed by field."""
    errors: dict[str, str] = {}
    cleaned = {"name": (values.get("name") or "").strip(), "active": bool(values.get("active"))}
    if not cleaned["name"]:
        errors["name"] = _("Give the rule a name.")
    elif len(cleaned["name"]) > NAME_MAX:
        errors["name"] = _("Keep the name to %(max)d characters or fewer.") % {"max": NAME_MAX}
    fields = KIND_FIELDS[kind]
    if "threshold" in fields:
        threshold = values.get("threshold")
        if not isinstance(threshold, int) or not 1 <= threshold <= 4:
            errors["threshold"] = _("Give a rating from 1 to 4.")
        cleaned["threshold"] = threshold
    if "target" in fields:
        try:
            target = Decimal(str(values.get("target")))
        except (InvalidOperation, ValueError):
            target = None
        if target is None or not Decimal("0") < target <= Decimal("1") or target != target.quantize(Decimal("0.001")):
            errors["target"] = _("Give a target rate above 0% and at most 100%, to one decimal place.")
        cleaned["target"] = target
    if "weeks" in fields:
        weeks = values.get("weeks")
        if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
            errors["weeks"] = _("Give a number of weeks from 1 to %(max)d.") % {"max": MAX_WEEKS}
        cleaned["weeks"] = weeks
    if "min_sample" in fields:
        sample = values.get("min_sample")
        if not isinstance(sample, int) or not 1 <= sample <= MAX_SAMPLE:
            errors["min_sample"] = _("Give a number of feedback from 1 to %(max)d.") % {"max": MAX_SAMPLE}
        cleaned["min_sample"] = sample
    if "keywords" in fields:
        keywords = _clean_keywords(values.get("keywords"))
        if not keywords:
            errors["keywords"] = _("Give at least one keyword.")
        elif len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = _("Give at most %(max)d keywords.") % {"max": MAX_KEYWORDS}
        elif any(len(word) > KEYWORD_MAX for word in keywords):
            errors["keywords"] = _("Keep each keyword to %(max)d characters or fewer.") % {"max": KEYWORD_MAX}
        cleaned["keywords"] = keywords
    if "max_overall" in fields:
        highest = values.get("max_overall", 5)
        if not isinstance(highest, int) or not 1 <= highest <= 5:
            errors["max_overall"] = _("Give a rating from 1 to 5.")
        cleaned["max_overall"] = highest
    if errors:
        raise AlertError(errors)
    return cleaned


def _values(rule: AlertRule) -> dict:
    return {
        "name": rule.name,
        "active": rule.active,
        "threshold": rule.threshold,
        "target": str(rule.target),
        "weeks": rule.weeks,
        "min_sample": rule.min_sample,
        "keywords": list(rule.keywords or []),
        "max_overall": rule.max_overall,
    }


def _ensure_office(by) -> None:
    if not may_manage_rules(access_for(by)):
        raise AlertNotAllowed(_("Only the civility office can change the alert rules."))


@transaction.atomic
def alert_rule_create(*, by, kind: str, **values) -> AlertRule:
    """A new rule of ``kind`` (``name``, ``active`` and the fields of its kind)."""
    _ensure_office(by)
    if kind not in AlertKind.values:
        raise AlertError({"kind": _("Choose the kind of rule.")})
    cleaned = _clean(kind, values)
    rule = AlertRule(kind=kind, updated_by=by, **cleaned)
    rule.save()
    audit_log(actor=by, action="alerts.rule.created", target=rule, data={"kind": kind, **_values(rule)})
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, by, expected_version: int, **values) -> AlertRule:
    """Change a rule (``name``, ``active`` and the fields of its kind). ``expected_version`` is
    the version the form showed; AlertConflict when someone saved in between. Nothing is saved
    or logged when nothing changed."""
    _ensure_office(by)
    current = AlertRule.objects.select_for_update(of=("self",)).get(pk=rule.pk)
    if current.version != expected_version:
        raise AlertConflict(
            _("Someone else changed this rule after you opened it. Nothing was saved."), code="conflict"
        )
    cleaned = _clean(current.kind, values)
    before = _values(current)
    for name, value in cleaned.items():
        setattr(current, name, value)
    diff = changes(before, _values(current))
    if not diff:
        return current
    current.version += 1
    current.updated_by = by
    current.save()
    audit_log(actor=by, action="alerts.rule.changed", target=current, data=diff)
    return current
