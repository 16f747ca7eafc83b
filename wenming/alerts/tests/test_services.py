from decimal import Decimal

import pytest
from django.utils import translation

from wenming.alerts import services
from wenming.alerts.models import Alert, AlertKind, AlertRule, AlertStatus
from wenming.core.models import AuditEntry
from wenming.feedback.services import feedback_clear, feedback_reject
from wenming.notifications.models import Notification


def kinds(alerts) -> list[str]:
    return sorted(alert.kind for alert in alerts)


# --- The seeded rules -------------------------------------------------------------------------------


def test_the_three_default_rules_are_seeded(rules):
    assert set(rules) == {AlertKind.LOW_RATING, AlertKind.BELOW_TARGET, AlertKind.KEYWORD}
    assert rules["low_rating"].threshold == 2 and rules["low_rating"].active
    below = rules["below_target"]
    assert (below.target, below.weeks, below.min_sample) == (Decimal("0.950"), 2, 10)
    assert rules["keyword"].keywords == ["红包", "态度", "收费", "推诿", "索要"]


# --- Feedback checks --------------------------------------------------------------------------------


def test_a_low_rating_alerts_exactly_once(rules, make_feedback):
    feedback = make_feedback(overall=2, comment="等了很久")
    raised = services.feedback_check(feedback_id=feedback.pk)
    assert kinds(raised) == ["low_rating"]
    assert raised[0].params == {"overall": 2, "threshold": 2}
    assert raised[0].department == feedback.department and raised[0].status == AlertStatus.OPEN
    assert services.feedback_check(feedback_id=feedback.pk) == []
    assert Alert.objects.count() == 1


def test_a_rating_above_the_threshold_does_not_alert(rules, make_feedback):
    assert services.feedback_check(feedback_id=make_feedback(overall=3).pk) == []
    assert services.feedback_check(feedback_id=make_feedback(overall=5, comment="很好").pk) == []
    assert not Alert.objects.exists()


def test_the_threshold_is_the_rules(rules, make_feedback):
    AlertRule.objects.filter(pk=rules["low_rating"].pk).update(threshold=3)
    assert kinds(services.feedback_check(feedback_id=make_feedback(overall=3).pk)) == ["low_rating"]


def test_a_keyword_alerts_with_the_words_found_in_the_rules_order(rules, make_feedback):
    feedback = make_feedback(overall=4, comment="医生索要红包，太过分")
    raised = services.feedback_check(feedback_id=feedback.pk)
    assert kinds(raised) == ["keyword"]
    assert raised[0].params["keywords"] == ["红包", "索要"]
    assert services.feedback_check(feedback_id=feedback.pk) == []


def test_low_rating_and_keyword_are_two_alerts(rules, make_feedback):
    feedback = make_feedback(overall=1, comment="护士态度差")
    assert kinds(services.feedback_check(feedback_id=feedback.pk)) == ["keyword", "low_rating"]
    assert Alert.objects.filter(feedback=feedback).count() == 2


def test_keywords_match_full_width_and_any_case():
    assert services.keywords_in("ＶＩＰ通道收费", ["vip", "收费", "红包"]) == ["vip", "收费"]
    assert services.keywords_in("服务很好", ["红包"]) == []
    assert services.keywords_in("", ["红包"]) == []


def test_flagged_feedback_alerts_only_once_cleared(scenario, rules, make_feedback):
    feedback = make_feedback(overall=1, comment="收费乱", flagged=True)
    assert services.feedback_check(feedback_id=feedback.pk) == []
    feedback_clear(feedback=feedback, by=scenario.office)
    assert kinds(services.feedback_check(feedback_id=feedback.pk)) == ["keyword", "low_rating"]


def test_rejected_and_invalid_feedback_never_alerts(scenario, rules, make_feedback):
    flagged = make_feedback(overall=1, comment="红包", flagged=True)
    feedback_reject(feedback=flagged, by=scenario.office)
    invalid = make_feedback(overall=1, comment="红包", valid=False)
    assert services.feedback_check(feedback_id=flagged.pk) == []
    assert services.feedback_check(feedback_id=invalid.pk) == []
    assert services.feedback_check(feedback_id=999_999) == []
    assert not Alert.objects.exists()


def test_an_inactive_rule_does_not_alert(rules, make_feedback):
    AlertRule.objects.filter(kind__in=["low_rating", "keyword"]).update(active=False)
    assert services.feedback_check(feedback_id=make_feedback(overall=1, comment="红包").pk) == []


