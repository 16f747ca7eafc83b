"""The public 满意度公示 page on a phone and on a lobby screen, and the office's dashboard with its charts."""

import datetime as dt

import pytest
from django.utils import timezone

from wenming.feedback.models import Feedback
from wenming.org.selectors import hospital_today
from wenming.satisfaction.services import public_board_update

from .conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rated(scenario):
    """Last month: 心血管内科 40 ratings (36 satisfied), 骨科 5 (too few to show)."""
    day = hospital_today().replace(day=1) - dt.timedelta(days=3)
    at = timezone.now() - dt.timedelta(days=(hospital_today() - day).days)
    rows = [(scenario.cardio, 5)] * 36 + [(scenario.cardio, 2)] * 4 + [(scenario.ortho, 5)] * 5
    Feedback.objects.bulk_create(
        [Feedback(department=d, at=at, local_date=day, overall=o, comment="") for d, o in rows]
        + [Feedback(department=scenario.cardio, at=at, local_date=day, overall=1, comment="<b>等太久</b>")]
    )
    public_board_update(
        by=scenario.office, enabled=True, title="患者满意度公示", min_responses=30, note="监督电话：12345"
    )
    return day


def test_the_public_page_on_a_phone_and_a_lobby_screen(page, rated):
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto(f"{page.base_url}/satisfaction/public/")
    assert response.status == 200 and len(response.body()) < 30 * 1024
    assert page.get_by_test_id("title").inner_text() == "患者满意度公示"
    departments = page.get_by_test_id("department")
    assert departments.count() == 1 and "心血管内科" in departments.first.inner_text()
    assert "87.8%" in departments.first.inner_text()  # 36 of 41
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "satisfaction-public-phone")
    page.set_viewport_size({"width": 1920, "height": 1080})
    columns = page.evaluate("getComputedStyle(document.querySelector('.rows')).columnCount")
    assert columns == "2"
    shot(page, "satisfaction-public-lobby")


def test_the_office_dashboard_draws_its_charts(page, rated):
    log_in(page, "office")
    page.goto(f"{page.base_url}/satisfaction/?period={rated:%Y-%m}")
    page.locator("[data-testid=trend-chart] svg").wait_for()
    row = page.locator("[data-testid=department-row][data-department=D01]")
    assert "87.80%" in row.inner_text()
    assert page.locator("[data-testid=low-comments]").inner_text().count("<b>等太久</b>") == 1
    # Changing the order swaps the results in place (HTMX) and the chart is drawn again.
    page.select_option("select[name=order]", "lowest")
    page.wait_for_url("**order=lowest**")
    page.locator("[data-testid=trend-chart] svg").wait_for()
    page.wait_for_timeout(1500)  # the charts' drawing animation
    shot(page, "satisfaction-dashboard")
