"""The quarterly review (承诺践诺评议): its two parts, generating and refreshing the drafts,
concluding, publishing and withdrawing, and who may read which."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from wenming.commitments import reviews
from wenming.commitments.models import CommitmentReview, ReviewStatus
from wenming.core.models import AuditEntry
from wenming.notifications.models import Notification

from .conftest import give

pytestmark = pytest.mark.django_db

LIST = "/evaluations/commitments/reviews/"


def result(round_id, score, *, raters=12, day=1, title="第三季度科室互评"):
    return SimpleNamespace(
        round_id=round_id,
        title=title,
        period_key="2026-Q3",
        published_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
        score=None if score is None else Decimal(score),
        ratees=5,
        raters=raters,
    )


@pytest.fixture
def rounds(monkeypatch):
    """The rounds app's results as the test gives them: ``given[department code] = [results]``."""
    given: dict[str, list] = {}
    calls = []

    def round_results(*, department, period_key):
        calls.append((department.code, period_key))
        return given.get(department.code, [])

    monkeypatch.setattr(reviews, "round_results", round_results)
    return SimpleNamespace(given=given, calls=calls)


def test_generate_counts_patients_and_takes_the_latest_peer_round(people, rounds):
    give(people.cardio, 5, "2026-07-01")
    give(people.cardio, 4, "2026-09-30")
    give(people.cardio, 3, "2026-08-15")
    give(people.cardio, 1, "2026-08-15", valid=False)  # invalid: not counted
    give(people.cardio, 1, "2026-10-01")  # the next quarter
    give(people.ward, 5, "2026-08-15")  # the ward counts for itself
    rounds.given["D01"] = [result(1, "88.5", day=2), result(2, "91.256", raters=20, day=9), result(3, None, day=20)]
    counts = reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    assert counts == {"created": 4, "refreshed": 0, "published": 0}
    cardio = CommitmentReview.objects.get(department=people.cardio)
    assert (cardio.patient_n, cardio.patient_satisfied, cardio.patient_rate) == (3, 2, Decimal("0.6667"))
    assert (cardio.peer_score, cardio.peer_round_id, cardio.peer_raters) == (Decimal("91.26"), 2, 20)
    assert cardio.status == ReviewStatus.DRAFT and cardio.peer_round_title == "第三季度科室互评"
    ortho = CommitmentReview.objects.get(department=people.ortho)
    assert ortho.patient_n == 0 and ortho.patient_rate is None and ortho.peer_score is None
    assert ("D01", "2026-Q3") in rounds.calls
    assert AuditEntry.objects.filter(action="commitments.review.generated").count() == 1


def test_generating_again_refreshes_drafts_and_leaves_published_ones(people, rounds):
    give(people.cardio, 5, "2026-07-01")
    reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    ortho = CommitmentReview.objects.get(department=people.ortho)
    reviews.review_update(by=people.office, review=ortho, expected_version=1, conclusion="kept", reason="")
    reviews.review_publish(by=people.office, review=ortho, expected_version=2)
    give(people.cardio, 1, "2026-07-02")
    give(people.ortho, 1, "2026-07-02")
    counts = reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    assert counts == {"created": 0, "refreshed": 3, "published": 1}
    cardio = CommitmentReview.objects.get(department=people.cardio)
    assert cardio.patient_n == 2 and cardio.version == 2
    ortho.refresh_from_db()
    assert ortho.patient_n == 0 and ortho.is_published  # as it was published


def test_generate_refuses_a_quarter_not_begun_and_non_office(people, rounds):
    with pytest.raises(ValidationError):
        reviews.reviews_generate(by=people.office, period_key="2027-Q1")
    with pytest.raises(ValidationError):
        reviews.reviews_generate(by=people.office, period_key="2026-10")
    for who in (people.head_cardio, people.leader, people.employee):
        with pytest.raises(reviews.CommitmentError):
            reviews.reviews_generate(by=who, period_key="2026-Q3")


