"""A patient scans 心血管内科's code on a phone: the page is small, a rating with a comment is
stored once however often the form is sent, and the office sees the comment escaped."""

import datetime as dt

import pytest
from django.utils import timezone

from wenming.feedback.models import CodeKind, Feedback, RatingCode
from wenming.feedback.services import rating_codes_ensure
from wenming.org.selectors import current_hospital
from wenming.scoring.periods import local_date

from .conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
COMMENT = "护士很耐心 <b>谢谢</b>"


@pytest.fixture
def code(scenario):
    rating_codes_ensure(by=scenario.office)
    code = RatingCode.objects.get(kind=CodeKind.DEPARTMENT, department=scenario.cardio, active=True)
    # The code is in use at this hour of the day, so a rating now is not "far outside its usual hours".
    earlier = timezone.now() - dt.timedelta(days=3)
    Feedback.objects.create(
        department=scenario.cardio,
        rating_code=code,
        at=earlier,
        local_date=local_date(earlier, current_hospital().time_zone),
        overall=4,
    )
    return code


def test_a_patient_rates_once_and_the_office_sees_it_escaped(page, scenario, code):
    page.set_viewport_size(PHONE)
    response = page.goto(f"{page.base_url}/r/{code.code}/")
    assert len(response.body()) < 60 * 1024
    assert page.get_by_test_id("subject").inner_text() == "心血管内科"
    form = page.get_by_test_id("rate-form")
    submission_id = form.locator("input[name=submission_id]").input_value()
    token = form.locator("input[name=t]").input_value()
    page.wait_for_timeout(3500)  # a person takes a few seconds; an instant answer would be flagged
    form.locator("label[for=o5]").click()
    form.locator("textarea[name=comment]").fill(COMMENT)
    shot(page, "rating-1-form")
    form.locator("button[type=submit]").click()
    page.get_by_test_id("thanks").wait_for()
    shot(page, "rating-2-thanks")
    rated = Feedback.objects.get(submission_id=submission_id)
    assert (rated.department, rated.overall, rated.comment) == (scenario.cardio, 5, COMMENT)
    assert rated.is_valid and rated.flag_reasons == []

    # The same form sent again (a double tap, a retry on a bad connection) counts once.
    again = page.request.post(
        f"{page.base_url}/r/{code.code}/",
        form={"submission_id": submission_id, "t": token, "overall": "5", "comment": COMMENT},
    )
    assert again.status == 200 and "已收到" in again.text()
    assert Feedback.objects.filter(rating_code=code).count() == 2  # the earlier one and this one

    # The office reads the comment as text, not as markup.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "office")
    page.goto(f"{page.base_url}/feedback/")
    assert COMMENT in page.locator("main").inner_text()
    assert page.locator("main b", has_text="谢谢").count() == 0
