"""The public department page ``/p/<code>/``: open to anyone once published, what it shows and what
it never shows, the switches, and its cost."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override

from wenming.commitments import reviews, services
from wenming.commitments.models import Kind, PublicSettings
from wenming.feedback.models import CodeKind, RatingCode
from wenming.feedback.services import rating_codes_ensure
from wenming.org.models import Department

from .conftest import give

pytestmark = pytest.mark.django_db

PAGE = "/p/{code}/"


def chinese(msgid: str) -> str:
    with override("zh-hans"):
        return gettext(msgid)


def publish(by, **values):
    stored = PublicSettings.objects.filter(pk=1).first()
    values = {"enabled": True, "show_staff_no": False, **values}
    return services.public_settings_update(by=by, expected_version=stored.version if stored else 1, **values)


@pytest.fixture
def published(people):
    services.commitments_apply(by=people.office, department=people.cardio, year=2026, include_children=True)
    services.commitment_add(
        by=people.office, year=2026, department=people.cardio, kind=Kind.STANDARD, text="门诊患者30分钟内接诊"
    )
    rating_codes_ensure()
    publish(people.office, note="监督电话：12345")
    return people


def test_shows_standards_commitments_people_and_badges_without_login(published, client):
    response = client.get(PAGE.format(code="D01"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "测试人民医院" in body and "心血管内科" in body
    assert "门诊患者30分钟内接诊" in body and "首问负责、首诊负责，急危重症患者优先救治" in body
    assert "不购进和使用过期或假冒伪劣药品" in body  # a department pledge
    assert "周涛" in body and "科主任" in body and "主任医师" in body
    assert body.count('data-testid="party-badge"') == 1 and "心血管内科党支部" in body
    assert "郑爽" not in body  # in the ward, which has its own page
    code = RatingCode.objects.get(kind=CodeKind.DEPARTMENT, department=published.cardio, active=True)
    assert f'href="/r/{code.code}/"' in body
    assert "监督电话：12345" in body
    assert "13800138000" not in body and "138****8000" not in body  # no phones, masked or not
    assert "E0101" not in body  # no staff numbers unless the office shows them
    assert "<script" not in body and "csrf" not in body.lower()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    assert "public" in response["Cache-Control"] and "max-age=120" in response["Cache-Control"]
    assert not response.cookies


def test_staff_numbers_only_when_the_office_says_so(published, client):
    publish(published.office, show_staff_no=True)
    body = client.get(PAGE.format(code="D01")).content.decode()
    assert "E0101" in body


@pytest.mark.parametrize("case", ["unpublished", "unknown", "inactive", "hidden"])
def test_a_kind_404(people, client, case):
    services.commitments_apply(by=people.office, department=people.ortho, year=2026)
    if case != "unpublished":
        publish(people.office)
    code = "D02"
    if case == "unknown":
        code = "NOPE"
    elif case == "inactive":
        Department.objects.filter(code="D02").update(is_active=False)
    elif case == "hidden":
        services.department_page_set(by=people.office, department=people.ortho, enabled=False)
    response = client.get(PAGE.format(code=code))
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="missing"' in body and "吴敏" not in body and "测试人民医院" in body


def test_the_latest_published_review_is_shown(published, client, clock):
    give(published.cardio, 5, "2026-08-01")
    give(published.cardio, 2, "2026-08-02")
    reviews.reviews_generate(by=published.office, period_key="2026-Q3")
    review = published.cardio.commitment_reviews.get()
    body = client.get(PAGE.format(code="D01")).content.decode()
    assert 'data-testid="review"' not in body  # a draft is not public
    reviews.review_update(
        by=published.office, review=review, expected_version=1, conclusion="mostly", reason="有一例投诉"
    )
    reviews.review_publish(by=published.office, review=review, expected_version=2)
    body = client.get(PAGE.format(code="D01")).content.decode()
    assert 'data-testid="review"' in body and "有一例投诉" in body and ">50.0%<" in body
    assert chinese("Commitments mostly kept") in body
    assert "2026年第3季度" in body or "2026 Q3" in body


def test_changes_show_at_once_and_a_warm_page_costs_no_query(published, client, django_assert_num_queries):
    url = PAGE.format(code="D01")
    # Cold: the settings, the hospital, the department, its people, the commitments, its code, its review.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):  # an unknown code: one look, then remembered
        assert client.get(PAGE.format(code="NOPE")).status_code == 404
    with django_assert_num_queries(0):
        assert client.get(PAGE.format(code="NOPE")).status_code == 404
    services.commitment_add(by=published.office, year=2026, department=published.cardio, text="新增的承诺")
    assert "新增的承诺" in client.get(url).content.decode()
    publish(published.office, enabled=False)
    assert client.get(url).status_code == 404


def test_the_switches_work_at_once(published, client):
    url = PAGE.format(code="D01")
    assert client.get(url).status_code == 200
    services.department_page_set(by=published.office, department=published.cardio, enabled=False)
    assert client.get(url).status_code == 404
    services.department_page_set(by=published.office, department=published.cardio, enabled=True)
    assert client.get(url).status_code == 200
