import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.followups import services
from wenming.followups.models import BatchStatus, CallAttempt, CallStatus, FollowupBatch, FollowupCall
from wenming.followups.selectors import progress
from wenming.org.access import access_for

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def _csv(n):
    lines = ["姓名,电话,科室,出院日期"] + [
        f"病人{i},139{i:08d},{'D01' if i % 2 else 'D02'},2026-10-{i % 28 + 1:02d}" for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def calls(scenario):
    batch = services.batch_upload(
        by=scenario.office, name="十月", start=START, end=END, data=_csv(12), file_name="a.csv"
    )
    batch = services.batch_confirm(by=scenario.office, batch=batch)
    services.sample_draw(
        by=scenario.office,
        batch=batch,
        departments=[scenario.cardio, scenario.ortho],
        mode="number",
        value=3,
        callers=[scenario.office],
        seed=7,
    )
    return batch


def test_office_uploads_previews_and_confirms(scenario, client_for):
    client = client_for(scenario.office)
    upload = SimpleUploadedFile("list.csv", _csv(4))
    response = client.post(reverse("followups:batches"), {"name": "十月", "start": START, "end": END, "file": upload})
    batch = FollowupBatch.objects.get()
    assert response.status_code == 302 and batch.status == BatchStatus.PREVIEWED
    page = client.get(reverse("followups:batch", args=[batch.pk])).content.decode()
    assert "139****0001" in page and "13900000001" not in page
    client.post(reverse("followups:batch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED and batch.patient_count == 4


def test_invalid_upload_shows_every_row_and_offers_a_new_upload(scenario, client_for):
    client = client_for(scenario.office)
    data = "姓名,电话,科室,出院日期\n张三,123,D01,2026-10-02\n".encode()
    client.post(
        reverse("followups:batches"),
        {"name": "十月", "start": START, "end": END, "file": SimpleUploadedFile("list.csv", data)},
    )
    batch = FollowupBatch.objects.get()
    page = client.get(reverse("followups:batch", args=[batch.pk])).content.decode()
    assert "第 2 行：" in page and 'data-testid="upload-form"' in page


def test_sample_from_the_page(scenario, client_for):
    batch = services.batch_confirm(
        by=scenario.office,
        batch=services.batch_upload(
            by=scenario.office, name="十月", start=START, end=END, data=_csv(10), file_name="a.csv"
        ),
    )
    client = client_for(scenario.office)
    response = client.post(
        reverse("followups:batch_sample", args=[batch.pk]),
        {"departments": [scenario.cardio.pk], "mode": "percent", "value": 40, "callers": [scenario.office.pk]},
    )
    assert response.status_code == 302
    assert FollowupCall.objects.filter(department=scenario.cardio).count() == 2


@pytest.mark.parametrize("who", ["employee", "inspector", "leader", "head_cardio"])
def test_office_pages_refuse_everyone_else(scenario, client_for, calls, who):
    client = client_for(getattr(scenario, who))
    assert client.get(reverse("followups:batches")).status_code == 403
    assert client.get(reverse("followups:batch", args=[calls.pk])).status_code == 403
    assert client.post(reverse("followups:batch_confirm", args=[calls.pk])).status_code == 403


@pytest.mark.parametrize("who", ["employee", "inspector", "leader"])
def test_queue_refuses_people_without_follow_up_access(scenario, client_for, calls, who):
    client = client_for(getattr(scenario, who))
    assert client.get(reverse("followups:queue")).status_code == 403
    call = FollowupCall.objects.first()
    assert client.get(reverse("followups:call", args=[call.pk])).status_code == 403


def test_other_department_head_gets_404_and_heads_never_see_phones(scenario, client_for, calls):
    ortho_call = FollowupCall.objects.filter(department=scenario.ortho).first()
    cardio_call = FollowupCall.objects.filter(department=scenario.cardio).first()
    client = client_for(scenario.head_cardio)
    assert client.get(reverse("followups:call", args=[ortho_call.pk])).status_code == 404
    page = client.get(reverse("followups:call", args=[cardio_call.pk])).content.decode()
    assert cardio_call.patient.phone not in page and cardio_call.patient.masked_phone not in page
    queue = client.get(reverse("followups:queue")).content.decode()
    assert "心血管内科" in queue and "****" not in queue
    assert queue.count("<tr>") - 1 == 3  # only the three cardiology calls


def test_assigned_caller_sees_the_phone_others_masked(scenario, client_for, calls):
    call = FollowupCall.objects.first()
    page = client_for(scenario.office).get(reverse("followups:call", args=[call.pk])).content.decode()
    assert f"tel:{call.patient.phone}" in page
    other = _second_office_user(scenario)
    call.caller = other
    call.save()
    page = client_for(scenario.office).get(reverse("followups:call", args=[call.pk])).content.decode()
    assert call.patient.phone not in page and call.patient.masked_phone in page


def _second_office_user(scenario):
    from wenming.org.models import Role, RoleAssignment
    from wenming.org.tests.factories import UserFactory

    user = UserFactory(username="office2")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE)
    return user


def test_caller_records_no_answer_and_someone_else_cannot(scenario, client_for, calls):
    call = FollowupCall.objects.first()
    url = reverse("followups:call", args=[call.pk])
    other = _second_office_user(scenario)
    assert client_for(other).post(url, {"outcome": "refused", "version": call.version}).status_code == 403
    client = client_for(scenario.office)
    response = client.post(url, {"outcome": "no_answer", "version": call.version, "note": "关机"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.NO_ANSWER and call.attempts == 1
    assert CallAttempt.objects.get().note == "关机"
    stale = client.post(url, {"outcome": "refused", "version": call.version - 1})
    assert stale.status_code == 400 and "刷新" in stale.content.decode()


def test_queue_query_counts_do_not_grow_with_the_calls(scenario, client_for, calls, django_assert_num_queries):
    client = client_for(scenario.office)
    client.get(reverse("followups:queue"))  # warm the session
    with django_assert_num_queries(12):  # session, user, access (3), count, page, batches, base template, session save
        assert client.get(reverse("followups:queue") + "?all=1").status_code == 200
    # another caller on some rows: still the same number of queries (callers are joined)
    FollowupCall.objects.filter(department=scenario.ortho).update(caller=_second_office_user(scenario))
    with django_assert_num_queries(12):
        assert client.get(reverse("followups:queue") + "?all=1").status_code == 200
    head = client_for(scenario.head_cardio)
    head.get(reverse("followups:queue"))
    with django_assert_num_queries(12):  # the head's departments are a subquery
        assert head.get(reverse("followups:queue")).status_code == 200


def test_progress_per_department_and_export(scenario, client_for, calls, django_assert_num_queries):
    ortho = list(FollowupCall.objects.filter(department=scenario.ortho).order_by("pk"))
    services.call_record(by=scenario.office, call=ortho[0], outcome="refused", expected_version=ortho[0].version)
    services.call_record(by=scenario.office, call=ortho[1], outcome="wrong_number", expected_version=ortho[1].version)
    services.call_record(by=scenario.office, call=ortho[2], outcome="no_answer", expected_version=ortho[2].version)
    rows, total = progress(access=access_for(scenario.office), batch=calls)
    by_name = {r.department: r for r in rows}
    assert (
        by_name["骨科"].sampled,
        by_name["骨科"].refused,
        by_name["骨科"].wrong_number,
        by_name["骨科"].no_answer,
    ) == (
        3,
        1,
        1,
        1,
    )
    assert by_name["骨科"].completion_rate == 0 and by_name["骨科"].satisfaction is None
    assert total.sampled == 6
    client = client_for(scenario.office)
    url = reverse("followups:progress", args=[calls.pk])
    client.get(url)
    with django_assert_num_queries(11):  # session, user, access (3), batch, one GROUP BY, base, session save
        assert client.get(url).status_code == 200
    export = client.get(url + "?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    head = client_for(scenario.head_cardio).get(url).content.decode()
    assert "骨科" not in head and "心血管内科" in head


@pytest.mark.parametrize("who", ["employee", "inspector"])
def test_progress_refusals(scenario, client_for, calls, who):
    assert client_for(getattr(scenario, who)).get(reverse("followups:progress", args=[calls.pk])).status_code == 403


def test_progress_other_head_without_calls_gets_404(scenario, client_for, calls):
    FollowupCall.objects.filter(department=scenario.ortho).delete()
    assert client_for(scenario.head_ortho).get(reverse("followups:progress", args=[calls.pk])).status_code == 404


def test_a_completed_call_with_a_missing_answer_keeps_what_was_typed(scenario, client_for, calls):
    from wenming.questionnaires import services as questionnaires

    questionnaire = questionnaires.questionnaire_create(
        by=scenario.office, name="出院回访", purpose="discharge", template="discharge"
    )
    draft = questionnaire.versions.get()
    questionnaires.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    questionnaires.questionnaire_use(by=scenario.office, questionnaire=questionnaire)
    first = draft.questions.order_by("order").first()

    call = FollowupCall.objects.first()
    url = reverse("followups:call", args=[call.pk])
    client = client_for(scenario.office)
    page = client.get(url).content.decode()
    assert first.text in page and f'name="q_{first.key}"' in page
    response = client.post(
        url,
        {
            "outcome": "completed",
            "version": call.version,
            "overall": "4",
            f"q_{first.key}": "5",
            "comment": "<b>好</b>",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f'name="q_{first.key}" value="5" id="q_{first.key}-1" checked' in body and "&lt;b&gt;好&lt;/b&gt;" in body
    call.refresh_from_db()
    assert call.is_open and call.feedback is None
