"""The office's pages: the list, the review queue, the codes and their sheet — and who may open them."""

from __future__ import annotations

import pytest

from wenming.feedback import services
from wenming.feedback.models import Feedback, RatingCode, ReviewStatus
from wenming.feedback.tests.conftest import sid

pytestmark = pytest.mark.django_db

LIST = "/feedback/"
REVIEW = "/feedback/review/"
CODES = "/feedback/codes/"
SHEET = "/feedback/codes/sheet/"


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def submit(code, overall=5, comment="", ua="UA", started_at=None):
    return services.feedback_submit(
        code=code.code,
        overall=overall,
        comment=comment,
        submission_id=sid(),
        client="10.0.0.1",
        user_agent=ua,
        started_at=started_at,
    ).feedback


@pytest.mark.parametrize("url", [LIST, REVIEW, CODES, SHEET])
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "leader", "inspector"])
def test_others_are_refused(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    for url in (LIST, REVIEW, CODES, SHEET):
        assert client.get(url).status_code == 403


def test_heads_read_their_departments_only(codes, scenario, client_for):
    submit(codes.cardio, 5, "心内科的评价")
    submit(codes.ortho, 4, "骨科的评价", ua="B")
    body = client_for(scenario.head_cardio).get(LIST).content.decode()
    assert "心内科的评价" in body and "骨科的评价" not in body
    assert "Review queue" not in body and REVIEW not in body
    head = english(client_for(scenario.head_ortho))
    body = head.get(LIST).content.decode()
    assert "骨科的评价" in body and "心内科的评价" not in body
    # Asking for another department's feedback is refused by the filter, not answered.
    response = head.get(LIST, {"department": "D01"})
    assert "心内科的评价" not in response.content.decode() and "Select a valid choice" in response.content.decode()
    for url in (REVIEW, CODES, SHEET, f"/feedback/review/{Feedback.objects.first().pk}/clear/"):
        assert head.get(url).status_code in (403, 405)
        assert head.post(url).status_code == 403


def test_list_filters_and_escapes(codes, scenario, client_for, clock):
    submit(codes.cardio, 1, "<script>alert(1)</script>")
    clock.advance(days=3)
    submit(codes.point, 5, "窗口服务很好", ua="B")
    client = english(client_for(scenario.office))
    body = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "3号窗口" in body
    assert "窗口服务很好" not in client.get(LIST, {"rating": "1"}).content.decode()
    assert "窗口服务很好" in client.get(LIST, {"department": "D02"}).content.decode()
    assert "alert(1)" not in client.get(LIST, {"q": "窗口"}).content.decode()
    body = client.get(LIST, {"start": "2026-11-25", "end": "2026-11-30"}).content.decode()
    assert "窗口服务很好" in body and "alert(1)" not in body
    assert "No feedback matches these filters." in client.get(LIST, {"state": "flagged"}).content.decode()
    htmx = client.get(LIST, {"rating": "5"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="feedback-results"' in htmx and "<html" not in htmx


def test_list_query_count_is_constant(codes, scenario, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    client.get(LIST)
    for n in range(3):
        submit(codes.doctor, 4, f"c{n}", ua=f"u{n}")
    with django_assert_max_num_queries(14) as few:
        client.get(LIST)
    for n in range(30):
        submit(codes.point, 3, f"d{n}", ua=f"v{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_review_queue_clear_and_reject(codes, scenario, client_for, clock):
    started = clock.now
    one = submit(codes.cardio, 5, "<b>刷</b>", started_at=started)
    two = submit(codes.cardio, 1, "二", started_at=started, ua="B")
    client = english(client_for(scenario.office))
    body = client.get(REVIEW).content.decode()
    assert "Submitted within 3 seconds of opening the page" in body and "&lt;b&gt;刷&lt;/b&gt;" in body
    assert "2" in client.get(LIST).content.decode()  # the badge with the count
    response = client.post(f"/feedback/review/{one.pk}/clear/", {"note": "确认"})
    assert response.status_code == 302 and response["Location"] == REVIEW
    client.post(f"/feedback/review/{two.pk}/reject/")
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.is_valid and one.review_status == ReviewStatus.CLEARED
    assert not two.is_valid and two.review_status == ReviewStatus.REJECTED
    assert "Nothing is waiting for review." in client.get(REVIEW).content.decode()
    again = client.post(f"/feedback/review/{one.pk}/reject/", follow=True)
    assert "already been reviewed" in again.content.decode()
    assert client.post("/feedback/review/999999/clear/").status_code == 404
    assert client.get(f"/feedback/review/{one.pk}/clear/").status_code == 405


def test_codes_page_generate_point_and_deactivate(scenario, client_for):
    client = english(client_for(scenario.office))
    assert "No codes yet" in client.get(CODES).content.decode()
    assert client.post("/feedback/codes/generate/").status_code == 302
    body = client.get(CODES).content.decode()
    assert "4 department codes, 6 staff codes" in body and "心血管内科" in body
    assert "周涛" not in body  # staff codes are counted until a department is chosen
    assert "周涛" in client.get(CODES, {"department": "D01"}).content.decode()
    response = client.post("/feedback/codes/points/", {"department": "D02", "label": "5号窗口"})
    assert response.status_code == 302
    point = RatingCode.objects.get(label="5号窗口")
    response = client.post("/feedback/codes/points/", {"department": "D02", "label": "5号窗口"})
    assert response.status_code == 400 and "already has an active service point" in response.content.decode()
    assert 'value="5号窗口"' in response.content.decode()
    assert client.post(f"/feedback/codes/{point.pk}/deactivate/").status_code == 302
    point.refresh_from_db()
    assert not point.active
    assert client.get(CODES, {"department": "NOPE"}).status_code == 404


def test_sheet_has_a_card_with_a_qr_per_code(codes, scenario, client_for, settings):
    settings.WENMING_BASE_URL = "https://wm.example.org"
    client = english(client_for(scenario.office))
    body = client.get(SHEET, {"department": "D01"}).content.decode()
    assert (
        body.count('data-testid="card"')
        == RatingCode.objects.filter(active=True, department__path__startswith="D01/").count()
    )
    assert "<svg" in body and "测试人民医院" in body and "Scan to rate our service" in body and "周涛" in body
    assert "13800138000" not in body
    everything = client.get(SHEET).content.decode()
    assert "3号窗口" in everything and "周涛" not in everything
