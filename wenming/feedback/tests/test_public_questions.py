"""The QR page with the outpatient questionnaire in use: questions drawn, answers stored and counted
per dimension, a bad answer keeps what was typed, and the overall rating alone is still enough."""

from __future__ import annotations

import pytest

from wenming.feedback.models import Feedback
from wenming.feedback.tests.conftest import sid
from wenming.feedback.tests.test_public import form_fields, phone, url
from wenming.questionnaires.models import Dimension, RatingAnswer
from wenming.questionnaires.selectors import dimension_results
from wenming.questionnaires.tests.conftest import outpatient  # noqa: F401

pytestmark = pytest.mark.django_db


def _keys(spec):
    doctor = Dimension.objects.get(code="doctor").pk
    rating = next(q.key for q in spec.rating_questions if q.dimension_id == doctor)
    single = next(q.key for q in spec.questions if q.kind == "single")
    return rating, single


def test_the_page_asks_the_questionnaire_and_stays_small(codes, outpatient):  # noqa: F811
    response = phone(language="zh-CN").get(url(codes.cardio))
    body = response.content.decode()
    assert len(response.content) < 60 * 1024 and "<script" not in body
    assert form_fields(body)["qv"] == str(outpatient.pk)
    for question in outpatient.questions:
        assert question.text in body and f'name="q_{question.key}"' in body


def test_answers_are_stored_and_count_for_the_dimension(codes, clock, outpatient):  # noqa: F811
    client = phone()
    fields = form_fields(client.get(url(codes.cardio)).content.decode())
    clock.advance(seconds=20)
    rating, single = _keys(outpatient)
    data = {**fields, "overall": "4", f"q_{rating}": "5", f"q_{single}": "自助机", "comment": ""}
    assert client.post(url(codes.cardio), data).status_code == 200
    assert client.post(url(codes.cardio), data).status_code == 200  # resent: counted once

    feedback = Feedback.objects.get()
    assert feedback.answers == {rating: 5, single: "自助机"} and feedback.questionnaire_version_id == outpatient.pk
    assert RatingAnswer.objects.filter(feedback=feedback).count() == 1
    doctor = next(
        d
        for d in dimension_results(department_ids=[codes.cardio.department_id]).dimensions
        if d.dimension.code == "doctor"
    )
    assert (doctor.n, doctor.satisfied) == (1, 1)


def test_a_bad_answer_keeps_everything_typed(codes, clock, outpatient):  # noqa: F811
    client = phone()
    fields = form_fields(client.get(url(codes.cardio)).content.decode())
    clock.advance(seconds=20)
    rating, single = _keys(outpatient)
    response = client.post(
        url(codes.cardio),
        {**fields, "overall": "2", f"q_{rating}": "3", f"q_{single}": "骑马", "comment": "<b>等太久</b>"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'name="q_{rating}" value="3" checked' in body
    assert 'value="2" required checked' in body
    assert "&lt;b&gt;等太久&lt;/b&gt;" in body and "<b>等太久" not in body
    assert form_fields(body)["submission_id"] == fields["submission_id"]
    assert not Feedback.objects.exists()


def test_only_the_overall_rating_is_enough(codes, outpatient):  # noqa: F811
    response = phone().post(url(codes.cardio), {"overall": "5", "submission_id": sid()})
    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert feedback.answers == {} and feedback.questionnaire_version is None and feedback.is_valid
