from datetime import date, timedelta

import pytest
from django.urls import reverse

from wenming.alerts import services
from wenming.alerts.models import Alert, AlertRule, AlertStatus
from wenming.core.models import AuditEntry

LIST = reverse("alerts:list")
RULES = reverse("alerts:rules")


def detail(alert):
    return reverse("alerts:detail", args=[alert.pk])


def ack(alert):
    return reverse("alerts:acknowledge", args=[alert.pk])


@pytest.fixture
def alerts(scenario, rules, make_feedback):
    """An alert of 心血管内科, one of its ward and one of 骨科."""

    def one(department, comment):
        (alert,) = services.feedback_check(
            feedback_id=make_feedback(overall=2, comment=comment, department=department).pk
        )
        return alert

    return type(
        "Alerts",
        (),
        {
            "cardio": one(scenario.cardio, "等候太久"),
            "ward": one(scenario.ward, "夜里很吵"),
            "ortho": one(scenario.ortho, "换药不及时"),
        },
    )


# --- Who sees what ----------------------------------------------------------------------------------


def test_anonymous_goes_to_login(client, alerts):
    for url in (LIST, detail(alerts.cardio), RULES):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "leader", "inspector"])
def test_people_without_alerts_get_403_everywhere(scenario, client_for, alerts, who):
    client = client_for(getattr(scenario, who))
    rule = AlertRule.objects.first()
    for url in (
        LIST,
        detail(alerts.cardio),
        RULES,
        reverse("alerts:rule_new", args=["keyword"]),
        reverse("alerts:rule_edit", args=[rule.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(ack(alerts.cardio), {"note": "x"}).status_code == 403
    assert Alert.objects.get(pk=alerts.cardio.pk).status == AlertStatus.OPEN


def test_the_office_sees_every_alert(scenario, client_for, alerts):
    response = client_for(scenario.office).get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    for alert in (alerts.cardio, alerts.ward, alerts.ortho):
        assert f'data-testid="alert-{alert.pk}"' in body
    assert '<span data-testid="open-count">3</span>' in body
    assert 'data-testid="rules-link"' in body


def test_a_head_sees_their_departments_alerts_only(scenario, client_for, alerts):
    client = client_for(scenario.head_cardio)
    body = client.get(LIST).content.decode()
    assert f'data-testid="alert-{alerts.cardio.pk}"' in body and f'data-testid="alert-{alerts.ward.pk}"' in body
    assert f'data-testid="alert-{alerts.ortho.pk}"' not in body and "换药不及时" not in body
    assert '<span data-testid="open-count">2</span>' in body
    assert 'data-testid="rules-link"' not in body
    assert client.get(detail(alerts.ward)).status_code == 200
    assert client.get(detail(alerts.ortho)).status_code == 404
    assert client.get(reverse("alerts:detail", args=[999_999])).status_code == 404
    assert client.get(RULES).status_code == 403
    assert client.get(f"{LIST}?department=D02").status_code == 200  # not a choice: no filter, still own only


def test_another_departments_head_may_not_acknowledge(scenario, client_for, alerts):
    response = client_for(scenario.head_ortho).post(ack(alerts.cardio), {"note": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert Alert.objects.get(pk=alerts.cardio.pk).status == AlertStatus.OPEN


def test_filters_and_the_open_count(scenario, client_for, alerts):
    services.alert_acknowledge(alert=alerts.ward, by=scenario.office, note="已处理")
    client = client_for(scenario.office)
    body = client.get(f"{LIST}?status=open").content.decode()
    assert f'data-testid="alert-{alerts.ward.pk}"' not in body and f'data-testid="alert-{alerts.cardio.pk}"' in body
    assert '<span data-testid="open-count">2</span>' in body
    assert '<span data-testid="acknowledged-count">1</span>' in body
    body = client.get(f"{LIST}?department=D01").content.decode()  # with the ward under it
    assert f'data-testid="alert-{alerts.ward.pk}"' in body and f'data-testid="alert-{alerts.ortho.pk}"' not in body
    body = client.get(f"{LIST}?kind=keyword").content.decode()
    assert 'data-testid="empty"' in body
    partial = client.get(f"{LIST}?department=D02", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="alert-results">') and f"alert-{alerts.ortho.pk}" in partial


def test_the_list_links_to_the_feedback(scenario, client_for, alerts):
    body = client_for(scenario.office).get(detail(alerts.cardio)).content.decode()
    assert "/feedback/?department=D01&amp;start=2026-11-23&amp;end=2026-11-23&amp;rating=2" in body


def test_comments_are_escaped(scenario, client_for, rules, make_feedback):
    (alert,) = services.feedback_check(feedback_id=make_feedback(overall=1, comment="<script>alert(1)</script>").pk)
    client = client_for(scenario.office)
    for url in (LIST, detail(alert)):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_list_query_count_does_not_grow_with_the_alerts(
    scenario, client_for, rules, make_feedback, django_assert_max_num_queries
):
    client = client_for(scenario.office)
    for _ in range(3):
        services.feedback_check(feedback_id=make_feedback(overall=1, comment="红包", department=scenario.ward).pk)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200
    for _ in range(30):
        services.feedback_check(feedback_id=make_feedback(overall=1, comment="红包", department=scenario.ward).pk)
    with django_assert_max_num_queries(14):
        body = client.get(LIST).content.decode()
    assert body.count("data-status=") == 50  # a page


# --- Acknowledging ----------------------------------------------------------------------------------


def test_the_head_acknowledges_with_htmx(scenario, client_for, alerts):
    client = client_for(scenario.head_cardio)
    response = client.post(ack(alerts.cardio), {"note": "已电话回访"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="ack-done"' in body and "已电话回访" in body
    assert Alert.objects.get(pk=alerts.cardio.pk).status == AlertStatus.ACKNOWLEDGED


def test_a_second_acknowledgement_is_refused_with_who_was_first(scenario, client_for, alerts):
    client_for(scenario.office).post(ack(alerts.cardio), {"note": "文明办已回访"}, HTTP_HX_REQUEST="true")
    client = client_for(scenario.head_cardio)
    response = client.post(ack(alerts.cardio), {"note": "科室也回访了"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="ack-error"' in body and "文明办" in body
    assert "科室也回访了" not in body and "文明办已回访" in body
    current = Alert.objects.get(pk=alerts.cardio.pk)
    assert current.acknowledged_by == scenario.office and current.note == "文明办已回访"
    assert AuditEntry.objects.filter(action="alerts.alert.acknowledged").count() == 1


def test_a_missing_note_keeps_the_form(scenario, client_for, alerts):
    response = client_for(scenario.office).post(ack(alerts.cardio), {"note": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'data-testid="ack-form-{alerts.cardio.pk}"' in body and "invalid-feedback" in body
    assert Alert.objects.get(pk=alerts.cardio.pk).status == AlertStatus.OPEN


def test_acknowledging_without_htmx_goes_back(scenario, client_for, alerts):
    client = client_for(scenario.office)
    response = client.post(ack(alerts.cardio), {"note": "已处理", "next": f"{LIST}?status=open"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=open"
    response = client.post(ack(alerts.cardio), {"note": "再次", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == detail(alerts.cardio)


# --- The rules --------------------------------------------------------------------------------------


def test_the_office_edits_a_rule(scenario, client_for, rules):
    client = client_for(scenario.office)
    body = client.get(RULES).content.decode()
    assert "红包、态度、收费、推诿、索要" in body and "95.0%" in body
    rule = rules["below_target"]
    page = client.get(reverse("alerts:rule_edit", args=[rule.pk])).content.decode()
    assert 'name="target"' in page and 'name="keywords"' not in page and 'value="95.0"' in page
    response = client.post(
        reverse("alerts:rule_edit", args=[rule.pk]),
        {"name": rule.name, "active": "on", "target": "90", "weeks": "3", "min_sample": "15", "version": "1"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (str(rule.target), rule.weeks, rule.min_sample, rule.version) == ("0.900", 3, 15, 2)


def test_a_stale_rule_form_is_refused_and_shows_the_stored_values(scenario, client_for, rules):
    rule = rules["keyword"]
    services.alert_rule_update(
        rule=rule, by=scenario.sysadmin, expected_version=1, name=rule.name, active=True, keywords=["回扣"]
    )
    response = client_for(scenario.office).post(
        reverse("alerts:rule_edit", args=[rule.pk]),
        {"name": rule.name, "active": "on", "keywords": "红包 索要", "max_overall": "5", "version": "1"},
    )
    assert response.status_code == 409 and 'data-testid="conflict"' in response.content.decode()
    assert "回扣" in response.content.decode()
    assert AlertRule.objects.get(pk=rule.pk).keywords == ["回扣"]


def test_the_office_adds_a_keyword_rule(scenario, client_for, rules):
    client = client_for(scenario.office)
    url = reverse("alerts:rule_new", args=["keyword"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "停车", "active": "on", "keywords": "停车、车位，收费", "max_overall": "5"})
    assert response.status_code == 302
    assert AlertRule.objects.get(name="停车").keywords == ["停车", "车位", "收费"]
    assert client.get(reverse("alerts:rule_new", args=["nonsense"])).status_code == 404
    assert client.post(url, {"name": "", "keywords": ""}).status_code == 400


def test_heads_may_not_touch_the_rules(scenario, client_for, rules):
    client = client_for(scenario.head_cardio)
    rule = rules["low_rating"]
    assert client.get(reverse("alerts:rule_edit", args=[rule.pk])).status_code == 403
    response = client.post(reverse("alerts:rule_edit", args=[rule.pk]), {"name": "x", "threshold": "4", "version": "1"})
    assert response.status_code == 403
    assert AlertRule.objects.get(pk=rule.pk).threshold == 2


def test_a_below_target_alert_shows_its_weeks(scenario, client_for, rules, week_of):
    monday = date(2026, 11, 16)
    week_of(monday, 10, 5)
    week_of(monday + timedelta(weeks=1), 10, 8)
    (alert,) = services.weekly_check(today=date(2026, 11, 30))
    body = client_for(scenario.head_cardio).get(detail(alert)).content.decode()
    assert 'data-testid="weeks"' in body and "50.0%" in body and "80.0%" in body
    assert "/feedback/?department=D01&amp;start=2026-11-16&amp;end=2026-11-29&amp;state=valid" in body
