"""Review pages of inspections: the round list, one round, its photos — and who may open each."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from wenming.inspections.models import InspectionRound, Photo, RoundFinding
from wenming.inspections.services import appeal_deadline, appeal_decide, appeal_file, round_submit
from wenming.inspections.views import review
from wenming.org.selectors import hospital_today
from wenming.rectification.services import item_open
from wenming.scoring.models import ScoringPeriod

from .images import jpeg_with_gps, png, upload

pytestmark = pytest.mark.django_db

LIST = "/inspections/rounds/"


def submit(scenario, month, *, token="tok-1", department=None, findings=None, unannounced=False):
    return round_submit(
        client_token=token,
        department=department or scenario.ward,
        inspector=scenario.inspector,
        standard=month,
        findings=findings
        if findings is not None
        else [
            {"code": "D1a", "count": 2, "note": "两人未佩戴工作牌", "photos": [upload(jpeg_with_gps(), "a.jpg")]},
            {"code": "C1", "count": 1, "note": "", "responsible": scenario.employee_staff},
        ],
        unannounced=unannounced,
        by=scenario.inspector,
    )


def held_on(inspection_round, day):
    InspectionRound.objects.filter(pk=inspection_round.pk).update(date=day)


@pytest.fixture
def cardio_round(scenario, month):
    """A round in 心内一病区 (under 心血管内科), today, with a photo."""
    staff = scenario.inspector.staff
    staff.name = "钱明"  # a name that appears nowhere else on the pages
    staff.save()
    return submit(scenario, month)


@pytest.fixture
def ortho_round(scenario, month):
    return submit(scenario, month, token="tok-ortho", department=scenario.ortho, findings=[{"code": "E1", "count": 1}])


def finding_section(page: str, finding) -> str:
    """The part of a round's page about one finding."""
    return page.split(f'data-testid="finding-{finding.pk}"')[1].split('data-testid="finding-')[0].split("</section>")[0]


def round_rows(page: str) -> int:
    return len(re.findall(r'data-testid="round-\d+"', page))


def photo_of(inspection_round) -> Photo:
    return Photo.objects.get(finding__round=inspection_round)


def urls(inspection_round) -> list[str]:
    photo = photo_of(inspection_round)
    return [
        LIST,
        f"/inspections/rounds/{inspection_round.pk}/",
        f"/inspections/photos/{photo.pk}/",
        f"/inspections/photos/{photo.pk}/thumb/",
    ]


# --- Who may open what ------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(scenario, cardio_round, client):
    for url in urls(cardio_round):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_employees_are_refused(scenario, cardio_round, client_for):
    client = client_for(scenario.employee)
    for url in urls(cardio_round):
        assert client.get(url).status_code == 403, url


def test_head_of_another_department_gets_not_found(scenario, cardio_round, ortho_round, client_for):
    client = client_for(scenario.head_ortho)
    for url in urls(cardio_round)[1:]:
        assert client.get(url).status_code == 404, url
    listed = client.get(LIST).content.decode()
    assert f'data-testid="round-{ortho_round.pk}"' in listed
    assert f'data-testid="round-{cardio_round.pk}"' not in listed


def test_missing_things_are_not_found(scenario, cardio_round, client_for):
    client = client_for(scenario.office)
    for url in ("/inspections/rounds/999999/", "/inspections/photos/999999/", "/inspections/photos/999999/thumb/"):
        assert client.get(url).status_code == 404, url


def test_draft_rounds_are_not_reviewed(scenario, month, client_for):
    draft = InspectionRound.objects.create(
        standard=month,
        department=scenario.ward,
        inspector=scenario.inspector,
        date=date(2026, 11, 20),
        client_token="d",
    )
    client = client_for(scenario.office)
    assert client.get(f"/inspections/rounds/{draft.pk}/").status_code == 404
    assert f'data-testid="round-{draft.pk}"' not in client.get(LIST).content.decode()


@pytest.mark.parametrize("who", ["head_cardio", "office", "leader", "inspector", "sysadmin"])
def test_who_may_read_the_round(scenario, cardio_round, client_for, who):
    client = client_for(getattr(scenario, who))
    for url in urls(cardio_round):
        assert client.get(url).status_code == 200, url


# --- The list ---------------------------------------------------------------------------------


