import pytest
from django.db import DatabaseError, connection, transaction

from wenming.core.audit import audit_log, changes, describe, format_details, snapshot
from wenming.core.models import AuditEntry


@pytest.mark.django_db
def test_audit_log_records_actor_target_and_details(scenario):
    entry = audit_log(
        actor=scenario.office,
        action="org.department.updated",
        target=scenario.cardio,
        department=scenario.cardio,
        data=changes({"name": "心内科"}, {"name": "心血管内科"}),
        ip="10.0.0.8",
    )
    entry.refresh_from_db()
    assert entry.actor == scenario.office
    assert entry.actor_name == "office"
    assert entry.target_type == "org.department"
    assert entry.target_id == str(scenario.cardio.pk)
    assert entry.data == {"name": ["心内科", "心血管内科"]}
    assert format_details(entry.data) == [("name", "心内科 → 心血管内科")]
    assert describe(entry).endswith("心血管内科")


@pytest.mark.django_db
def test_system_changes_are_attributed_to_the_system(scenario):
    entry = audit_log(actor=None, action="org.import.completed", target_repr="demo")
    assert entry.actor is None
    assert entry.actor_name  # "system" in the active language


def test_unregistered_actions_are_refused():
    with pytest.raises(ValueError, match="Unregistered"):
        audit_log(actor=None, action="nobody.registered.this")


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted(scenario):
    entry = audit_log(actor=scenario.office, action="org.staff.updated", target=scenario.employee_staff)
    entry.action = "org.staff.created"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_the_database_refuses_updates_too(scenario):
    entry = audit_log(actor=scenario.office, action="org.staff.updated", target=scenario.employee_staff)
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["tampered", entry.pk])  # noqa: S608
    entry.refresh_from_db()
    assert entry.action == "org.staff.updated"


@pytest.mark.django_db
def test_snapshot_and_changes_keep_only_what_differs(scenario):
    before = snapshot(scenario.employee_staff, ["name", "department", "title"])
    after = {**before, "title": "主管护师"}
    assert changes(before, after) == {"title": [before["title"], "主管护师"]}
    assert before["department"] == "心内一病区"