def test_a_second_rule_of_the_same_kind_alerts_on_its_own(scenario, rules, make_feedback):
    services.alert_rule_create(by=scenario.office, kind="keyword", name="停车", active=True, keywords=["停车"])
    feedback = make_feedback(overall=4, comment="停车收费太贵")
    raised = services.feedback_check(feedback_id=feedback.pk)
    assert sorted(a.params["keywords"][0] for a in raised) == ["停车", "收费"]


def test_the_task_runs_the_check(rules, make_feedback):
    from wenming.alerts.tasks import feedback_check

    feedback = make_feedback(overall=1)
    assert len(feedback_check.delay(feedback.pk).get()) == 1
    assert feedback_check.delay(feedback.pk).get() == []


# --- Who is told ------------------------------------------------------------------------------------


def _recipients(alert) -> set[str]:
    return set(
        Notification.objects.filter(url__endswith=f"/alerts/{alert.pk}/").values_list("recipient__username", flat=True)
    )


def test_the_department_head_and_the_office_are_notified_not_other_heads(scenario, rules, make_feedback):
    (alert,) = services.feedback_check(feedback_id=make_feedback(overall=1).pk)
    assert _recipients(alert) == {"head_cardio", "office"}
    note = Notification.objects.get(recipient=scenario.head_cardio)
    assert note.kind == "alerts.alert.low_rating" and note.params["department"] == "心血管内科"


def test_a_wards_alert_reaches_the_head_above_it(scenario, rules, make_feedback):
    (alert,) = services.feedback_check(feedback_id=make_feedback(overall=2, department=scenario.ward).pk)
    assert _recipients(alert) == {"head_cardio", "office"}
    (ortho,) = services.feedback_check(feedback_id=make_feedback(overall=2, department=scenario.ortho).pk)
    assert _recipients(ortho) == {"head_ortho", "office"}


def test_no_notification_when_nothing_new_is_raised(rules, make_feedback):
    feedback = make_feedback(overall=1)
    services.feedback_check(feedback_id=feedback.pk)
    count = Notification.objects.count()
    services.feedback_check(feedback_id=feedback.pk)
    assert Notification.objects.count() == count


# --- Acknowledging ----------------------------------------------------------------------------------


@pytest.fixture
def alert(rules, make_feedback):
    (alert,) = services.feedback_check(feedback_id=make_feedback(overall=1).pk)
    return alert


def test_the_head_acknowledges_with_a_note_and_it_is_audited(scenario, alert):
    done = services.alert_acknowledge(alert=alert, by=scenario.head_cardio, note="已回访患者")
    assert done.status == AlertStatus.ACKNOWLEDGED and done.acknowledged_by == scenario.head_cardio
    assert done.acknowledged_at is not None and done.note == "已回访患者"
    entry = AuditEntry.objects.get(action="alerts.alert.acknowledged")
    assert entry.actor == scenario.head_cardio and entry.department == scenario.cardio
    assert entry.data["status"] == ["open", "acknowledged"]


def test_the_second_of_two_people_acknowledging_is_refused(scenario, alert):
    # Both opened the page while the alert was open; the office was first.
    theirs = Alert.objects.get(pk=alert.pk)
    services.alert_acknowledge(alert=alert, by=scenario.office, note="文明办已处理")
    with translation.override("en"), pytest.raises(services.AlertConflict) as refused:
        services.alert_acknowledge(alert=theirs, by=scenario.head_cardio, note="科室已处理")
    assert "文明办" in str(refused.value.messages[0]) and "already acknowledged" in refused.value.messages[0]
    current = Alert.objects.get(pk=alert.pk)
    assert current.acknowledged_by == scenario.office and current.note == "文明办已处理"
    assert AuditEntry.objects.filter(action="alerts.alert.acknowledged").count() == 1


def test_an_expected_status_that_moved_on_is_refused(scenario, alert):
    with pytest.raises(services.AlertConflict):
        services.alert_acknowledge(alert=alert, by=scenario.office, note="x", expected_status="acknowledged")


def test_acknowledging_needs_a_note(scenario, alert):
    with pytest.raises(services.AlertError) as refused:
        services.alert_acknowledge(alert=alert, by=scenario.office, note="  ")
    assert "note" in refused.value.message_dict
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


