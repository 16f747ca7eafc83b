import pytest
from django.conf import settings

from wenming.core.models import AuditEntry

PASSWORD = "Wenming-Test-2026"


@pytest.mark.django_db
def test_login_page_is_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_login_with_the_right_password_lands_on_home(scenario, client):
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message_and_keeps_the_username(scenario, client):
    response = client.post("/accounts/login/", {"username": "office", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="office"' in response.content.decode()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_with_the_right_password(scenario, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "office", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert response.status_code == 429
    assert "lockout" in response.content.decode()
    # Another account behind the same address is not locked.
    assert client.post("/accounts/login/", {"username": "employee", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(scenario, client_for):
    client = client_for(scenario.office)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change_checks_the_old_password_and_is_audited(scenario, client):
    client.post("/accounts/login/", {"username": "employee", "password": PASSWORD})
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "Xin-Mima-2026!", "new_password2": "Xin-Mima-2026!"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Xin-Mima-2026!", "new_password2": "Xin-Mima-2026!"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="accounts.password_changed", actor=scenario.employee).exists()
    client.logout()
    response = client.post("/accounts/login/", {"username": "employee", "password": "Xin-Mima-2026!"})
    assert response.status_code == 302


def test_sessions_expire_when_idle_and_when_the_browser_closes():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office", "head_cardio", "employee", "leader"])
def test_django_admin_is_for_system_admins_only(scenario, client_for, who):
    response = client_for(getattr(scenario, who)).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_system_admin_reaches_the_admin_in_chinese(scenario, client_for):
    response = client_for(scenario.sysadmin).get("/admin/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
