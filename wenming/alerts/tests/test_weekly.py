from datetime import date, timedelta

from wenming.alerts import services
from wenming.alerts.models import Alert, AlertRule
from wenming.notifications.models import Notification

# Mondays of ISO weeks 45–48 of 2026; the check runs on Monday 30 November (week 49).
W45, W46, W47, W48 = (date(2026, 11, 2) + timedelta(weeks=k) for k in range(4))
MONDAY = date(2026, 11, 30)


def test_two_weeks_below_target_alert_once(scenario, rules, week_of):
    week_of(W47, 12, 10)  # 83.3%
    week_of(W48, 20, 18)  # 90%
    (alert,) = services.weekly_check(today=MONDAY)
    assert alert.kind == "below_target" and alert.department == scenario.cardio and alert.week == W48
    assert alert.params == {
        "target": "0.950",
        "min_sample": 10,
        "weeks": [
            {"monday": "2026-11-16", "n": 12, "satisfied": 10, "rate": "0.8333"},
            {"monday": "2026-11-23", "n": 20, "satisfied": 18, "rate": "0.9000"},
        ],
    }
    assert services.weekly_check(today=MONDAY) == []
    assert services.weekly_check(today=MONDAY + timedelta(days=3)) == []
    assert Alert.objects.count() == 1
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"head_cardio", "office"}


def test_one_week_below_is_not_enough(rules, week_of):
    week_of(W47, 20, 20)
    week_of(W48, 20, 10)
    assert services.weekly_check(today=MONDAY) == []


def test_a_week_short_of_the_minimum_sample_breaks_the_run(rules, week_of):
    week_of(W47, 9, 0)  # 0% but only 9 feedback
    week_of(W48, 20, 10)
    assert services.weekly_check(today=MONDAY) == []
    AlertRule.objects.filter(kind="below_target").update(min_sample=9)
    assert len(services.weekly_check(today=MONDAY)) == 1


def test_exactly_on_target_is_not_below(rules, week_of):
    week_of(W47, 20, 19)  # 95.00%
    week_of(W48, 40, 38)
    assert services.weekly_check(today=MONDAY) == []
    Alert.objects.all().delete()
    AlertRule.objects.filter(kind="below_target").update(target="0.951")
    assert len(services.weekly_check(today=MONDAY)) == 1


def test_a_long_run_alerts_again_every_n_weeks(rules, week_of):
    for monday in (W45, W46, W47, W48):
        week_of(monday, 10, 5)
    raised = services.weekly_check(today=MONDAY)
    assert sorted(alert.week for alert in raised) == [W46, W48]
    assert services.weekly_check(today=MONDAY) == []


def test_the_week_in_progress_is_not_judged(rules, week_of):
    week_of(W48, 20, 10)
    week_of(MONDAY, 20, 10)  # this week, not over yet
    assert services.weekly_check(today=MONDAY + timedelta(days=6)) == []


def test_invalid_feedback_is_not_counted(scenario, rules, make_feedback, week_of):
    week_of(W47, 10, 10)
    week_of(W48, 10, 10)
    for monday in (W47, W48):
        for _ in range(5):
            make_feedback(overall=1, day=monday, valid=False)
            make_feedback(overall=1, day=monday, flagged=True)
    assert services.weekly_check(today=MONDAY) == []


def test_departments_are_judged_separately(scenario, rules, week_of):
    week_of(W47, 10, 5, department=scenario.ortho)
    week_of(W48, 10, 5, department=scenario.ortho)
    week_of(W47, 10, 5, department=scenario.ward)  # the ward's second week is fine
    week_of(W48, 10, 10, department=scenario.ward)
    (alert,) = services.weekly_check(today=MONDAY)
    assert alert.department == scenario.ortho


def test_an_inactive_rule_does_not_alert(rules, week_of):
    AlertRule.objects.filter(kind="below_target").update(active=False)
    week_of(W47, 10, 0)
    week_of(W48, 10, 0)
    assert services.weekly_check(today=MONDAY) == []


def test_the_task_checks_up_to_the_hospitals_today(rules, week_of, monkeypatch):
    from wenming.alerts import tasks

    week_of(W47, 10, 0)
    week_of(W48, 10, 0)
    monkeypatch.setattr(services, "hospital_today", lambda: MONDAY)
    assert len(tasks.weekly_check.delay().get()) == 1


def test_the_command_runs_the_weekly_check(scenario, rules, week_of, monkeypatch, capsys):
    from django.core.management import call_command

    week_of(W47, 12, 10)
    week_of(W48, 20, 18)
    monkeypatch.setattr(services, "hospital_today", lambda: MONDAY)
    call_command("check_alerts")
    assert Alert.objects.get().department == scenario.cardio
    assert "1" in capsys.readouterr().out
