import time

import pytest

from wenming.accounts import totp
from wenming.accounts.models import TOTPDevice
from wenming.core.models import AuditEntry

PASSWORD = "Wenming-Test-2026"
# RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890".
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time, code):
    assert totp.code_at(RFC_SECRET, totp.current_step(unix_time)) == code


def test_a_code_matches_within_one_step_and_never_twice():
    now = 1_800_000_000
    step = totp.current_step(now)
    code = totp.code_at(RFC_SECRET, step - 1)
    assert totp.matching_step(RFC_SECRET, code, now=now) == step - 1
    assert totp.matching_step(RFC_SECRET, code, now=now, after_step=step - 1) is None
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 2), now=now) is None
    assert totp.matching_step(RFC_SECRET, "12345", now=now) is None


def _current_code(user) -> str:
    return totp.code_at(TOTPDevice.objects.get(user=user).secret, totp.current_step(time.time()))


@pytest.mark.django_db
def test_office_turns_on_two_step_login_and_then_needs_a_code(scenario, client):
    client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    page = client.get("/accounts/two-step/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert client.post("/accounts/two-step/", {"code": "000000"}).status_code == 200  # wrong code: stays off
    assert not TOTPDevice.objects.get(user=scenario.office).confirmed
    response = client.post("/accounts/two-step/", {"code": _current_code(scenario.office)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=scenario.office).confirmed
    assert AuditEntry.objects.filter(action="accounts.totp_enabled", actor=scenario.office).exists()
    client.post("/accounts/logout/")

    # The password alone no longer logs in.
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert response["Location"] == "/accounts/login/code/"
    assert client.get("/").status_code == 302
    # The code just used for confirming cannot be used again.
    device = TOTPDevice.objects.get(user=scenario.office)
    used = totp.code_at(device.secret, device.last_step)
    assert client.post("/accounts/login/code/", {"code": used}).status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_code_step_logs_in_with_a_fresh_code(scenario, client):
    device = TOTPDevice.objects.create(user=scenario.office, secret=totp.new_secret(), confirmed=True)
    client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"code": _current_code(scenario.office)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.last_step >= totp.current_step() - 1


@pytest.mark.django_db
def test_five_wrong_codes_send_the_person_back_to_the_password(scenario, client):
    TOTPDevice.objects.create(user=scenario.office, secret=totp.new_secret(), confirmed=True)
    client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    for _ in range(4):
        assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 200
    response = client.post("/accounts/login/code/", {"code": "000000"})
    assert response["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_the_code_page_without_a_password_step_goes_back_to_login(client):
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_turning_it_off_needs_the_password(scenario, client_for):
    TOTPDevice.objects.create(user=scenario.office, secret=totp.new_secret(), confirmed=True)
    client = client_for(scenario.office)
    assert client.post("/accounts/two-step/", {"password": "wrong"}).status_code == 200
    assert TOTPDevice.objects.filter(user=scenario.office).exists()
    assert client.post("/accounts/two-step/", {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=scenario.office).exists()
    assert AuditEntry.objects.filter(action="accounts.totp_disabled").exists()