@pytest.mark.parametrize("who", ["head_ortho", "employee", "leader"])
def test_others_may_not_acknowledge(scenario, alert, who):
    with pytest.raises(services.AlertNotAllowed):
        services.alert_acknowledge(alert=alert, by=getattr(scenario, who), note="x")
    assert not AuditEntry.objects.filter(action="alerts.alert.acknowledged").exists()


# --- The rules --------------------------------------------------------------------------------------


def test_changing_a_rule_checks_the_version_and_audits_the_change(scenario, rules):
    rule = rules["below_target"]
    values = {"name": rule.name, "active": True, "target": Decimal("0.900"), "weeks": 3, "min_sample": 20}
    changed = services.alert_rule_update(rule=rule, by=scenario.office, expected_version=1, **values)
    assert (changed.target, changed.weeks, changed.min_sample, changed.version) == (Decimal("0.900"), 3, 20, 2)
    entry = AuditEntry.objects.get(action="alerts.rule.changed")
    assert entry.data == {"target": ["0.950", "0.900"], "weeks": [2, 3], "min_sample": [10, 20]}
    with pytest.raises(services.AlertConflict):
        services.alert_rule_update(rule=rule, by=scenario.office, expected_version=1, **values)
    # Saving the same values again changes nothing and logs nothing.
    services.alert_rule_update(rule=rule, by=scenario.office, expected_version=2, **values)
    assert AlertRule.objects.get(pk=rule.pk).version == 2
    assert AuditEntry.objects.filter(action="alerts.rule.changed").count() == 1


def test_a_rule_refuses_values_out_of_range(scenario, rules):
    with pytest.raises(services.AlertError) as refused:
        services.alert_rule_update(
            rule=rules["below_target"],
            by=scenario.office,
            expected_version=1,
            name="",
            active=True,
            target=Decimal("1.2"),
            weeks=0,
            min_sample=0,
        )
    assert set(refused.value.message_dict) == {"name", "target", "weeks", "min_sample"}
    with pytest.raises(services.AlertError) as refused:
        services.alert_rule_update(
            rule=rules["keyword"], by=scenario.office, expected_version=1, name="x", active=True, keywords=[" ", ""]
        )
    assert set(refused.value.message_dict) == {"keywords"}
    with pytest.raises(services.AlertError) as refused:
        services.alert_rule_update(
            rule=rules["low_rating"], by=scenario.office, expected_version=1, name="x", active=True, threshold=5
        )
    assert set(refused.value.message_dict) == {"threshold"}


def test_keywords_are_trimmed_and_deduplicated(scenario, rules):
    rule = services.alert_rule_update(
        rule=rules["keyword"],
        by=scenario.office,
        expected_version=1,
        name="敏感词",
        active=True,
        keywords=[" 红包 ", "红包", "回扣"],
    )
    assert rule.keywords == ["红包", "回扣"]


@pytest.mark.parametrize("who", ["head_cardio", "leader", "employee"])
def test_only_the_office_changes_the_rules(scenario, rules, who):
    with pytest.raises(services.AlertNotAllowed):
        services.alert_rule_update(
            rule=rules["low_rating"], by=getattr(scenario, who), expected_version=1, name="x", active=False, threshold=2
        )
    with pytest.raises(services.AlertNotAllowed):
        services.alert_rule_create(by=getattr(scenario, who), kind="low_rating", name="x", active=True, threshold=1)
    assert AlertRule.objects.get(pk=rules["low_rating"].pk).active


def test_a_new_rule_is_audited(scenario, rules):
    rule = services.alert_rule_create(by=scenario.sysadmin, kind="low_rating", name="一星", active=True, threshold=1)
    assert rule.updated_by == scenario.sysadmin
    assert AuditEntry.objects.get(action="alerts.rule.created").data["threshold"] == 1


def test_a_keyword_rule_may_leave_out_good_ratings(scenario, rules, make_feedback):
    rule = rules["keyword"]
    services.alert_rule_update(
        rule=rule,
        by=scenario.office,
        expected_version=1,
        name=rule.name,
        active=True,
        keywords=rule.keywords,
        max_overall=3,
    )
    assert services.feedback_check(feedback_id=make_feedback(overall=5, comment="护士态度很好").pk) == []
    assert kinds(services.feedback_check(feedback_id=make_feedback(overall=3, comment="态度一般").pk)) == ["keyword"]
