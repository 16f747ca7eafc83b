"""Kiosk mode: registered by the office, switched on by its activation link, the form resetting
itself after each rating, no burst flags for one tablet's many ratings, leaving only with the PIN."""

from __future__ import annotations

import re

import pytest

from wenming.feedback import kiosk as kiosks
from wenming.feedback.models import Channel, Feedback, Kiosk
from wenming.feedback.tests.test_public import form_fields, phone, url
from wenming.questionnaires.tests.conftest import outpatient  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(scenario, codes):
    return kiosks.kiosk_create(by=scenario.office, name="出院结算处", rating_code=codes.point, pin="2468")


def _tablet(kiosk):
    tablet = phone(ua="Mozilla/5.0 (Linux; Android 13; Tablet)")
    response = tablet.get(f"/r/kiosk/{kiosk.token}/")
    assert response.status_code == 302 and response["Location"] == url(kiosk.rating_code)
    return tablet


def _rate(tablet, kiosk, clock, overall="5"):
    fields = form_fields(tablet.get(url(kiosk.rating_code)).content.decode())
    clock.advance(seconds=15)
    return tablet.post(url(kiosk.rating_code), {**fields, "overall": overall, "comment": "出院手续很快"}), fields


def test_the_office_registers_kiosks_and_others_may_not(scenario, client_for, codes):
    office = client_for(scenario.office)
    response = office.post("/feedback/kiosks/new/", {"name": "出院结算处", "rating_code": codes.point.pk, "pin": "12"})
    assert response.status_code == 400 and 'value="出院结算处"' in response.content.decode()
    office.post("/feedback/kiosks/new/", {"name": "出院结算处", "rating_code": codes.point.pk, "pin": "1357"})
    kiosk = Kiosk.objects.get()
    assert kiosk.pin_hash != "1357" and kiosks.kiosk_pin_check(kiosk=kiosks._info(kiosk.pk), pin="1357")
    assert f"/r/kiosk/{kiosk.token}/" in office.get("/feedback/kiosks/").content.decode()
    for who in ("head_cardio", "employee"):
        client = client_for(getattr(scenario, who))
        assert client.get("/feedback/kiosks/").status_code == 403
        assert client.post(f"/feedback/kiosks/{kiosk.pk}/deactivate/").status_code == 403
    kiosk.refresh_from_db()
    assert kiosk.active


def test_a_kiosk_resets_after_each_rating_and_is_not_flagged_as_a_burst(kiosk, clock):
    tablet = _tablet(kiosk)
    ids = set()
    for _ in range(8):  # eight patients in a row on one tablet, the same answer
        response, fields = _rate(tablet, kiosk, clock)
        body = response.content.decode()
        assert response.status_code == 200 and 'data-testid="thanks"' in body
        assert re.search(r'http-equiv="refresh" content="5;url=/r/' + kiosk.rating_code.code, body)
        ids.add(fields["submission_id"])
    assert len(ids) == 8  # every reset is a new form
    rows = Feedback.objects.all()
    assert rows.count() == 8 and all(f.is_valid and f.channel == Channel.KIOSK and not f.flag_reasons for f in rows)


def test_the_same_phone_without_kiosk_mode_is_flagged(kiosk, clock):
    patient = phone(ua="Mozilla/5.0 (Linux; Android 13; Tablet)")
    for _ in range(6):
        fields = form_fields(patient.get(url(kiosk.rating_code)).content.decode())
        clock.advance(seconds=15)
        patient.post(url(kiosk.rating_code), {**fields, "overall": "5"})
    assert Feedback.objects.filter(is_valid=False).exists()
    assert not Feedback.objects.filter(channel=Channel.KIOSK).exists()


def test_the_kiosk_asks_the_inpatient_questionnaire(scenario, kiosk, outpatient):  # noqa: F811
    from wenming.questionnaires import services as questionnaires

    inpatient = questionnaires.questionnaire_create(
        by=scenario.office, name="住院", purpose="inpatient", template="inpatient"
    )
    draft = inpatient.versions.get()
    questionnaires.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    questionnaires.questionnaire_use(by=scenario.office, questionnaire=inpatient)
    body = _tablet(kiosk).get(url(kiosk.rating_code)).content.decode()
    assert "病房是否安静、整洁" in body and "候诊时间是否可以接受" not in body
    assert "候诊时间是否可以接受" in phone().get(url(kiosk.rating_code)).content.decode()


def test_leaving_kiosk_mode_needs_the_pin_and_guessing_is_stopped(kiosk, clock):
    tablet = _tablet(kiosk)
    assert tablet.post("/r/kiosk/exit/", {"pin": "0000"}).status_code == 400
    assert kiosks.COOKIE in tablet.cookies and tablet.cookies[kiosks.COOKIE].value
    for _ in range(4):
        tablet.post("/r/kiosk/exit/", {"pin": "0000"})
    refused = tablet.post("/r/kiosk/exit/", {"pin": "2468"})  # the right one, but too many tries
    assert refused.status_code == 400
    clock.advance(minutes=2)
    from django.core.cache import cache

    cache.delete(f"feedback:kiosk-pin:{kiosk.pk}")  # the locmem cache does not follow the fake clock
    left = tablet.post("/r/kiosk/exit/", {"pin": "2468"})
    assert left.status_code == 200 and 'data-testid="kiosk-left"' in left.content.decode()
    assert not tablet.cookies[kiosks.COOKIE].value
    response, _ = _rate(tablet, kiosk, clock)
    assert "http-equiv" not in response.content.decode()


def test_a_forged_or_retired_kiosk_cookie_is_ignored(scenario, kiosk, clock):
    tablet = phone()
    tablet.cookies[kiosks.COOKIE] = f'{{"k": {kiosk.pk}, "t": "{kiosk.token}"}}'  # not signed
    assert "kiosk-exit" not in tablet.get(url(kiosk.rating_code)).content.decode()

    tablet = _tablet(kiosk)
    assert "kiosk-exit" in tablet.get(url(kiosk.rating_code)).content.decode()
    kiosks.kiosk_deactivate(by=scenario.office, kiosk=kiosk)
    assert "kiosk-exit" not in tablet.get(url(kiosk.rating_code)).content.decode()
    assert tablet.get(f"/r/kiosk/{kiosk.token}/").status_code == 404
