import datetime as dt

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.core.audit import audit_log


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@pytest.mark.django_db
def test_healthz_says_503_when_the_broker_is_down(client, settings, monkeypatch):
    from config.celery import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_office_dashboard_shows_org_facts_and_recent_changes(scenario, client_for):
    audit_log(actor=scenario.office, action="org.staff.updated", target=scenario.employee_staff)
    response = client_for(scenario.office).get("/")
    assert response.status_code == 200
    facts = response.context["facts"]
    assert facts["departments"] == 4
    assert facts["staff"] == 6
    assert [row["count"] for row in facts["departments_by_category"]] == [3, 0, 0, 1]
    assert response.context["recent_audit"]
    assert reverse("org:import") in response.content.decode()


@pytest.mark.django_db
def test_department_head_dashboard_counts_only_their_departments(scenario, client_for):
    response = client_for(scenario.head_cardio).get("/")
    facts = response.context["facts"]
    assert facts["departments"] == 2  # 心血管内科 and its ward
    assert facts["staff"] == 2
    assert "recent_audit" not in response.context
    assert reverse("org:import") not in response.content.decode()


@pytest.mark.django_db
def test_page_is_chinese_by_default(scenario, client_for):
    body = client_for(scenario.office).get("/").content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_language_switch_to_english(scenario, client_for):
    client = client_for(scenario.office)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee", "leader", "inspector"])
def test_audit_log_is_refused_to_everyone_but_the_office_and_admins(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


@pytest.mark.django_db
def test_audit_log_filters_and_exports(scenario, client_for):
    audit_log(
        actor=scenario.office,
        action="org.staff.updated",
        target=scenario.employee_staff,
        department=scenario.ward,
        data={"title": ["护师", "主管护师"]},
    )
    audit_log(actor=scenario.office, action="org.department.updated", target=scenario.ortho, department=scenario.ortho)
    client = client_for(scenario.office)

    response = client.get("/audit/", {"action": "org.staff.updated"})
    assert response.status_code == 200
    assert [entry.action for entry, _text, _details in response.context["rows"]] == ["org.staff.updated"]

    response = client.get("/audit/", {"department": "D02"})
    assert [entry.target_repr for entry, _text, _details in response.context["rows"]] == ["骨科"]

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.get("/audit/", {"date_from": tomorrow.isoformat()})
    assert list(response.context["rows"]) == []

    response = client.get("/audit/", {"q": "郑爽"}, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "core/_audit_table.html"
    assert len(response.context["rows"]) == 1

    export = client.get("/audit/export.xlsx", {"action": "org.staff.updated"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "office"
    assert "护师 → 主管护师" in rows[1][8]


@pytest.mark.django_db
def test_audit_page_query_count_does_not_grow_with_entries(scenario, client_for, django_assert_max_num_queries):
    for _ in range(60):
        audit_log(
            actor=scenario.office, action="org.staff.updated", target=scenario.employee_staff, department=scenario.ward
        )
    client = client_for(scenario.office)
    client.get("/audit/")  # warm the session and hospital cache
    with django_assert_max_num_queries(12):
        client.get("/audit/")


@pytest.mark.django_db
def test_client_address_comes_from_x_real_ip_only_behind_a_trusted_proxy(scenario, client_for, settings):
    from wenming.core.models import AuditEntry

    client = client_for(scenario.employee)
    payload = {
        "old_password": "Wenming-Test-2026",
        "new_password1": "Xin-Mima-2026!",
        "new_password2": "Xin-Mima-2026!",
    }
    client.post("/accounts/password/", payload, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.8.1.23")
    assert AuditEntry.objects.get(action="accounts.password_changed").ip == "10.8.1.23"

    # From an untrusted address the header is ignored: anyone could send it.
    client = client_for(scenario.office)
    payload["old_password"] = "Wenming-Test-2026"
    client.post("/accounts/password/", payload, REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="1.2.3.4")
    assert AuditEntry.objects.filter(action="accounts.password_changed").latest("id").ip == "10.9.9.9"


def test_not_found_and_not_allowed_are_pages_of_the_product_in_chinese(scenario, client_for):
    client = client_for(scenario.head_cardio)
    missing = client.get("/org/departments/D02/")  # another department: answered as missing
    assert missing.status_code == 404
    body = missing.content.decode()
    assert 'data-testid="error-404"' in body and "未找到" in body and "周涛" in body  # the usual frame
    refused = client.get("/audit/")
    assert refused.status_code == 403
    assert 'data-testid="error-403"' in refused.content.decode()
