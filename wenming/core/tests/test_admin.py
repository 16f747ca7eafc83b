import pytest

from wenming.core.models import AuditEntry


@pytest.mark.django_db
def test_changes_in_the_admin_are_audited(scenario, client_for):
    client = client_for(scenario.sysadmin)
    url = f"/admin/auth/user/{scenario.employee.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "username": "employee",
            "first_name": "爽",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "is_active": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="admin.changed")
    assert entry.actor == scenario.sysadmin
    assert entry.target_repr == "employee"
    assert "First name" in entry.data["message"] or "名字" in entry.data["message"]


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_admin(scenario, client_for):
    client = client_for(scenario.sysadmin)
    assert client.get("/admin/core/auditentry/").status_code == 200
    assert client.get("/admin/core/auditentry/add/").status_code == 403
