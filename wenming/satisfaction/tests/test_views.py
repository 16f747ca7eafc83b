"""The dashboard and a department's page: who may open them, what they show, how many queries."""

from __future__ import annotations

import pytest

from wenming.org.tests.factories import StaffFactory
from wenming.questionnaires.models import (
    Dimension,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    RatingAnswer,
)
from wenming.standards.demo import load_example_standards

from .conftest import give, give_many

pytestmark = pytest.mark.django_db

DASHBOARD = "/satisfaction/"
OCTOBER = {"period": "2026-10"}


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def rows_of(response) -> list[str]:
    import re

    return re.findall(r'data-testid="department-row" data-department="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("url", [DASHBOARD, "/satisfaction/D01/", "/satisfaction/public/settings/"])
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "inspector"])
def test_others_are_refused(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    for url in (DASHBOARD, "/satisfaction/D01/", "/satisfaction/D0101/", "/satisfaction/public/settings/"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["office", "sysadmin"])
def test_the_office_sees_the_whole_hospital(scenario, client_for, who):
    give_many(scenario.cardio, {5: 3, 1: 1})
    give_many(scenario.ortho, {4: 1})
    response = client_for(getattr(scenario, who)).get(DASHBOARD, OCTOBER)
    assert response.status_code == 200
    assert rows_of(response) == ["D01", "D0101", "D02", "D09"]
    body = response.content.decode()
    assert 'data-testid="overall-rate">80.00%<' in body
    assert 'href="/satisfaction/public/settings/"' in body


def test_the_leadership_reads_the_whole_hospital_but_not_the_feedback_list_or_the_board(scenario, client_for):
    give_many(scenario.cardio, {5: 3, 1: 1}, comment="<b>差</b>")
    give_many(scenario.ortho, {4: 1})
    client = client_for(scenario.leader)
    response = client.get(DASHBOARD, OCTOBER)
    body = response.content.decode()
    assert response.status_code == 200 and rows_of(response) == ["D01", "D0101", "D02", "D09"]
    assert "&lt;b&gt;差&lt;/b&gt;" in body and 'href="/feedback/' not in body
    assert 'href="/satisfaction/public/settings/"' not in body
    assert client.get("/satisfaction/D02/", OCTOBER).status_code == 200
    assert client.get("/satisfaction/public/settings/").status_code == 403
    assert client.get("/feedback/").status_code == 403


def test_a_head_sees_their_departments_only(scenario, client_for):
    give_many(scenario.cardio, {5: 3})
    give_many(scenario.ortho, {1: 1}, comment="骨科的差评")
    client = client_for(scenario.head_cardio)
    response = client.get(DASHBOARD, OCTOBER)
    assert response.status_code == 200 and rows_of(response) == ["D01", "D0101"]
    body = response.content.decode()
    assert "骨科" not in body and "/satisfaction/public/settings/" not in body
    assert client.get("/satisfaction/D01/", OCTOBER).status_code == 200
    assert client.get("/satisfaction/D0101/", OCTOBER).status_code == 200
    # Another department's page, and one that does not exist: the same 404.
    assert client.get("/satisfaction/D02/").status_code == 404
    assert client.get("/satisfaction/NOPE/").status_code == 404
    assert client.get("/satisfaction/public/settings/").status_code == 403
    other = client_for(scenario.head_ortho)
    assert other.get("/satisfaction/D01/").status_code == 404
    assert rows_of(other.get(DASHBOARD, OCTOBER)) == ["D02"]


def test_the_table_marks_below_target_and_too_few(scenario, client_for):
    load_example_standards()
    give_many(scenario.cardio, {5: 28, 3: 2})  # 93.33% of 30: below 95%, scored
    give_many(scenario.ortho, {5: 5})  # 100% of 5: too few
    give_many(scenario.cardio, {5: 1}, day="2026-09-10")
    body = english(client_for(scenario.office)).get(DASHBOARD, OCTOBER).content.decode()
    cardio = body.split('data-department="D01"')[1].split("</tr>")[0]
    assert 'data-col="n">30<' in cardio and 'data-col="satisfied">28<' in cardio
    assert 'data-col="rate">93.33%<' in cardio and 'data-col="target">95%<' in cardio
    assert 'data-col="change">-6.67<' in cardio
    assert 'data-testid="below-target"' in cardio and 'data-testid="insufficient"' not in cardio
    ortho = body.split('data-department="D02"')[1].split("</tr>")[0]
    assert 'data-testid="insufficient"' in ortho and 'data-testid="below-target"' not in ortho
    assert 'data-col="change">—<' in ortho
    assert 'data-testid="below-count"' in body


def test_lowest_first(scenario, client_for):
    give_many(scenario.cardio, {5: 1})
    give_many(scenario.ortho, {5: 1, 1: 1})
    response = client_for(scenario.office).get(DASHBOARD, {**OCTOBER, "order": "lowest"})
    assert rows_of(response)[:2] == ["D02", "D01"]


def test_quarter_year_and_invalid_periods(scenario, client_for):
    give_many(scenario.cardio, {5: 1}, day="2026-08-01")
    client = english(client_for(scenario.office))
    assert 'data-testid="overall-rate">100.00%<' in client.get(DASHBOARD, {"period": "2026-Q3"}).content.decode()
    assert 'data-testid="overall-rate">100.00%<' in client.get(DASHBOARD, {"period": "2026"}).content.decode()
    # An old month that the list does not offer is still accepted.
    assert client.get(DASHBOARD, {"period": "2023-02"}).status_code == 200
    # Nonsense falls back to the current month (November 2026, no feedback).
    body = client.get(DASHBOARD, {"period": "2026-13"}).content.decode()
    assert 'data-testid="overall-rate">—<' in body and "figures up to today" in body


def test_htmx_gets_the_results_only(scenario, client_for):
    give_many(scenario.cardio, {5: 1})
    response = client_for(scenario.office).get(DASHBOARD, OCTOBER, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="satisfaction-results"') and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_comments_are_escaped_and_link_to_the_feedback_list(scenario, client_for):
    give(scenario.cardio, 1, "2026-10-12", comment="<script>alert('x')</script>很差")
    give(scenario.cardio, 5, "2026-10-12", comment="<b>很好</b>")
    client = client_for(scenario.office)
    body = client.get(DASHBOARD, OCTOBER).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;很差" in body
    assert "/feedback/?department=D01&amp;rating=1&amp;state=valid&amp;start=2026-10-12&amp;end=2026-10-12" in body
    assert "很好" not in body  # not a low rating
    detail = client.get("/satisfaction/D01/", OCTOBER).content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    assert "&lt;b&gt;很好&lt;/b&gt;" in detail  # the department page lists the latest comments of every rating


def test_department_page(scenario, client_for):
    load_example_standards()
    doctor = StaffFactory(department=scenario.cardio, name="李医生", staff_no="E0150")
    give_many(scenario.cardio, {5: 3, 2: 1}, staff=doctor)
    give_many(scenario.cardio, {4: 1}, day="2026-09-03")
    response = english(client_for(scenario.office)).get("/satisfaction/D01/", OCTOBER)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="department-rate">75.00%<' in body
    assert "Standard WMKS-M-2026, item S" in body
    assert 'data-staff="E0150"' in body and 'data-col="n">4<' in body
    assert 'data-month="2026-09"><td>' in body and "wm-satisfaction-trend" in body


def test_dimension_profile(scenario, client_for):
    dimension, _ = Dimension.objects.get_or_create(code="attitude", defaults={"name": "服务态度"})
    questionnaire = Questionnaire.objects.create(name="门诊满意度", purpose="outpatient", in_use=True)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, status="published")
    question = Question.objects.create(
        version=version, key="q1", kind=QuestionKind.RATING, text="态度", dimension=dimension
    )
    for rating in (5, 4, 2, 1):
        feedback = give(scenario.cardio, rating)
        RatingAnswer.objects.create(feedback=feedback, question=question, dimension=dimension, rating=rating)
    body = client_for(scenario.office).get(DASHBOARD, OCTOBER).content.decode()
    row = body.split(f'data-dimension="{dimension.code}"')[1].split("</tr>")[0]
    assert 'data-col="rate">50.00%<' in row and 'data-col="score">50.00<' in row
    assert "wm-satisfaction-dimensions" in body


def test_dashboard_query_count_does_not_grow(scenario, client_for, django_assert_max_num_queries):
    """Cold: session and access (5), the hospital, departments, targets, the monthly counts, the
    dimensions (2), the lowest comments, the menu's staff record, the session save (3). Warm: the
    hospital, the finished months' counts and dimensions come from the cache."""
    from django.core.cache import cache

    from wenming.org.selectors import hospital_forget

    client = client_for(scenario.office)
    give_many(scenario.cardio, {5: 2, 1: 1}, comment="意见")
    client.get(DASHBOARD, OCTOBER)
    cache.clear()
    hospital_forget()
    with django_assert_max_num_queries(16) as cold:
        client.get(DASHBOARD, OCTOBER)
    baseline = len(cold.captured_queries)
    with django_assert_max_num_queries(baseline - 4):
        client.get(DASHBOARD, OCTOBER)
    for department in (scenario.cardio, scenario.ortho, scenario.ward, scenario.office_dept):
        for day in ("2026-10-03", "2026-09-03", "2026-03-03"):
            give_many(department, {5: 5, 2: 3}, day=day, comment="很多意见", staff=StaffFactory(department=department))
    cache.clear()
    with django_assert_max_num_queries(baseline):
        client.get(DASHBOARD, OCTOBER)
    with django_assert_max_num_queries(baseline):
        client.get(DASHBOARD, {"period": "2026", "category": "clinical", "order": "lowest"})


def test_head_and_department_query_counts(scenario, client_for, django_assert_max_num_queries):
    """A head's counts come from their departments' rows (through the index) and are cached per
    set of departments like the office's; a department's page has one more query (the department)."""
    client = client_for(scenario.head_cardio)
    client.get(DASHBOARD, OCTOBER)
    with django_assert_max_num_queries(15):
        client.get(DASHBOARD, OCTOBER)
    with django_assert_max_num_queries(16) as few:
        client.get("/satisfaction/D01/", OCTOBER)
    baseline = len(few.captured_queries)
    for _i in range(5):
        give_many(scenario.cardio, {5: 3, 1: 2}, comment="意见", staff=StaffFactory(department=scenario.cardio))
    with django_assert_max_num_queries(baseline):
        client.get("/satisfaction/D01/", OCTOBER)


def test_a_rating_from_the_public_page_shows_on_the_dashboard_at_once(scenario, client_for, clock):
    """The dashboard of the running month is cached, yet a rating posted through the department's
    QR page counts on the next view, once however often it is sent."""
    import uuid

    from django.test import Client

    from wenming.feedback.models import CodeKind, RatingCode
    from wenming.feedback.services import rating_codes_ensure

    rating_codes_ensure(by=scenario.office)
    code = RatingCode.objects.get(kind=CodeKind.DEPARTMENT, department=scenario.cardio, active=True)
    office = english(client_for(scenario.office))
    november = {"period": "2026-11"}
    before = office.get(DASHBOARD, november).content.decode()
    patient = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger", REMOTE_ADDR="10.9.8.7")
    data = {"submission_id": uuid.uuid4().hex, "overall": "5", "comment": "<b>好</b>"}
    for _ in range(3):
        assert patient.post(f"/r/{code.code}/", data).status_code == 200
    after = office.get(DASHBOARD, november).content.decode()
    cardio = after.split('data-department="D01"')[1].split("</tr>")[0]
    assert 'data-col="n">1<' in cardio and 'data-col="satisfied">1<' in cardio
    assert before != after
