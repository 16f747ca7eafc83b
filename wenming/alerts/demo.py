"""The demo hospital's alerts. The office (wmb) first narrows the seeded keyword rule to ratings of
3 or lower (态度很好 with five stars is no alarm, and the demo's stock comments say it often); then
the checks run over the demo's feedback of the last ten days (the low-rating and keyword rules) and
the weekly check over the last complete weeks, through the services (so the notifications are
real); then the office acknowledges the alerts about feedback more than five days old.

Idempotent: an alert is raised once (the unique constraints), and only open alerts are
acknowledged, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q

from wenming.feedback.models import Feedback
from wenming.org.selectors import hospital_today

from . import services
from .models import Alert, AlertKind, AlertRule, AlertStatus

DAYS = 10
ACKNOWLEDGED_AFTER = 5
NARROWED_TO = 3
NOTES = {
    AlertKind.LOW_RATING: "已电话回访患者，了解情况并致歉，科室已组织讨论整改。",
    AlertKind.KEYWORD: "已转科室核实，涉及人员已谈话提醒，结果报文明办备案。",
    AlertKind.BELOW_TARGET: "科室召开满意度分析会，制定改进措施，文明办下周复查。",
}


@dataclass
class DemoAlerts:
    raised: int = 0
    acknowledged: int = 0


def _candidates(since: date) -> list[int]:
    """The valid feedback since ``since`` that the active rules could alert on (narrowed in the
    database: a rating at or below a threshold, or a keyword in the comment)."""
    rules = list(AlertRule.objects.filter(active=True, kind__in=(AlertKind.LOW_RATING, AlertKind.KEYWORD)))
    flt = Q(pk__in=[])
    for rule in rules:
        if rule.kind == AlertKind.LOW_RATING:
            flt |= Q(overall__lte=rule.threshold)
        else:
            for word in rule.keywords:
                flt |= Q(comment__icontains=word)
    return list(
        Feedback.objects.filter(flt, is_valid=True, local_date__gte=since)
        .order_by("at", "pk")
        .values_list("pk", flat=True)
    )


def _narrow_keywords(office) -> None:
    """The office saw 态度很好 alert and narrowed the seeded keyword rule to ratings of 3 or lower."""
    rule = AlertRule.objects.filter(kind=AlertKind.KEYWORD, version=1, max_overall=5).order_by("pk").first()
    if rule is None or office is None:
        return
    services.alert_rule_update(
        rule=rule,
        by=office,
        expected_version=1,
        name=rule.name,
        active=rule.active,
        keywords=rule.keywords,
        max_overall=NARROWED_TO,
    )


def load_demo_alerts(*, today: date | None = None) -> DemoAlerts:
    today = today or hospital_today()
    outcome = DemoAlerts()
    office = get_user_model().objects.filter(username="wmb", is_active=True).first()
    _narrow_keywords(office)
    for pk in _candidates(today - timedelta(days=DAYS - 1)):
        outcome.raised += len(services.feedback_check(feedback_id=pk))
    outcome.raised += len(services.weekly_check(today=today))
    if office is None:
        return outcome
    before = today - timedelta(days=ACKNOWLEDGED_AFTER)
    old = Alert.objects.filter(status=AlertStatus.OPEN).filter(
        Q(feedback__local_date__lt=before) | Q(week__lt=before - timedelta(days=6))
    )
    for alert in old.order_by("pk"):
        services.alert_acknowledge(alert=alert, by=office, note=NOTES[alert.kind])
        outcome.acknowledged += 1
    return outcome
