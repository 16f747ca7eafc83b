import pytest
from django.core import mail
from django.test import override_settings

from wenming.notifications.kinds import describe
from wenming.notifications.models import Notification
from wenming.notifications.selectors import heads_of, unread_count, users_with_roles
from wenming.notifications.services import notifications_mark_read, notify
from wenming.org.models import Role

KIND = "rectification.item.overdue"


def send(scenario, recipients, **kwargs):
    params = {"item": "#7 护士站物品摆放杂乱", "department": "心内一病区", "deadline": "2026-11-20"}
    return notify(recipients=recipients, kind=KIND, params=params, url="/rectification/7/", **kwargs)


def test_notify_writes_one_row_per_person_once_without_the_actor(scenario):
    rows = send(scenario, [scenario.head_cardio, scenario.office, scenario.head_cardio], exclude=scenario.office)
    assert [n.recipient for n in rows] == [scenario.head_cardio]
    assert unread_count(user=scenario.head_cardio) == 1
    assert unread_count(user=scenario.office) == 0


def test_unregistered_kinds_are_refused(scenario):
    with pytest.raises(ValueError):
        notify(recipients=[scenario.office], kind="nobody.knows", params={})


def test_the_sentence_is_worded_in_the_readers_language(scenario):
    (row,) = send(scenario, [scenario.head_cardio])
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = describe(row.kind, row.params)
    with translation.override("en"):
        en = describe(row.kind, row.params)
    assert "#7 护士站物品摆放杂乱" in zh and "2026-11-20" in zh and "overdue" not in zh
    assert en == "#7 护士站物品摆放杂乱 of 心内一病区 is overdue since 2026-11-20."
    assert "{" not in describe(row.kind, {})  # missing params show a dash, never a KeyError


def test_heads_of_a_department_include_heads_of_the_departments_above(scenario):
    assert set(heads_of(scenario.ward)) == {scenario.head_cardio}
    assert set(heads_of(scenario.cardio)) == {scenario.head_cardio}
    assert set(heads_of(scenario.ortho)) == {scenario.head_ortho}
    assert set(users_with_roles(Role.OFFICE, Role.LEADERSHIP)) == {scenario.office, scenario.leader}


def test_inactive_accounts_get_nothing(scenario):
    scenario.head_cardio.is_active = False
    scenario.head_cardio.save()
    assert send(scenario, [scenario.head_cardio]) == []


@override_settings(WENMING_NOTIFY_EMAIL=True)
def test_email_copies_when_turned_on(scenario, django_capture_on_commit_callbacks):
    scenario.head_cardio.email = "zhoutao@example.org"
    scenario.head_cardio.save()
    with django_capture_on_commit_callbacks(execute=True):
        send(scenario, [scenario.head_cardio, scenario.head_ortho])  # 骨科 has no address: skipped
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhoutao@example.org"]
    assert "心内一病区" in mail.outbox[0].body and "/rectification/7/" in mail.outbox[0].body
    assert Notification.objects.get(recipient=scenario.head_cardio).emailed_at is not None


def test_no_email_by_default(scenario, django_capture_on_commit_callbacks):
    scenario.head_cardio.email = "zhoutao@example.org"
    scenario.head_cardio.save()
    with django_capture_on_commit_callbacks(execute=True):
        send(scenario, [scenario.head_cardio])
    assert mail.outbox == []


# --- Pages ---------------------------------------------------------------------------------------


def test_list_shows_own_notifications_only(scenario, client_for):
    send(scenario, [scenario.head_cardio])
    notify(recipients=[scenario.head_ortho], kind=KIND, params={"item": "骨科的事项"})
    page = client_for(scenario.head_cardio).get("/notifications/").content.decode()
    assert "#7 护士站物品摆放杂乱" in page and "骨科的事项" not in page


def test_badge_counts_unread(scenario, client_for):
    send(scenario, [scenario.head_cardio])
    client = client_for(scenario.head_cardio)
    assert 'data-testid="unread-count">1<' in client.get("/notifications/badge/").content.decode()
    notifications_mark_read(user=scenario.head_cardio)
    assert "unread-count" not in client.get("/notifications/badge/").content.decode()


def test_opening_marks_read_and_follows_the_link(scenario, client_for):
    (row,) = send(scenario, [scenario.head_cardio])
    response = client_for(scenario.head_cardio).post(f"/notifications/{row.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/rectification/7/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_elses_notification_is_not_found(scenario, client_for):
    (row,) = send(scenario, [scenario.head_cardio])
    assert client_for(scenario.head_ortho).post(f"/notifications/{row.pk}/open/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_an_outside_link_is_not_followed(scenario, client_for):
    (row,) = notify(recipients=[scenario.head_cardio], kind=KIND, params={}, url="https://evil.example/")
    response = client_for(scenario.head_cardio).post(f"/notifications/{row.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_mark_all_read(scenario, client_for):
    send(scenario, [scenario.head_cardio])
    send(scenario, [scenario.head_cardio])
    client_for(scenario.head_cardio).post("/notifications/read-all/")
    assert unread_count(user=scenario.head_cardio) == 0


def test_pages_need_a_login(db, client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/badge/").status_code == 302
    assert client.get("/notifications/").url.startswith("/accounts/login/")


def test_list_query_count_is_constant(scenario, client_for, django_assert_max_num_queries):
    for _ in range(40):
        send(scenario, [scenario.head_cardio])
    client = client_for(scenario.head_cardio)
    with django_assert_max_num_queries(13):
        assert client.get("/notifications/?page=2").status_code == 200
