"""The overdue deduction rule page and its service: the office only, codes checked against the
standard's newest version, the version checked, every change audited."""

from __future__ import annotations

import pytest

from wenming.core.models import AuditEntry
from wenming.rectification.models import OverdueRule
from wenming.rectification.services import (
    RectificationConflict,
    RectificationError,
    RectificationNotAllowed,
    overdue_rule_save,
)
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db

RULE = "/rectification/rule/"


@pytest.fixture
def standards(scenario):
    load_example_standards()
    return {s.code: s for s in Standard.objects.all()}


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def form_data(**changes) -> dict:
    return {"active": "on", "days": 7, "standard": "WMKS-M-2026", "code": "A1b", "version": 1, **changes}


def test_anonymous_people_are_sent_to_log_in(client):
    for address in (RULE, f"{RULE}codes/"):
        response = client.get(address)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "head_cardio", "leader", "inspector"])
def test_only_the_office_opens_the_rule(scenario, standards, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get(RULE).status_code == 403
    assert client.get(f"{RULE}codes/", {"standard": "WMKS-M-2026"}).status_code == 403
    assert client.post(RULE, form_data()).status_code == 403
    assert not OverdueRule.objects.exists()


def test_before_the_first_save_the_rule_is_off(scenario, standards, client_for):
    response = english(client_for(scenario.office)).get(RULE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Off: overdue items record no deduction." in body
    assert 'name="version" value="1"' in body
    # Only the standards that score departments can be chosen.
    assert [s.code for s in response.context["form"].fields["standard"].queryset] == ["WMKS-M-2026", "WMKS-Q-2026"]
    assert client_for(scenario.sysadmin).get(RULE).status_code == 200


def test_the_office_saves_the_rule_and_it_is_audited(scenario, standards, client_for):
    client = english(client_for(scenario.office))
    response = client.post(RULE, form_data())
    assert response.status_code == 302 and response["Location"] == RULE
    rule = OverdueRule.objects.get()
    assert (rule.active, rule.days, rule.standard.code, rule.code, rule.version) == (
        True,
        7,
        "WMKS-M-2026",
        "A1b",
        2,
    )
    assert rule.updated_by == scenario.office
    entry = AuditEntry.objects.get(action="rectification.rule.changed")
    assert entry.actor == scenario.office
    assert entry.data == {
        "active": [False, True],
        "standard": ["", "WMKS-M-2026"],
        "code": ["", "A1b"],
    }
    body = client.get(RULE).content.decode()
    assert "On: more than 7 days overdue records A1b of WMKS-M-2026." in body
    assert 'name="version" value="2"' in body
    # Saving the same again changes and logs nothing.
    assert client.post(RULE, form_data(version=2)).status_code == 302
    assert OverdueRule.objects.get().version == 2
    assert AuditEntry.objects.filter(action="rectification.rule.changed").count() == 1
    # Turning it off keeps one row.
    client.post(RULE, form_data(active="", version=2, days=10))
    rule = OverdueRule.objects.get()
    assert (rule.active, rule.days, rule.version) == (False, 10, 3)


def test_the_code_must_be_a_deduction_of_the_standard(scenario, standards, client_for):
    client = english(client_for(scenario.office))
    for code in ("A1", "F1", "V1", "ZZ9"):  # an item, a bonus, a veto, nothing
        response = client.post(RULE, form_data(code=code))
        assert response.status_code == 400
        body = response.content.decode()
        assert f"{code} is not a deduction of WMKS-M-2026." in body
        assert f'value="{code}"' in body  # what was typed stays
    response = client.post(RULE, form_data(code=""))
    assert response.status_code == 400 and "Give the deduction code to record." in response.content.decode()
    response = client.post(RULE, form_data(standard=""))
    assert response.status_code == 400
    assert "Choose the standard the deduction is recorded under." in response.content.decode()
    response = client.post(RULE, form_data(days=0))
    assert response.status_code == 400
    assert not OverdueRule.objects.exists()


def test_a_stale_page_shows_the_stored_rule_and_saves_nothing(scenario, standards, client_for):
    client = english(client_for(scenario.office))
    overdue_rule_save(
        by=scenario.sysadmin, active=True, days=14, standard=standards["WMKS-M-2026"], code="C1", expected_version=1
    )
    response = client.post(RULE, form_data(days=3))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "was changed by someone else" in body
    assert "C1" in body and 'value="3"' in body  # the stored values shown, what was typed kept
    assert 'name="version" value="2"' in body  # a second save (after reading) replaces them
    rule = OverdueRule.objects.get()
    assert (rule.days, rule.code) == (14, "C1")
    assert client.post(RULE, form_data(days=3, version=2)).status_code == 302
    assert OverdueRule.objects.get().days == 3


def test_the_code_list_follows_the_standard(scenario, standards, client_for):
    client = client_for(scenario.office)
    body = client.get(f"{RULE}codes/", {"standard": "WMKS-M-2026"}).content.decode()
    assert '<option value="A1b">A1b 创建活动无记录或记录不全</option>' in body
    assert 'value="A1"' not in body and 'value="F1"' not in body and 'value="E1"' in body
    assert client.get(f"{RULE}codes/", {"standard": "YDKP-2026"}).content.decode().strip() == ""


def test_the_rule_service_refuses_others_and_checks_the_standard(scenario, standards):
    with pytest.raises(RectificationNotAllowed):
        overdue_rule_save(by=scenario.head_cardio, active=False, days=7, standard=None, code="", expected_version=1)
    with pytest.raises(RectificationError) as caught:
        overdue_rule_save(
            by=scenario.office, active=True, days=7, standard=standards["YDKP-2026"], code="A1", expected_version=1
        )
    assert set(caught.value.error_dict) == {"standard"}
    overdue_rule_save(by=scenario.office, active=False, days=9, standard=None, code="", expected_version=1)
    with pytest.raises(RectificationConflict):
        overdue_rule_save(by=scenario.office, active=False, days=8, standard=None, code="", expected_version=1)
    assert OverdueRule.objects.get().days == 9