def test_list_rows_show_findings_points_and_badges(scenario, month, cardio_round, ortho_round, client_for):
    unannounced = submit(scenario, month, token="tok-u", findings=[], unannounced=True)
    page = client_for(scenario.office).get(LIST).content.decode()

    row = page.split(f'data-testid="round-{cardio_round.pk}"')[1].split("</li>")[0]
    assert "心内一病区" in row
    assert "钱明" in row  # inspections are not anonymous
    assert "−4.00" in row  # D1a 2 × 0.5 + C1 1 × 3
    assert 'data-testid="unannounced"' not in row
    today = hospital_today()
    assert f"{today.year}年{today.month}月{today.day}日" in row

    clean = page.split(f'data-testid="round-{unannounced.pk}"')[1].split("</li>")[0]
    assert 'data-testid="unannounced"' in clean
    assert "钱明" in clean  # the office sees who inspected unannounced

    # Newest first: the unannounced round was stored last (same day).
    assert page.index(f"round-{unannounced.pk}") < page.index(f"round-{cardio_round.pk}")


def test_unannounced_inspector_is_hidden_from_the_inspected_department(scenario, month, client_for):
    staff = scenario.inspector.staff
    staff.name = "钱明"
    staff.save()
    hidden = submit(scenario, month, token="tok-u", unannounced=True)
    client = client_for(scenario.head_cardio)

    listed = client.get(LIST).content.decode()
    row = listed.split(f'data-testid="round-{hidden.pk}"')[1].split("</li>")[0]
    assert "钱明" not in listed
    assert "Unannounced inspection team" in row or "暗访" in row

    detail = client.get(f"/inspections/rounds/{hidden.pk}/").content.decode()
    assert "钱明" not in detail
    assert 'data-testid="unannounced-note"' in detail
    # ... and the inspector cannot be found through the filter either: heads have no inspector filter.
    assert 'name="inspector"' not in listed

    assert "钱明" in client_for(scenario.leader).get(f"/inspections/rounds/{hidden.pk}/").content.decode()


def test_list_filters(scenario, month, client_for):
    staff = scenario.inspector.staff
    nov = submit(scenario, month, token="t1")
    held_on(nov, date(2026, 11, 10))
    oct_round = submit(scenario, month, token="t2", findings=[{"code": "E1", "count": 1}])
    held_on(oct_round, date(2026, 10, 5))
    ortho = submit(scenario, month, token="t3", department=scenario.ortho, findings=[], unannounced=True)
    held_on(ortho, date(2026, 11, 12))
    appealed = nov.findings.get(code="C1")
    held_on(nov, hospital_today())
    appeal_file(finding=appealed, by=scenario.head_cardio, reason="不同意")
    held_on(nov, date(2026, 11, 10))
    client = client_for(scenario.office)

    def shown(query: str) -> set[int]:
        page = client.get(f"{LIST}?{query}").content.decode()
        return {r.pk for r in (nov, oct_round, ortho) if f'data-testid="round-{r.pk}"' in page}

    assert shown("") == {nov.pk, oct_round.pk, ortho.pk}
    assert shown("department=D01") == {nov.pk, oct_round.pk}  # 心血管内科 and the ward under it
    assert shown("month=2026-11") == {nov.pk, ortho.pk}
    assert shown("date_from=2026-11-11&date_to=2026-11-30") == {ortho.pk}
    assert shown("unannounced=yes") == {ortho.pk}
    assert shown("unannounced=no") == {nov.pk, oct_round.pk}
    assert shown("pending=on") == {nov.pk}
    assert shown(f"inspector={scenario.inspector.pk}") == {nov.pk, oct_round.pk, ortho.pk}
    assert shown(f"inspector={scenario.office.pk}") == {nov.pk, oct_round.pk, ortho.pk}  # never inspected: ignored
    assert staff.name in client.get(LIST).content.decode()

    # A wrong filter is left out and says why; the others still apply.
    assert shown("month=2026-13&department=D01") == {nov.pk, oct_round.pk}
    bad = client.get(f"{LIST}?month=2026-13&department=D01").content.decode()
    assert 'class="invalid-feedback d-block"' in bad.split('data-testid="round-filters"')[1].split("</form>")[0]
    assert shown("date_from=2026-11-11&date_to=2026-11-01") == {ortho.pk}  # an end before the start is left out

    nothing = client.get(f"{LIST}?month=2020-01").content.decode()
    assert 'data-testid="no-rounds"' in nothing


def test_pending_appeal_badge(scenario, cardio_round, client_for):
    appeal_file(finding=cardio_round.findings.get(code="C1"), by=scenario.head_cardio, reason="不同意")
    page = client_for(scenario.head_cardio).get(LIST).content.decode()
    row = page.split(f'data-testid="round-{cardio_round.pk}"')[1].split("</li>")[0]
    assert "text-bg-warning" in row.split('data-testid="appeal-state"')[1]