def test_publish_needs_a_conclusion_a_reason_and_an_ended_quarter(people, rounds, clock):
    reviews.reviews_generate(by=people.office, period_key="2026-Q4")  # running
    running = CommitmentReview.objects.get(department=people.cardio, period_key="2026-Q4")
    reviews.review_update(by=people.office, review=running, expected_version=1, conclusion="kept", reason="")
    with pytest.raises(ValidationError, match=r"quarter|季度"):
        reviews.review_publish(by=people.office, review=running, expected_version=2)

    reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    review = CommitmentReview.objects.get(department=people.cardio, period_key="2026-Q3")
    with pytest.raises(ValidationError) as error:
        reviews.review_publish(by=people.office, review=review, expected_version=1)
    assert "conclusion" in error.value.message_dict
    reviews.review_update(by=people.office, review=review, expected_version=1, conclusion="not_kept", reason="")
    with pytest.raises(ValidationError) as error:
        reviews.review_publish(by=people.office, review=review, expected_version=2)
    assert "reason" in error.value.message_dict
    with pytest.raises(reviews.CommitmentConflict):
        reviews.review_update(by=people.office, review=review, expected_version=1, conclusion="kept", reason="")
    reviews.review_update(
        by=people.office, review=review, expected_version=2, conclusion="not_kept", reason="两起收受红包"
    )
    with pytest.raises(reviews.CommitmentNotAllowed):
        reviews.review_publish(by=people.head_cardio, review=review, expected_version=3)
    published = reviews.review_publish(by=people.office, review=review, expected_version=3)
    assert published.is_published and published.published_by == people.office
    note = Notification.objects.get(kind="commitments.review.published")
    assert note.recipient == people.head_cardio
    with pytest.raises(ValidationError):
        reviews.review_update(by=people.office, review=published, expected_version=4, conclusion="kept", reason="")

    with pytest.raises(ValidationError):
        reviews.review_withdraw(by=people.office, review=published, expected_version=4, reason="  ")
    back = reviews.review_withdraw(by=people.office, review=published, expected_version=4, reason="结论有误")
    assert back.status == ReviewStatus.DRAFT and back.published_at is None
    actions = set(AuditEntry.objects.filter(target_id=str(review.pk)).values_list("action", flat=True))
    assert {"commitments.review.updated", "commitments.review.published", "commitments.review.withdrawn"} <= actions


def test_who_reads_which_reviews(people, rounds, client_for):
    reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    cardio = CommitmentReview.objects.get(department=people.cardio)
    ortho = CommitmentReview.objects.get(department=people.ortho)
    reviews.review_update(by=people.office, review=cardio, expected_version=1, conclusion="kept", reason="")
    reviews.review_publish(by=people.office, review=cardio, expected_version=2)
    detail = "/evaluations/commitments/reviews/{pk}/"
    assert client_for(people.office).get(detail.format(pk=ortho.pk)).status_code == 200  # a draft
    office_list = client_for(people.office).get(LIST, {"period": "2026-Q3"}).content.decode()
    assert 'data-testid="review-D02"' in office_list and 'data-testid="generate-form"' in office_list
    head = client_for(people.head_cardio)
    assert head.get(detail.format(pk=cardio.pk)).status_code == 200
    assert head.get(detail.format(pk=ortho.pk)).status_code == 404
    body = head.get(LIST, {"period": "2026-Q3"}).content.decode()
    assert 'data-testid="review-D01"' in body and 'data-testid="review-D02"' not in body
    assert 'data-testid="generate-form"' not in body
    assert (
        head.post(detail.format(pk=cardio.pk), {"action": "withdraw", "withdraw_reason": "x", "version": 3}).status_code
        == 403
    )
    assert client_for(people.head_ortho).get(detail.format(pk=cardio.pk)).status_code == 404
    assert client_for(people.leader).get(detail.format(pk=cardio.pk)).status_code == 200
    assert client_for(people.leader).get(detail.format(pk=ortho.pk)).status_code == 404  # a draft
    assert client_for(people.employee).get(LIST).status_code == 403
    assert client_for(people.inspector).get(LIST).status_code == 403
    assert client_for(people.head_cardio).post(f"{LIST}generate/", {"period": "2026-Q3"}).status_code == 403


