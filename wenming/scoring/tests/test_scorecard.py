"""The scorecard (every point explained, spec §4), a department head's own results, and the
language of stored explanations: who may see what, the worked sample's records and arithmetic,
corrections, records that do not count, evidence, rollups, the trend, and query counts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from wenming.feedback.models import Feedback
from wenming.org.models import Department, Role, RoleAssignment, Staff
from wenming.org.tests.factories import UserFactory
from wenming.scoring import engine
from wenming.scoring.models import Evidence, Record, RecordKind, RecordStatus, Result
from wenming.scoring.services import period_compute, period_finalize
from wenming.scoring.services import periods as period_services
from wenming.scoring.tests.helpers import QUARTER, run
from wenming.scoring.tests.test_ranking import (  # the set-ups shared with the ranking's tests
    STD,
    grow,
    load_sample,
    office_user,
    page_queries,
    score_scenario,
    score_staff,
)
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages asked for in English (the language middleware follows the request, not
    ``translation.override``); the tests that read words wrap them in ``translation.override("en")``."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def sample():
    load_sample()


@pytest.fixture
def scored(scenario):
    return score_scenario(scenario)


@pytest.fixture
def staff_scored(scored, tmp_path):
    return score_staff(scored, tmp_path)


def card_url(subject: str, key: str = "2026-10", code: str = STD) -> str:
    return reverse("scoring:scorecard", args=[code, key, subject])


def head_of(code: str, username: str):
    user = UserFactory(username=username)
    assignment = RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_HEAD)
    assignment.departments.set([Department.objects.get(code=code)])
    return user


def open_card(client, subject: str, key: str = "2026-10"):
    response = client.get(card_url(subject, key))
    assert response.status_code == 200
    return response.context["card"], response.content.decode()


def items_of(card) -> dict:
    return {item.item.code: item for item in card.items}


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin"])
def test_whole_hospital_roles_see_every_scorecard(scored, client_for, who):
    client = client_for(getattr(scored, who))
    for subject in ("D01", "D0101", "D02", "D09"):
        assert client.get(card_url(subject)).status_code == 200


def test_a_head_sees_the_departments_they_head_and_nothing_else(scored, client_for):
    cardio = client_for(scored.head_cardio)
    assert cardio.get(card_url("D01")).status_code == 200
    assert cardio.get(card_url("D0101")).status_code == 200  # under 心血管内科
    assert cardio.get(card_url("D02")).status_code == 404
    assert cardio.get(card_url("D09")).status_code == 404
    assert cardio.get(card_url("D99")).status_code == 404  # missing answers the same
    ortho = client_for(scored.head_ortho)
    assert ortho.get(card_url("D02")).status_code == 200
    assert ortho.get(card_url("D01")).status_code == 404


def test_a_plain_employee_may_not_open_department_scorecards(scored, client_for):
    client = client_for(scored.employee)
    assert client.get(card_url("D0101")).status_code == 403  # even their own department
    assert client.get(card_url("D02")).status_code == 403


def test_anonymous_goes_to_the_login_page_and_bad_urls_are_404(scored, client, client_for):
    response = client.get(card_url("D01"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    office = client_for(scored.office)
    assert office.get(card_url("D01", code="NOPE")).status_code == 404
    assert office.get(card_url("D01", key="2026-Q4")).status_code == 404


def test_a_period_not_computed_is_a_friendly_page_within_scope(scored, client_for):
    cardio = client_for(scored.head_cardio)
    response = cardio.get(card_url("D01", "2026-11"))
    assert response.status_code == 200 and b'data-testid="not-computed"' in response.content
    assert cardio.get(card_url("D02", "2026-11")).status_code == 404
    assert client_for(scored.employee).get(card_url("D0101", "2026-11")).status_code == 403


def test_staff_scorecards_for_the_person_their_heads_and_the_office(staff_scored, client_for):
    url = "YDKP-M-2026"
    employee = client_for(staff_scored.employee)
    assert employee.get(card_url("E0102", code=url)).status_code == 200  # their own
    assert employee.get(card_url("E0101", code=url)).status_code == 404
    cardio = client_for(staff_scored.head_cardio)
    assert cardio.get(card_url("E0102", code=url)).status_code == 200  # staff of 心内一病区
    assert cardio.get(card_url("E0201", code=url)).status_code == 404
    assert client_for(staff_scored.head_ortho).get(card_url("E0102", code=url)).status_code == 404
    assert client_for(staff_scored.office).get(card_url("E0102", code=url)).status_code == 200
    nobody = UserFactory(username="nobody")
    assert client_for(nobody).get(card_url("E0102", code=url)).status_code == 403
    card = client_for(staff_scored.employee).get(card_url("E0102", code=url)).context["card"]
    (group,) = items_of(card)["M"].groups
    assert (group.code, group.count, group.subtotal) == ("M1", 2, Decimal("2"))
    assert card.result.total == Decimal("8.00") and card.lost == Decimal("2.00")


# --- the worked sample: every point explained ----------------------------------------------


def test_d03_shows_exactly_which_points_are_missing_and_why(sample, client_for):
    with translation.override("en"):
        card, content = open_card(client_for(office_user()), "D03")
    items = items_of(card)
    assert card.result.total == Decimal("95.50")
    assert [(c.item.code, c.lost) for c in card.losses] == [("A1", 1), ("A2", Decimal("0.50")), ("E", 3)]
    assert card.full_score - card.lost + card.result.bonus == card.result.total
    assert "95.50 = 100.00 full score − 4.50 lost + 0.00 bonus" in content
    (a1b,) = items["A1"].groups
    assert (a1b.code, a1b.name, a1b.count, a1b.subtotal_text) == ("A1b", "创建活动无记录或记录不全", 1, "1.00")
    assert a1b.lines[0].record.date == dt.date(2026, 10, 2) and a1b.lines[0].record.note == "巡查发现"
    (e1,) = items["E"].groups
    assert (e1.count, e1.points_text, e1.subtotal_text) == (3, "1.00", "3.00")
    assert items["E"].explanation == "10 − 3×1.00 = 7.00"
    assert "10 − 3×1.00 = 7.00" in content and "3 × 1.00 = 3.00" in content
    (manual,) = items["A2"].lines
    assert manual.record.value == Decimal("8.50") and manual.assessor == "沈洁"
    assert items["A"].explanation == "A1 + A2 = 5.00 + 8.50 = 13.50"
    assert [c.item.code for c in card.items] == ["A", "A1", "A2", "B", "C", "D", "D1", "D2", "D3", "E", "S"]
    assert [c.depth for c in card.items][:3] == [0, 1, 1]
    assert card.in_scope == 10 and card.result.rank == 7


def test_every_department_s_lost_points_are_the_sum_of_its_finding_lines(sample, client_for):
    client = client_for(office_user())
    for result in Result.objects.filter(period__key="2026-10"):
        card, _content = open_card(client, result.subject_code)
        deduct = [c for c in card.items if c.item.rule == "deduct"]
        for item in deduct:
            lines = [line for group in item.groups for line in group.lines]
            assert sum((line.subtotal for line in lines), Decimal(0)) == item.lost, (result.subject_code, item)
        assert sum((item.lost for item in deduct), Decimal(0)) == result.deducted
        assert card.full_score - card.lost + result.bonus == result.total


def test_satisfaction_shows_counts_by_rating_not_the_feedback_rows(sample, client_for):
    with translation.override("en"):
        card, content = open_card(client_for(office_user()), "D02")
    feedback = items_of(card)["S"].feedback
    assert (feedback.n, feedback.satisfied, feedback.rate_text) == (45, 40, "88.89%")
    assert dict(feedback.by_rating) == {5: 40, 4: 0, 3: 2, 2: 1, 1: 2}
    assert items_of(card)["S"].lost == Decimal("6.11")
    # The stored arithmetic is in the hospital's language; the formula reads the same in both.
    assert "20 − (0.95 − 40/45) / 0.01 × 1 = 13.89" in content
    assert "45 valid responses, 40 satisfied" in content
    Feedback.objects.filter(department__code="D02", overall=1).update(is_valid=False)
    feedback = items_of(open_card(client_for(office_user()), "D02")[0])["S"].feedback
    assert (feedback.n, feedback.invalid) == (43, 2)


def test_veto_and_bonus_records_are_listed(sample, client_for):
    with translation.override("en"):
        client = client_for(office_user())
        card, content = open_card(client, "D09")
        assert card.result.vetoed and 'data-testid="veto-banner"' in content
        (veto,) = card.veto.lines
        assert (veto.record.code, veto.name, veto.record.note) == (
            "V3",
            "发生严重损害医院形象的负面舆情事件",
            "负面舆情",
        )
        assert card.result.rank == 10
        card, content = open_card(client, "D04")
    (bonus,) = card.bonus.lines
    assert (bonus.record.code, bonus.record.count, bonus.subtotal_text) == ("F1", 3, "1.50")
    assert card.bonus.explanation == "3×0.50 = 1.50"
    assert "99.50 = 100.00 full score − 2.00 lost + 1.50 bonus" in content
    assert 'data-testid="veto-banner"' not in content


def test_corrections_are_shown_and_leave_the_stored_total_alone(sample, client_for):
    period = period_finalize(standard_code=STD, period_key="2026-10")
    standard = Standard.objects.get(code=STD)
    d03 = Department.objects.get(code="D03")
    author = office_user()
    Record.objects.create(
        kind=RecordKind.CORRECTION,
        standard=standard,
        department=d03,
        code="E",
        corrects=period,
        value=Decimal("2.00"),
        reason="E1 的一次巡查记录经复核不成立",
        entered_by=author,
    )
    Record.objects.create(
        kind=RecordKind.CORRECTION,
        standard=standard,
        department=d03,
        corrects=period,
        value=Decimal("-5.00"),
        reason="待审批",
        status=RecordStatus.PENDING,
    )
    with translation.override("en"):
        card, content = open_card(client_for(author), "D03")
    assert card.result.total == Decimal("95.50")  # unchanged
    assert card.total_after_corrections == Decimal("97.50")  # only the correction that counts
    assert [line.signed_value for line in card.corrections] == ["+2.00", "−5.00"]
    assert card.corrections[0].who == "office-sample" and card.corrections[0].name == "环境卫生与安全"
    assert 'data-testid="corrections"' in content and "E1 的一次巡查记录经复核不成立" in content
    assert "Total after corrections: <strong>97.50</strong>" in content
    assert 'data-testid="finalized"' in content
    assert Result.objects.get(period=period, subject_code="D03").total == Decimal("95.50")


def test_records_that_do_not_count_are_listed_apart(sample, client_for):
    standard = Standard.objects.get(code=STD)
    d03 = Department.objects.get(code="D03")
    author = office_user()
    pending = Record.objects.create(
        kind=RecordKind.FINDING, standard=standard, department=d03, code="E2", date=dt.date(2026, 10, 20),
        status=RecordStatus.PENDING, entered_by=author,
    )  # fmt: skip
    voided = Record.objects.create(
        kind=RecordKind.FINDING, standard=standard, department=d03, code="C1", date=dt.date(2026, 10, 21),
        status=RecordStatus.VOIDED, reason="申诉成立",
    )  # fmt: skip
    old_code = Record.objects.create(
        kind=RecordKind.FINDING, standard=standard, department=d03, code="ZZ9", date=dt.date(2026, 10, 22)
    )
    late = Record.objects.create(
        kind=RecordKind.FINDING, standard=standard, department=d03, code="E1", date=dt.date(2026, 10, 23)
    )
    Record.objects.filter(pk=late.pk).update(updated_at=timezone.now() + dt.timedelta(minutes=1))
    with translation.override("en"):
        card, content = open_card(client_for(author), "D03")
    reasons = {line.record.pk: line.note_reason for line in card.not_counted}
    assert reasons == {
        pending.pk: "Not counted: pending approval",
        voided.pk: "Not counted: voided",
        old_code.pk: "Not counted: the code is not in the version used",
    }
    counted = [line.record.pk for item in card.items for group in item.groups for line in group.lines]
    assert pending.pk not in counted and voided.pk not in counted
    late_line = next(line for group in items_of(card)["E"].groups for line in group.lines if line.record.pk == late.pk)
    assert late_line.changed_after_compute
    assert "changed after the scores were computed" in content
    assert "申诉成立" in content and 'data-testid="not-counted"' in content


def test_evidence_files_link_to_the_evidence_page(sample, client_for):
    finding = Record.objects.get(external_id="s-13")  # D03, E1 × 3
    evidence = Evidence.objects.create(
        record=finding, file=SimpleUploadedFile("现场照片.jpg", b"jpeg"), name="现场照片.jpg", size=4
    )
    card, content = open_card(client_for(office_user()), "D03")
    (line,) = items_of(card)["E"].groups[0].lines
    url = reverse("scoring:evidence", args=[evidence.pk])
    assert line.evidence == [("现场照片.jpg", url)]
    assert f'<a href="{url}">现场照片.jpg</a>' in content


def test_the_trend_has_the_subject_and_the_hospital_average(sample, client_for):
    card, content = open_card(client_for(office_user()), "D03")
    assert len(card.trend) == 12
    assert [(p.key, p.mine, p.average) for p in card.trend[-2:]] == [
        ("2026-09", Decimal("91.00"), Decimal("91.00")),
        ("2026-10", Decimal("95.50"), Decimal("96.19")),
    ]
    assert all(p.mine is None and p.average is None for p in card.trend[:-2])
    chart = json.loads(content.split('<script id="wm-trend-data" type="application/json">')[1].split("</script>")[0])
    assert chart["series"][0]["values"][-2:] == ["91.00", "95.50"]
    assert chart["series"][1]["values"][-1] == "96.19" and chart["series"][1]["values"][0] is None
    assert 'data-wm-chart="wm-trend-data"' in content
    assert "vendor/echarts/echarts.min.js" in content and "wenming/charts.js" in content
    assert card.previous_key == "2026-09"


def test_a_quarter_links_the_months_it_rolls_up(sample, client_for, monkeypatch):
    run("import_standard", str(QUARTER))
    monkeypatch.setattr(period_services, "hospital_today", lambda: dt.date(2026, 12, 31))
    period_compute(standard_code="WMKS-Q-2026", period_key="2026-Q4")
    response = client_for(office_user()).get(card_url("D09", "2026-Q4", code="WMKS-Q-2026"))
    card = response.context["card"]
    sources = items_of(card)["M"].sources
    assert [(s.key, s.total, s.vetoed) for s in sources] == [
        ("2026-10", Decimal("100.00"), True),
        ("2026-11", Decimal("91.00"), False),
        ("2026-12", Decimal("91.00"), False),
    ]
    assert sources[0].url == card_url("D09")
    content = response.content.decode()
    assert f'href="{card_url("D09")}"' in content
    assert card.result.vetoed and 'data-testid="veto-banner"' in content


# --- query counts --------------------------------------------------------------------------


def _feedback(department: Department, n: int) -> None:
    moment = timezone.make_aware(dt.datetime(2026, 10, 15, 10, 0))
    Feedback.objects.bulk_create(
        Feedback(department=department, at=moment, local_date=dt.date(2026, 10, 15), overall=1 + i % 5)
        for i in range(n)
    )


def test_scorecard_queries_do_not_grow_with_departments_records_or_feedback(
    scored, client_for, django_assert_max_num_queries
):
    client = client_for(scored.head_cardio)
    grow(5)
    _feedback(scored.cardio, 40)
    client.get(card_url("D01"))
    with CaptureQueriesContext(connection) as small:
        client.get(card_url("D01"))
    grow(30)
    _feedback(scored.cardio, 400)
    standard = Standard.objects.get(code=STD)
    finding = Record.objects.filter(standard=standard, department=scored.cardio, date__month=10).first()
    for i in range(5):
        Evidence.objects.create(record=finding, file=SimpleUploadedFile(f"p{i}.jpg", b"x"), name=f"p{i}.jpg", size=1)
    Record.objects.bulk_create(
        Record(kind=RecordKind.FINDING, standard=standard, department=scored.cardio, code="B1",
               date=dt.date(2026, 10, 1 + i), status=RecordStatus.PENDING)
        for i in range(20)
    )  # fmt: skip
    with django_assert_max_num_queries(15):
        response = client.get(card_url("D01"))
    card = response.context["card"]
    assert card.in_scope == 30 and len([p for p in card.trend if p.mine is not None]) == 12
    assert items_of(card)["S"].feedback.n == 440 and len(card.not_counted) == 20
    with CaptureQueriesContext(connection) as large:
        client.get(card_url("D01"))
    assert len(page_queries(large)) == len(page_queries(small))


# --- a department head's own results -------------------------------------------------------


def test_my_scores_lists_the_departments_a_head_heads(scored, client_for, django_assert_max_num_queries):
    period_compute(standard_code=STD, period_key="2026-09")
    client = client_for(scored.head_cardio)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("scoring:mine"))
    departments = response.context["departments"]
    assert [entry.department.code for entry in departments] == ["D01", "D0101"]
    (latest,) = departments[0].results
    assert latest.period.key == "2026-10" and latest.in_scope == 4  # the latest computed month
    assert card_url("D01") in response.content.decode() and card_url("D0101") in response.content.decode()
    ortho = client_for(scored.head_ortho).get(reverse("scoring:mine"))
    assert [entry.department.code for entry in ortho.context["departments"]] == ["D02"]
    assert card_url("D01") not in ortho.content.decode()


def test_my_scores_of_a_head_who_is_also_scored_as_a_person(staff_scored, client_for, django_assert_max_num_queries):
    client = client_for(staff_scored.head_cardio)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("scoring:mine"))
    assert [entry.department.code for entry in response.context["departments"]] == ["D01", "D0101"]
    assert [own.result.subject_code for own in response.context["own"]] == ["E0101"]
    assert [own.standard.code for own in response.context["departments"][0].results] == [STD]


def test_my_scores_for_people_who_head_nothing(staff_scored, client_for):
    response = client_for(staff_scored.employee).get(reverse("scoring:mine"))
    assert response.status_code == 200 and response.context["departments"] == []
    (own,) = response.context["own"]
    assert own.result.subject_code == "E0102" and own.standard.code == "YDKP-M-2026"
    office = client_for(staff_scored.office).get(reverse("scoring:mine"))
    assert office.status_code == 200 and b'data-testid="mine-empty"' not in office.content  # E9001 is scored
    nobody = client_for(UserFactory(username="nobody")).get(reverse("scoring:mine"))
    assert b'data-testid="mine-empty"' in nobody.content


def test_the_menu_offers_my_scores_to_heads_only(scored, client_for):
    url = reverse("scoring:mine")
    assert f'href="{url}"' in client_for(scored.head_cardio).get(reverse("core:home")).content.decode()
    assert f'href="{url}"' not in client_for(scored.office).get(reverse("core:home")).content.decode()
    assert f'href="{url}"' not in client_for(scored.employee).get(reverse("core:home")).content.decode()


# --- the language of stored explanations ----------------------------------------------------


def test_period_compute_stores_explanations_in_the_hospital_language(scored, settings, monkeypatch):
    monkeypatch.setattr(engine, "_", lambda message: f"[{translation.get_language()}] {message}")
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("en"):
        period = period_compute(standard_code=STD, period_key="2026-10")
    explanations = period.results.get(subject_code="D01").explanations
    assert explanations["B"] == "[zh-hans] 10 (no findings) = 10.00"
    assert translation.get_language() == "zh-hans"  # the conftest's language, restored


def test_who_gave_a_manual_score_is_hidden_from_the_department_it_scores(sample, client_for):
    assessor = Staff.objects.get(staff_no="E1009").name
    office_card = open_card(client_for(office_user()), "D03")[1]
    assert assessor in office_card
    head_card = open_card(client_for(head_of("D03", "head_d03")), "D03")[1]
    assert "8.50" in head_card  # the score itself is shown
    assert assessor not in head_card
