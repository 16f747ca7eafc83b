from datetime import date, timedelta

from wenming.alerts.demo import load_demo_alerts
from wenming.alerts.models import Alert, AlertRule, AlertStatus
from wenming.core.models import AuditEntry
from wenming.notifications.models import Notification
from wenming.org.models import Role, RoleAssignment
from wenming.org.tests.factories import UserFactory

TODAY = date(2026, 11, 30)  # a Monday


def test_demo_alerts_are_raised_once_and_the_old_ones_acknowledged(scenario, rules, make_feedback, week_of):
    RoleAssignment.objects.create(user=UserFactory(username="wmb"), role=Role.OFFICE)
    recent = make_feedback(overall=1, comment="态度差", day=TODAY - timedelta(days=2))
    older = make_feedback(overall=2, day=TODAY - timedelta(days=8))
    make_feedback(overall=1, day=TODAY - timedelta(days=12))  # before the demo's ten days
    make_feedback(overall=5, comment="态度很好", day=TODAY - timedelta(days=1))  # the narrowed rule leaves it out
    week_of(TODAY - timedelta(weeks=2), 10, 5, department=scenario.ortho)
    week_of(TODAY - timedelta(weeks=1), 10, 5, department=scenario.ortho)

    first = load_demo_alerts(today=TODAY)
    assert first.raised == 4  # low rating and keyword of the recent one, the older one, 骨科's weeks
    assert set(Alert.objects.filter(status=AlertStatus.OPEN).values_list("feedback", flat=True)) == {recent.pk, None}
    assert Alert.objects.get(feedback=older).acknowledged_by.username == "wmb"
    assert first.acknowledged == 1
    assert AlertRule.objects.get(kind="keyword").max_overall == 3

    notifications = Notification.objects.count()
    audit = AuditEntry.objects.count()
    second = load_demo_alerts(today=TODAY)
    assert (second.raised, second.acknowledged) == (0, 0)
    assert Notification.objects.count() == notifications and AuditEntry.objects.count() == audit