def test_the_office_concludes_and_publishes_on_the_page(people, rounds, client_for):
    reviews.reviews_generate(by=people.office, period_key="2026-Q3")
    review = CommitmentReview.objects.get(department=people.cardio)
    client = client_for(people.office)
    url = f"/evaluations/commitments/reviews/{review.pk}/"
    response = client.post(url, {"action": "publish", "conclusion": "mostly", "reason": "", "version": 1})
    # The reason is missing: "save and publish" is both or neither, and the form keeps what was typed.
    assert response.status_code == 400 and response.context["form"]["conclusion"].value() == "mostly"
    review.refresh_from_db()
    assert review.conclusion == "" and not review.is_published
    response = client.post(url, {"action": "save", "conclusion": "kept", "reason": "旧", "version": 1})
    assert response.status_code == 302
    response = client.post(url, {"action": "save", "conclusion": "kept", "reason": "更旧", "version": 1})
    assert response.status_code == 409 and "更旧" in response.content.decode()
    response = client.post(url, {"action": "publish", "conclusion": "mostly", "reason": "候诊时间偏长", "version": 2})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_published and review.reason == "候诊时间偏长"
    response = client.post(url, {"action": "withdraw", "withdraw_reason": "需复核", "version": review.version})
    assert response.status_code == 302
    review.refresh_from_db()
    assert not review.is_published


def test_generate_on_the_page(people, rounds, client_for):
    response = client_for(people.office).post(f"{LIST}generate/", {"period": "2026-Q3"})
    assert response.status_code == 302 and response["Location"].endswith("?period=2026-Q3")
    assert CommitmentReview.objects.filter(period_key="2026-Q3").count() == 4


def test_without_the_rounds_app_the_peer_part_is_empty(people, monkeypatch):
    reverse("commitments:home")  # the URLs (which import the rounds app's views) are loaded first
    monkeypatch.setitem(sys.modules, "wenming.rounds.selectors", None)  # importing it fails
    assert reviews.round_results(department=people.cardio, period_key="2026-Q3") is None
    assert reviews.peer_part(department=people.cardio, period_key="2026-Q3") is None


def test_the_rounds_app_is_asked_for_commitment_rounds(people, monkeypatch):
    calls = []

    def department_round_results(*, department, purpose, period_key):
        calls.append((department.code, purpose, period_key))
        return [result(7, "90")]

    monkeypatch.setitem(
        sys.modules, "wenming.rounds.selectors", SimpleNamespace(department_round_results=department_round_results)
    )
    part = reviews.peer_part(department=people.cardio, period_key="2026-Q3")
    monkeypatch.undo()
    assert calls == [("D01", "commitment", "2026-Q3")]
    assert part.round_id == 7 and part.score == Decimal("90.00")


def test_integration_with_the_rounds_app(people):
    """The real ``wenming.rounds.selectors`` (written by another engineer): the interface we call."""
    try:
        selectors = importlib.import_module("wenming.rounds.selectors")
    except ImportError:
        pytest.skip("wenming.rounds.selectors is not there yet")
    if not hasattr(selectors, "department_round_results"):
        pytest.skip("wenming.rounds.selectors has no department_round_results yet")
    results = list(
        selectors.department_round_results(department=people.cardio, purpose="commitment", period_key="2026-Q3")
    )
    assert results == []  # no rounds in the scenario
    assert reviews.peer_part(department=people.cardio, period_key="2026-Q3") is None
