"""The page behind a QR code: GET, POST, idempotency, errors, 404, 429, and that it scores."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from wenming.feedback import services
from wenming.feedback.models import Feedback, ReviewStatus
from wenming.feedback.tests.conftest import sid
from wenming.scoring.aggregation import period_facts, subjects_in_scope
from wenming.scoring.periods import local_date, period_of
from wenming.scoring.tests.helpers import MONTH, run
from wenming.standards.definition import Cycle
from wenming.standards.selectors import newest_version

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) MicroMessenger/8.0.47 NetType/WIFI"


def url(code) -> str:
    return f"/r/{code.code}/"


def phone(ua: str = PHONE, ip: str = "10.1.2.3", language: str = "en") -> Client:
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)


def form_fields(body: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))


def test_get_is_small_plain_and_names_the_department(codes):
    response = phone().get(url(codes.cardio))
    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.content) < 60 * 1024
    assert "测试人民医院" in body and "心血管内科" in body
    assert "<script" not in body and "bootstrap" not in body
    assert body.count('name="overall"') == 5 and 'name="comment"' in body and 'maxlength="500"' in body
    fields = form_fields(body)
    assert re.fullmatch(r"[0-9a-f]{32}", fields["submission_id"]) and fields["t"]
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_staff_code_shows_name_and_title_never_the_phone(codes, scenario):
    scenario.head_cardio_staff.title = "主任医师"
    scenario.head_cardio_staff.save()
    body = phone().get(url(codes.doctor)).content.decode()
    assert "周涛" in body and "主任医师" in body and "心血管内科" in body
    assert "13800138000" not in body and "1380" not in body


def test_chinese_page_for_wechat(codes):
    body = phone(language="zh-CN").get(url(codes.cardio)).content.decode()
    assert 'lang="zh-hans"' in body


def test_post_only_overall_creates_one_valid_feedback_that_scores(codes, scenario, settings):
    response = phone().post(url(codes.cardio), {"overall": "5", "submission_id": sid()})
    assert response.status_code == 200
    assert "Received" in response.content.decode()
    feedback = Feedback.objects.get()
    assert feedback.is_valid and feedback.flag_reasons == [] and feedback.review_status == ReviewStatus.NONE
    assert feedback.department == scenario.cardio and feedback.staff is None and feedback.comment == ""
    assert feedback.local_date == local_date(feedback.at, "Asia/Shanghai")
    assert len(feedback.client_key) == 16 and "10.1.2.3" not in feedback.client_key
    # The scoring engine's aggregation counts it for the department in that month.
    run("import_standard", str(MONTH))
    version = newest_version("WMKS-M-2026")
    definition = version.definition
    facts = period_facts(
        standard=version.standard,
        definition=definition,
        period=period_of(feedback.local_date, Cycle.MONTH),
        subjects=subjects_in_scope(definition=definition),
    )
    assert next(f for f in facts if f.subject == "D01").feedback == {5: 1}
    assert next(f for f in facts if f.subject == "D02").feedback == {}


def test_staff_and_point_codes_rate_their_department(codes, scenario):
    phone().post(url(codes.doctor), {"overall": "4", "submission_id": sid(), "comment": "耐心"})
    phone(ip="10.9.9.9").post(url(codes.point), {"overall": "3", "submission_id": sid()})
    doctor, window = Feedback.objects.order_by("pk")
    assert (doctor.department, doctor.staff, doctor.comment) == (scenario.cardio, scenario.head_cardio_staff, "耐心")
    assert (window.department, window.staff, window.rating_code) == (scenario.ortho, None, codes.point)


def test_resubmission_counts_once_and_says_received(codes):
    client = phone()
    data = {"overall": "4", "submission_id": sid(), "comment": "好"}
    first = client.post(url(codes.cardio), data)
    again = client.post(url(codes.cardio), data)
    assert first.status_code == again.status_code == 200
    assert "Received" in again.content.decode()
    assert Feedback.objects.count() == 1
    # The service says so too.
    result = services.feedback_submit(
        code=codes.cardio.code, overall=4, submission_id=data["submission_id"], client="x", user_agent=""
    )
    assert result.created is False and Feedback.objects.count() == 1


@pytest.mark.parametrize("overall", ["", "0", "6", "five", "3.5"])
def test_bad_overall_is_400_with_the_form_kept(codes, overall):
    submission = sid()
    response = phone().post(url(codes.cardio), {"overall": overall, "comment": "候诊太久", "submission_id": submission})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please choose a rating from 1 to 5 stars." in body
    assert "候诊太久" in body and form_fields(body)["submission_id"] == submission
    assert not Feedback.objects.exists()


def test_chosen_rating_is_kept_when_the_comment_is_too_long(codes):
    response = phone().post(url(codes.cardio), {"overall": "2", "comment": "长" * 501, "submission_id": sid()})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="2" required checked' in body and "500 characters or fewer" in body
    assert not Feedback.objects.exists()


def test_missing_submission_id_is_refused_with_a_fresh_one(codes):
    response = phone().post(url(codes.cardio), {"overall": "5", "submission_id": "nope"})
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert re.fullmatch(r"[0-9a-f]{32}", form_fields(response.content.decode())["submission_id"])
    assert not Feedback.objects.exists()


def test_unknown_and_inactive_codes_are_a_kind_404(codes, scenario):
    assert phone().get("/r/AAAAAAAAAA/").status_code == 404
    response = phone().get("/r/not-a-code/")
    assert response.status_code == 404 and "This code is not in use" in response.content.decode()
    services.rating_code_deactivate(by=scenario.office, code=codes.ortho)
    assert phone().get(url(codes.ortho)).status_code == 404
    assert phone().post(url(codes.ortho), {"overall": "5", "submission_id": sid()}).status_code == 404
    assert not Feedback.objects.exists()


def test_lowercase_code_works(codes):
    assert phone().get(f"/r/{codes.cardio.code.lower()}/").status_code == 200


def test_code_lookup_is_cached(codes, django_assert_num_queries):
    phone().get(url(codes.cardio))
    client = phone()
    with django_assert_num_queries(0):
        client.get(url(codes.cardio))


def test_submit_path_queries_are_few(codes, django_assert_max_num_queries):
    client = phone()
    client.get(url(codes.cardio))
    # The flags read, the insert (in its savepoint).
    with django_assert_max_num_queries(4):
        client.post(url(codes.cardio), {"overall": "5", "submission_id": sid()})


def test_wifi_many_patients_behind_one_address_count(codes):
    phones = [f"Mozilla/5.0 (Linux; Android 14; Phone{n}) MicroMessenger/8.0.{n}" for n in range(8)]
    for n, ua in enumerate(phones):
        response = phone(ua=ua, ip="172.16.0.1").post(
            url(codes.cardio), {"overall": str(5 - n % 2), "submission_id": sid()}
        )
        assert response.status_code == 200
    assert Feedback.objects.filter(is_valid=True).count() == 8


def test_rate_limit_per_client_answers_429_politely(codes, settings):
    settings.WENMING_FEEDBACK_CLIENT_PER_MINUTE = 3
    client = phone()
    statuses = [client.post(url(codes.cardio), {"overall": "5", "submission_id": sid()}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post(url(codes.cardio), {"overall": "5", "submission_id": sid()})
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Please try again in a minute" in response.content.decode()
    assert Feedback.objects.count() == 3
    # Another phone is not held back.
    assert phone(ua="Other").post(url(codes.cardio), {"overall": "5", "submission_id": sid()}).status_code == 200


def test_rate_limit_per_code(codes, settings):
    settings.WENMING_FEEDBACK_CODE_PER_MINUTE = 2
    statuses = [
        phone(ua=f"P{n}").post(url(codes.cardio), {"overall": "5", "submission_id": sid()}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert phone(ua="P9").post(url(codes.ortho), {"overall": "5", "submission_id": sid()}).status_code == 200


def test_form_token_too_fast_is_flagged(codes):
    client = phone()
    fields = form_fields(client.get(url(codes.cardio)).content.decode())
    client.post(url(codes.cardio), {"overall": "5", **fields})
    feedback = Feedback.objects.get()
    assert feedback.flag_reasons == ["too_fast"] and not feedback.is_valid
    assert feedback.review_status == ReviewStatus.PENDING