def test_htmx_request_gets_the_results_only(scenario, cardio_round, client_for):
    response = client_for(scenario.office).get(LIST, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="rounds-results">') or 'id="rounds-results"' in content[:200]
    assert "<html" not in content


def test_empty_list(scenario, client_for):
    page = client_for(scenario.head_cardio).get(LIST).content.decode()
    assert 'data-testid="no-rounds"' in page


def test_list_query_count_is_constant(scenario, month, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    submit(scenario, month, token="first")
    client.get(LIST)  # warm the session and caches
    with django_assert_max_num_queries(16) as few:
        assert client.get(LIST).status_code == 200
    for index in range(34):
        department = (scenario.ward, scenario.ortho, scenario.cardio)[index % 3]
        submit(scenario, month, token=f"t{index}", department=department, findings=[{"code": "E1", "count": 1}])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert round_rows(response.content.decode()) == 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        second = client.get(f"{LIST}?page=2")
    assert round_rows(second.content.decode()) == 5


# --- One round --------------------------------------------------------------------------------


def test_detail_groups_findings_by_item(scenario, cardio_round, client_for):
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    d1a = cardio_round.findings.get(code="D1a")
    c1 = cardio_round.findings.get(code="C1")

    assert 'data-testid="item-D1"' in page and 'data-testid="item-C"' in page
    assert page.index('data-testid="item-C"') < page.index('data-testid="item-D1"')  # the standard's order
    section = finding_section(page, d1a)
    assert "未佩戴工作牌（每人次）" in section
    assert "−1.00" in section and "两人未佩戴工作牌" in section
    photo = photo_of(cardio_round)
    assert f'href="/inspections/photos/{photo.pk}/"' in section
    assert f'src="/inspections/photos/{photo.pk}/thumb/"' in section
    assert f'href="/scoring/records/{d1a.record_id}/"' in section
    assert 'data-testid="status"' in section
    assert "郑爽" in page.split(f'data-testid="finding-{c1.pk}"')[1]  # the responsible person
    assert "−4.00" in page.split('data-testid="round-points"')[1][:80]
    assert "钱明" in page  # an announced round names its inspector, also to the inspected department


def test_detail_deadline_in_chinese(scenario, cardio_round, client_for):
    held_on(cardio_round, date(2026, 11, 23))  # a Monday: appeals until Thursday the 26th
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert "2026年11月26日" in page.split('data-testid="deadline"')[1][:200]


def test_head_may_appeal_within_the_deadline(scenario, cardio_round, client_for):
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    for finding in cardio_round.findings.all():
        assert f'href="/inspections/findings/{finding.pk}/appeal/"' in page
    assert 'data-testid="appeal-refusal"' not in page


def test_appeal_is_disabled_with_the_reason_after_the_deadline(scenario, cardio_round, client_for):
    held = hospital_today() - timedelta(days=30)
    held_on(cardio_round, held)
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert 'data-testid="appeal-link"' not in page
    refusal = page.split('data-testid="appeal-refusal">')[1].split("</span>")[0]
    deadline = appeal_deadline(held)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in refusal


def test_others_do_not_see_the_appeal_action(scenario, cardio_round, client_for):
    for who in ("office", "leader", "inspector", "head_ortho"):
        response = client_for(getattr(scenario, who)).get(f"/inspections/rounds/{cardio_round.pk}/")
        if response.status_code == 200:
            content = response.content.decode()
            assert 'data-testid="appeal-link"' not in content, who
            assert 'data-testid="appeal-refusal"' not in content, who


def test_appealed_and_voided_findings(scenario, cardio_round, client_for):
    c1 = cardio_round.findings.get(code="C1")
    d1a = cardio_round.findings.get(code="D1a")
    appeal = appeal_file(finding=c1, by=scenario.head_cardio, reason="当时已道歉并处理")
    leader_page = client_for(scenario.leader).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    section = finding_section(leader_page, c1)
    assert "text-bg-warning" in section.split('data-testid="status"')[0][-60:]
    assert f'href="/inspections/appeals/{appeal.pk}/decide/"' in section
    assert "当时已道歉并处理" in section

    head_page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert 'data-testid="decide-link"' not in head_page
    assert "appeal-refusal" in finding_section(head_page, c1)
    assert f'href="/inspections/findings/{d1a.pk}/appeal/"' in head_page  # the other finding still can be

    appeal_decide(appeal=appeal, by=scenario.office, uphold=False, note="核实后撤销")
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    section = finding_section(page, c1)
    assert "text-bg-secondary" in section and "核实后撤销" in section
    assert "−1.00" in page.split('data-testid="round-points"')[1][:80]  # the voided C1 no longer deducts


def test_rectification_items_and_the_link_to_open_one(scenario, cardio_round, client_for, monkeypatch):
    d1a = cardio_round.findings.get(code="D1a")
    item = item_open(
        department=scenario.ward,
        problem="补齐工作牌",
        source="finding",
        deadline=hospital_today() + timedelta(days=7),
        by=scenario.office,
        finding=d1a.record,
    )
    real = review.optional_url
    monkeypatch.setattr(
        review,
        "optional_url",
        lambda name, *args: "/rectification/new/" if name == "rectification:item_new" else real(name, *args),
    )

    page = client_for(scenario.office).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    section = finding_section(page, d1a)
    assert f'href="/rectification/new/?finding={d1a.record_id}"' in section
    items = section.split('data-testid="items"')[1]
    assert f"#{item.pk}" in items

    # The head may open items on their own department too; the other head cannot see the round at all.
    head_page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert f"/rectification/new/?finding={d1a.record_id}" in head_page


def test_no_rectification_link_while_that_page_does_not_exist(scenario, cardio_round, client_for, monkeypatch):
    real = review.optional_url
    monkeypatch.setattr(
        review, "optional_url", lambda name, *args: None if name == "rectification:item_new" else real(name, *args)
    )
    page = client_for(scenario.office).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert 'data-testid="item-new"' not in page


def test_finalized_period_blocks_appeals(scenario, month, cardio_round, client_for):
    day = hospital_today()
    start = day.replace(day=1)
    ScoringPeriod.objects.create(
        standard=month,
        key=f"{day.year}-{day.month:02d}",
        cycle="month",
        start=start,
        end=(start + timedelta(days=32)).replace(day=1),
        finalized_at=timezone.now(),
    )
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{cardio_round.pk}/").content.decode()
    assert 'data-testid="appeal-link"' not in page
    assert page.count('data-testid="appeal-refusal"') == 2


def test_a_clean_round(scenario, month, client_for):
    clean = submit(scenario, month, token="clean", findings=[])
    page = client_for(scenario.head_cardio).get(f"/inspections/rounds/{clean.pk}/").content.decode()
    assert 'data-testid="no-findings"' in page
    assert RoundFinding.objects.filter(round=clean).count() == 0


def test_detail_query_count_is_constant(scenario, month, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    small = submit(scenario, month, token="s", findings=[{"code": "E1", "count": 1}])
    client.get(f"/inspections/rounds/{small.pk}/")
    with django_assert_max_num_queries(20) as few:
        client.get(f"/inspections/rounds/{small.pk}/")
    big = submit(
        scenario,
        month,
        token="b",
        findings=[
            {"code": code, "count": 1, "photos": [upload(png(), "p.png", "image/png")]}
            for code in ("A1a", "B1", "C1", "C2", "D1a", "D2a", "E1", "E2")
        ],
    )
    for finding in big.findings.all()[:3]:
        appeal_file(finding=finding, by=scenario.head_cardio, reason="不同意")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/inspections/rounds/{big.pk}/")
    assert response.content.decode().count('data-testid="finding-') == 8


# --- Photos -----------------------------------------------------------------------------------


def test_photo_is_streamed_privately_with_its_type(scenario, cardio_round, client_for):
    photo = photo_of(cardio_round)
    response = client_for(scenario.head_cardio).get(f"/inspections/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private") and "max-age=" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    body = b"".join(response.streaming_content)
    with photo.image.open("rb") as stored:
        assert body == stored.read()
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (40, 20)
        assert not image.getexif()  # no location reaches the browser


def test_thumbnail_and_png(scenario, month, client_for):
    shot = submit(
        scenario, month, token="png", findings=[{"code": "E1", "count": 1, "photos": [upload(png(600, 300), "s.png")]}]
    )
    photo = photo_of(shot)
    client = client_for(scenario.office)
    full = client.get(f"/inspections/photos/{photo.pk}/")
    assert full["Content-Type"] == "image/png"
    thumb = client.get(f"/inspections/photos/{photo.pk}/thumb/")
    assert thumb["Content-Type"] == "image/jpeg"
    assert thumb["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert image.format == "JPEG" and image.size == (320, 160)


def test_photo_file_gone_is_not_found(scenario, cardio_round, client_for):
    photo = photo_of(cardio_round)
    photo.image.storage.delete(photo.image.name)
    assert client_for(scenario.office).get(f"/inspections/photos/{photo.pk}/").status_code == 404


def test_the_scoring_record_of_an_unannounced_finding_hides_the_inspector_from_the_department(
    scenario, client_for, month
):
    from wenming.inspections.services import round_submit

    inspection_round = round_submit(
        client_token="secret-visit",
        department=scenario.cardio,
        inspector=scenario.inspector,
        standard=month,
        findings=[{"code": "D1a", "count": 1, "note": "夜间暗访未佩戴工作牌"}],
        unannounced=True,
        by=scenario.inspector,
    )
    record = inspection_round.findings.get().record
    head_page = client_for(scenario.head_cardio).get(f"/scoring/records/{record.pk}/").content.decode()
    assert "夜间暗访未佩戴工作牌" in head_page and "督查员" not in head_page
    office_page = client_for(scenario.office).get(f"/scoring/records/{record.pk}/").content.decode()
    assert "督查员" in office_page
