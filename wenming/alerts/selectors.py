"""Reads of alerts and alert rules, scoped to the person asking, and how an alert reads.

Who: the civility office and system administrators see every alert and manage the rules; a
department head sees (and acknowledges) the alerts of the departments they head and those under
them; nobody else sees alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from wenming.core.formatting import percent
from wenming.org.models import Department

from .models import Alert, AlertKind, AlertRule, AlertStatus

LIST_RELATED = ("rule", "department", "feedback", "feedback__staff", "acknowledged_by__staff")


# --- Who ------------------------------------------------------------------------------------------


def may_manage_rules(access) -> bool:
    """Change the alert rules and see every alert: the civility office and system administrators."""
    return access.is_office or access.is_system_admin


def may_read_alerts(access) -> bool:
    """The office and system administrators (every alert), department heads (their departments')."""
    return may_manage_rules(access) or access.is_department_head


def may_acknowledge(access, alert: Alert) -> bool:
    return may_manage_rules(access) or access.heads_department(alert.department)


def alert_departments(*, access) -> QuerySet[Department]:
    """The departments whose alerts this person may see (for the filter's choices)."""
    if may_manage_rules(access):
        return Department.objects.all()
    if access.is_department_head:
        return Department.objects.filter(access.headed())
    return Department.objects.none()


def alerts_for_access(*, access) -> QuerySet[Alert]:
    """Every alert this person may see."""
    if may_manage_rules(access):
        return Alert.objects.all()
    if access.is_department_head:
        return Alert.objects.filter(access.headed("department__"))
    return Alert.objects.none()


def alert_list(*, access, status: str = "", kind: str = "", department: Department | None = None) -> QuerySet[Alert]:
    """The alerts this person may see, filtered (a department with those under it), newest first."""
    qs = alerts_for_access(access=access)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs.select_related(*LIST_RELATED).order_by("-created_at", "-pk")


def status_counts(qs: QuerySet[Alert]) -> dict[str, int]:
    """How many of ``qs`` are open and acknowledged (one query)."""
    counts = qs.order_by().aggregate(
        open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
        acknowledged=Count("pk", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
    )
    return {"open": counts["open"] or 0, "acknowledged": counts["acknowledged"] or 0}


def open_alert_count(*, access) -> int:
    if not may_read_alerts(access):
        return 0
    return alerts_for_access(access=access).filter(status=AlertStatus.OPEN).count()


def alert_for_user(*, access, pk: int) -> Alert | None:
    """The alert if this person may see it; None for missing and not-yours alike."""
    return alerts_for_access(access=access).select_related(*LIST_RELATED).filter(pk=pk).first()


def rule_list() -> list[AlertRule]:
    """Every rule with its open and total alert counts (one query)."""
    rules = list(
        AlertRule.objects.select_related("updated_by__staff")
        .annotate(
            open_alerts=Count("alerts", filter=Q(alerts__status=AlertStatus.OPEN)),
            all_alerts=Count("alerts"),
        )
        .order_by("kind", "pk")
    )
    for rule in rules:
        rule.target_percent = percent(rule.target)
    return rules


def rule_for_user(*, access, pk: int) -> AlertRule | None:
    if not may_manage_rules(access):
        return None
    return AlertRule.objects.filter(pk=pk).first()


# --- How an alert reads ---------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return _("week %(week)d of %(year)d") % {"week": week, "year": year}


@dataclass(frozen=True)
class WeekFigure:
    label: str
    rate: str
    n: int
    satisfied: int


def week_figures(alert: Alert) -> list[WeekFigure]:
    return [
        WeekFigure(
            label=week_label(date.fromisoformat(w["monday"])),
            rate=percent(w["rate"]),
            n=int(w["n"]),
            satisfied=int(w["satisfied"]),
        )
        for w in alert.params.get("weeks", [])
    ]


def summary(alert: Alert) -> str:
    """One sentence saying what raised the alert."""
    params = alert.params or {}
    if alert.kind == AlertKind.LOW_RATING:
        return _("Rated %(overall)d of 5 (the rule alerts at %(threshold)d or lower).") % {
            "overall": int(params.get("overall", 0)),
            "threshold": int(params.get("threshold", 0)),
        }
    if alert.kind == AlertKind.KEYWORD:
        return _("The comment mentions: %(keywords)s.") % {"keywords": "、".join(params.get("keywords", []))}
    figures = "；".join(
        _("%(week)s %(rate)s of %(n)d") % {"week": f.label, "rate": f.rate, "n": f.n} for f in week_figures(alert)
    )
    return _("Satisfaction below %(target)s for %(count)d weeks running: %(weeks)s.") % {
        "target": percent(params.get("target", "0")),
        "count": len(params.get("weeks", [])),
        "weeks": figures,
    }


def feedback_url(alert: Alert) -> str:
    """The feedback list filtered to what raised the alert: the day, department and rating of the
    feedback, or the department's valid feedback over the weeks of the run."""
    base = reverse("feedback:list")
    if alert.feedback_id is not None:
        feedback = alert.feedback
        day = feedback.local_date.isoformat()
        query = {"department": alert.department.code, "start": day, "end": day, "rating": feedback.overall}
        return f"{base}?{urlencode(query)}"
    weeks = alert.params.get("weeks", [])
    first = date.fromisoformat(weeks[0]["monday"]) if weeks else alert.week
    last = alert.week + timedelta(days=6)
    query = {"department": alert.department.code, "start": first.isoformat(), "end": last.isoformat()}
    query["state"] = "valid"
    return f"{base}?{urlencode(query)}"


def decorate(alerts) -> list[Alert]:
    """Give each alert its summary sentence and its link to the feedback list (no queries)."""
    rows = list(alerts)
    for alert in rows:
        alert.summary = summary(alert)
        alert.feedback_link = feedback_url(alert)
        alert.week_text = week_label(alert.week) if alert.week else ""
        alert.week_figures = week_figures(alert) if alert.kind == AlertKind.BELOW_TARGET else []
    return rows
