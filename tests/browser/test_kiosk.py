"""A tablet at the discharge desk in kiosk mode (phone-sized): a patient rates, the thank-you page
comes back to a fresh form by itself, the next patient rates, and staff leave with the PIN."""

import datetime as dt

import pytest
from django.utils import timezone

from wenming.feedback import kiosk as kiosks
from wenming.feedback.models import Channel, CodeKind, Feedback, RatingCode
from wenming.feedback.services import rating_codes_ensure
from wenming.org.selectors import current_hospital
from wenming.scoring.periods import local_date

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 412, "height": 915}


@pytest.fixture
def kiosk(scenario, settings):
    settings.WENMING_KIOSK_RESET_SECONDS = 2
    rating_codes_ensure(by=scenario.office)
    code = RatingCode.objects.get(kind=CodeKind.DEPARTMENT, department=scenario.ortho, active=True)
    earlier = timezone.now() - dt.timedelta(days=3)  # the code is in use at this hour of the day
    Feedback.objects.create(
        department=scenario.ortho,
        rating_code=code,
        at=earlier,
        local_date=local_date(earlier, current_hospital().time_zone),
        overall=4,
    )
    return kiosks.kiosk_create(by=scenario.office, name="骨科出院结算处", rating_code=code, pin="2468")


def _rate(page, stars: int) -> str:
    form = page.get_by_test_id("rate-form")
    submission_id = form.locator("input[name=submission_id]").input_value()
    page.wait_for_timeout(3200)  # not "too fast"
    form.locator(f"label[for=o{stars}]").click()
    form.locator("button[type=submit]").click()
    page.get_by_test_id("thanks").wait_for()
    return submission_id


def test_the_kiosk_resets_itself_and_leaves_with_the_pin(page, kiosk):
    page.set_viewport_size(TABLET)
    page.goto(f"{page.base_url}/r/kiosk/{kiosk.token}/")
    assert page.get_by_test_id("subject").inner_text() == "骨科"
    first = _rate(page, 5)
    shot(page, "kiosk-1-thanks")
    page.get_by_test_id("rate-form").wait_for(timeout=8000)  # back by itself, no tap
    second = _rate(page, 4)
    page.get_by_test_id("rate-form").wait_for(timeout=8000)
    shot(page, "kiosk-2-reset")
    assert first != second
    rated = Feedback.objects.filter(submission_id__in=[first, second])
    assert sorted(rated.values_list("overall", flat=True)) == [4, 5]
    assert all(f.channel == Channel.KIOSK and f.is_valid for f in rated)

    page.get_by_test_id("kiosk-exit").click()
    page.fill("input[name=pin]", "1111")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    page.fill("input[name=pin]", "2468")
    page.click("button[type=submit]")
    page.get_by_test_id("kiosk-left").wait_for()
    shot(page, "kiosk-3-left")
    page.goto(f"{page.base_url}/r/{kiosk.rating_code.code}/")
    assert page.get_by_test_id("kiosk-exit").count() == 0
