"""The questionnaire pages: who may build and read, the HTMX builder, conflicts, results scoped."""

from __future__ import annotations

import pytest

from wenming.feedback import services as feedback_services
from wenming.questionnaires.models import Purpose, Questionnaire, VersionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(scenario):
    from wenming.questionnaires import services

    questionnaire = services.questionnaire_create(
        by=scenario.office, name="出院回访", purpose=Purpose.DISCHARGE, template=Purpose.DISCHARGE
    )
    return questionnaire, questionnaire.versions.get()


@pytest.mark.parametrize("who", ["head_cardio", "employee", "leader", "inspector"])
def test_only_the_office_builds(scenario, client_for, draft, who):
    questionnaire, version = draft
    client = client_for(getattr(scenario, who))
    assert client.get("/questionnaires/").status_code == 404
    assert client.get(f"/questionnaires/{questionnaire.pk}/").status_code == 404
    response = client.post(
        f"/questionnaires/{questionnaire.pk}/questions/", {"version": version.version, "kind": "text", "text": "x"}
    )
    assert response.status_code == 404
    assert version.questions.filter(text="x").count() == 0


def test_create_from_a_template_and_publish_and_use(scenario, client_for):
    client = client_for(scenario.office)
    assert client.get("/questionnaires/").status_code == 200
    response = client.post(
        "/questionnaires/new/", {"name": "门诊问卷", "purpose": "outpatient", "template": "outpatient"}
    )
    questionnaire = Questionnaire.objects.get(name="门诊问卷")
    assert response.status_code == 302 and response["Location"] == f"/questionnaires/{questionnaire.pk}/"
    page = client.get(f"/questionnaires/{questionnaire.pk}/")
    assert "医生是否耐心听您讲述" in page.content.decode()
    version = questionnaire.versions.get()
    client.post(f"/questionnaires/{questionnaire.pk}/publish/", {"version": version.version})
    client.post(f"/questionnaires/{questionnaire.pk}/use/")
    questionnaire.refresh_from_db()
    assert questionnaire.in_use and questionnaire.versions.get().status == VersionStatus.PUBLISHED


def test_a_bad_new_questionnaire_keeps_what_was_typed(scenario, client_for):
    response = client_for(scenario.office).post("/questionnaires/new/", {"name": "", "purpose": "outpatient"})
    assert response.status_code == 400 and 'value="outpatient" selected' in response.content.decode()


def test_htmx_builder_adds_edits_and_refuses_a_stale_page(scenario, client_for, draft):
    questionnaire, version = draft
    client = client_for(scenario.office)
    opened = version.version
    response = client.post(
        f"/questionnaires/{questionnaire.pk}/questions/",
        {"version": opened, "kind": "multi", "text": "<i>哪些</i>需要改进", "options": "饮食\n收费"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="draft"' in body and "&lt;i&gt;哪些&lt;/i&gt;需要改进" in body
    added = version.questions.get(text__contains="需要改进")

    stale = client.post(
        f"/questionnaires/{questionnaire.pk}/questions/{added.pk}/",
        {"version": opened, "kind": "text", "text": "改了"},
        HTTP_HX_REQUEST="true",
    )
    assert "changed this draft" in stale.content.decode() or "修改" in stale.content.decode()
    added.refresh_from_db()
    assert added.text == "<i>哪些</i>需要改进"

    invalid = client.post(
        f"/questionnaires/{questionnaire.pk}/questions/{added.pk}/",
        {"version": opened + 1, "kind": "single", "text": "改了", "options": "只有一项"},
        HTTP_HX_REQUEST="true",
    )
    assert invalid["HX-Retarget"] == f"#question-{added.pk}" and "只有一项" in invalid.content.decode()


def test_results_are_scoped_for_a_department_head(scenario, client_for, outpatient):
    spec = outpatient
    rating = spec.rating_questions[0]
    for department, value in ((scenario.cardio, 5), (scenario.ortho, 1)):
        feedback_services.feedback_record(
            by=scenario.office,
            department=department,
            overall=value,
            answers={rating.key: value},
            channel="office",
            questionnaire_version=spec,
        )
    questionnaire_pk = spec.questionnaire_id
    head = client_for(scenario.head_cardio)
    body = head.get(f"/questionnaires/{questionnaire_pk}/results/").content.decode()
    assert 'data-testid="overall-rate">100.00%' in body  # 骨科's 1 is not theirs
    refused = head.get(f"/questionnaires/{questionnaire_pk}/results/?department={scenario.ortho.code}")
    assert 'data-testid="overall-rate">100.00%' in refused.content.decode()  # not a choice: ignored

    office = client_for(scenario.office).get(f"/questionnaires/{questionnaire_pk}/results/").content.decode()
    assert 'data-testid="overall-rate">50.00%' in office
    assert client_for(scenario.employee).get(f"/questionnaires/{questionnaire_pk}/results/").status_code == 404


@pytest.mark.parametrize("answers", [2, 40])
def test_results_page_queries_do_not_grow(scenario, client_for, outpatient, django_assert_max_num_queries, answers):
    for _ in range(answers):
        feedback_services.feedback_record(
            by=scenario.office,
            department=scenario.cardio,
            overall=4,
            answers={q.key: 4 for q in outpatient.rating_questions},
            channel="office",
            questionnaire_version=outpatient,
        )
    client = client_for(scenario.office)
    with django_assert_max_num_queries(17):
        assert client.get(f"/questionnaires/{outpatient.questionnaire_id}/results/").status_code == 200


def test_dimensions_page(scenario, client_for):
    client = client_for(scenario.office)
    assert "挂号就诊" in client.get("/questionnaires/dimensions/").content.decode()
    response = client.post(
        "/questionnaires/dimensions/",
        {"code": "pharmacy", "name": "医生沟通", "weight": "1", "order": "5", "active": "on"},
    )
    assert response.status_code == 400 and 'value="医生沟通"' in response.content.decode()
    assert client_for(scenario.head_cardio).get("/questionnaires/dimensions/").status_code == 404
