"""Logging in, seeing the right things per role, switching language — in a real browser."""

import pytest

from .conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_logs_in_and_sees_the_whole_hospital(page, scenario):
    page.goto(f"{page.base_url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    log_in(page, "office")
    assert page.get_by_test_id("stat-departments").inner_text() == "4"
    assert page.get_by_test_id("stat-staff").inner_text() == "6"
    menu = page.locator("#wm-nav")
    assert menu.locator("a[href='/audit/']").count() == 1
    assert menu.locator("a[href='/org/import/']").count() == 1
    shot(page, "office-home")


def test_department_head_sees_only_their_department(page, scenario):
    log_in(page, "head_ortho")
    assert page.get_by_test_id("stat-departments").inner_text() == "1"
    menu = page.locator("#wm-nav")
    assert menu.locator("a[href='/audit/']").count() == 0
    assert menu.locator("a[href='/org/import/']").count() == 0
    response = page.goto(f"{page.base_url}/audit/")
    assert response.status == 403
    shot(page, "head-home")


def test_switching_language_to_english_and_back(page, scenario):
    log_in(page, "office")
    with page.expect_navigation():
        page.select_option("#wm-language", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Audit log").first.is_visible()
    shot(page, "office-home-en")
    with page.expect_navigation():
        page.select_option("#wm-language", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_wrong_password_shows_an_error_and_keeps_the_username(page, scenario):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").is_visible()
    assert page.input_value("input[name=username]") == "office"
