"""Results per dimension by the rate method and the 100-point method, by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wenming.feedback import services as feedback_services
from wenming.feedback.models import Feedback
from wenming.questionnaires.models import Dimension
from wenming.questionnaires.selectors import dimension_results, question_results

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC)


def _give(scenario, spec, ratings: dict[str, int], *, department=None, at=AT, extra=None):
    keys = {q.dimension_id: q.key for q in spec.rating_questions}
    codes = dict(Dimension.objects.values_list("code", "pk"))
    answers = {keys[codes[code]]: rating for code, rating in ratings.items()}
    answers.update(extra or {})
    return feedback_services.feedback_record(
        by=scenario.office,
        department=department or scenario.cardio,
        overall=5,
        answers=answers,
        channel="office",
        questionnaire_version=spec,
        at=at,
    )


def _dim(results, code):
    return next(d for d in results.dimensions if d.dimension.code == code)


def test_both_methods_per_dimension_and_weighted_overall(scenario, outpatient):
    _give(scenario, outpatient, {"doctor": 5, "waiting": 2})
    _give(scenario, outpatient, {"doctor": 4, "waiting": 3})
    _give(scenario, outpatient, {"doctor": 3})
    invalid = _give(scenario, outpatient, {"doctor": 1, "waiting": 1})
    Feedback.objects.filter(pk=invalid.pk).update(is_valid=False)  # e.g. confirmed stuffing
    _give(scenario, outpatient, {"doctor": 1}, department=scenario.ortho)

    results = dimension_results(department_ids=[scenario.cardio.pk])
    doctor, waiting = _dim(results, "doctor"), _dim(results, "waiting")
    assert (doctor.n, doctor.satisfied, doctor.rate, doctor.score) == (3, 2, Decimal("0.6667"), Decimal("75.00"))
    assert (waiting.n, waiting.satisfied, waiting.rate, waiting.score) == (2, 0, Decimal("0.0000"), Decimal("37.50"))
    assert _dim(results, "privacy").n == 0 and _dim(results, "privacy").rate is None
    assert results.rate == Decimal("0.4000")  # 2 of 5 answers
    # Weights: 医生沟通 1.5, 候诊时间 1 → (1.5 × 75 + 1 × 37.5) / 2.5 = 60
    assert results.score == Decimal("60.00")

    hospital = dimension_results()
    assert _dim(hospital, "doctor").n == 4


def test_the_period_is_in_hospital_dates(scenario, outpatient):
    _give(
        scenario, outpatient, {"doctor": 5}, at=dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)
    )  # 11-01 00:30 in Beijing
    _give(scenario, outpatient, {"doctor": 1}, at=dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC))  # 10-31 23:30
    november = dimension_results(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert (_dim(november, "doctor").n, _dim(november, "doctor").satisfied) == (1, 1)


def test_answers_per_question(scenario, outpatient):
    single = next(q for q in outpatient.questions if q.kind == "single")
    _give(scenario, outpatient, {"doctor": 5}, extra={single.key: "自助机"})
    _give(scenario, outpatient, {"doctor": 4}, extra={single.key: "自助机"})
    _give(scenario, outpatient, {"doctor": 4}, extra={single.key: "窗口"})
    version = Feedback.objects.first().questionnaire_version
    results = {r.question.key: r for r in question_results(version=version)}
    assert {label: count for label, count, _ in results[single.key].rows} == {
        "窗口": 1,
        "自助机": 2,
        "手机预约": 0,
        "其他": 0,
    }
    doctor_key = next(
        q.key for q in outpatient.rating_questions if Dimension.objects.get(pk=q.dimension_id).code == "doctor"
    )
    rows = results[doctor_key].rows
    assert [(label, count) for label, count, _ in rows] == [("5", 1), ("4", 2), ("3", 0), ("2", 0), ("1", 0)]
    assert rows[1][2] == Decimal("0.6667")
