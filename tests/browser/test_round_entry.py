"""An inspector records a round on a phone-sized screen with round.js: the stepper, a photo kept on
the phone, the draft offered back after a reload, a submission that fails offline and goes through
by itself when the phone is back online (one round), a bad photo refused beside its finding, and a
camera-sized photo shrunk on the phone before it is kept and sent."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from wenming.inspections.models import InspectionPlan, InspectionRound, Photo, RoundFinding
from wenming.inspections.tests.images import ORIENTATION, jpeg_with_gps
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

from .conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def plan(scenario):
    load_example_standards()
    plan = InspectionPlan.objects.create(
        name="每周拉网巡查", standard=Standard.objects.get(code="WMKS-M-2026"), rectify_codes=["C1"]
    )
    plan.departments.set([scenario.ward, scenario.ortho])
    plan.inspectors.set([scenario.inspector])
    InspectionPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=30))
    return plan


def test_a_round_survives_a_reload_and_a_lost_network(page, scenario, plan, tmp_path):
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.set_viewport_size(PHONE)
    log_in(page, "inspector")
    page.goto(f"{page.base_url}/inspections/")
    shot(page, "round-0-schedule")
    page.get_by_test_id(f"start-{plan.pk}-D02").click()
    page.wait_for_url("**/inspections/rounds/new/?plan=*")
    form = page.get_by_test_id("round-form")
    token = form.locator("input[name=client_token]").input_value()
    assert len(token) == 32

    c1 = page.get_by_test_id("finding-C1")
    plus = c1.locator(".wm-step button").last
    plus.click()
    plus.click()
    assert c1.locator("input[name=f-C1-count]").input_value() == "2"
    assert c1.locator("details").get_attribute("open") is not None
    c1.locator("textarea[name=f-C1-note]").fill("3床家属反映护士态度生硬")
    c1.locator("input[name=f-C1-photos]").set_input_files(str(photo))
    c1.locator(".wm-photos").wait_for()
    assert "1" in c1.locator(".wm-photos").inner_text()
    page.get_by_test_id("finding-E1").locator(".wm-step button").last.click()
    assert page.locator("[data-total]").inner_text().startswith("2")
    page.wait_for_timeout(500)  # the draft is saved 300 ms after typing
    shot(page, "round-1-entered")

    # The page is closed (reloaded: a new token); the draft is offered back.
    page.reload()
    restore = page.get_by_test_id("restore")
    restore.wait_for()
    shot(page, "round-2-restore-offered")
    restore.locator("[data-restore=continue]").click()
    c1 = page.get_by_test_id("finding-C1")
    assert c1.locator("input[name=f-C1-count]").input_value() == "2"
    assert c1.locator("textarea[name=f-C1-note]").input_value() == "3床家属反映护士态度生硬"
    assert page.locator("input[name=client_token]").input_value() == token
    c1.locator(".wm-photos").wait_for()
    page.locator("#round-unannounced").check()

    # Offline: nothing is sent, everything is kept, a retry is offered.
    page.context.set_offline(True)
    page.get_by_test_id("submit-round").click()
    status = page.get_by_test_id("round-status")
    status.locator("[data-retry]").wait_for()
    assert "alert-warning" in status.get_attribute("class")
    assert not InspectionRound.objects.exists()
    shot(page, "round-3-offline")

    # Back online: sent by itself, once.
    with page.expect_navigation(url="**/done/"):
        page.context.set_offline(False)
    assert page.get_by_test_id("round-done").is_visible()
    shot(page, "round-4-done")
    inspection_round = InspectionRound.objects.get()
    assert inspection_round.client_token == token and inspection_round.unannounced
    assert sorted(RoundFinding.objects.values_list("code", "count")) == [("C1", 2), ("E1", 1)]
    assert Photo.objects.get().finding.code == "C1"
    assert page.evaluate("localStorage.getItem('wm-round-drafts')") == "{}"
    assert page.evaluate(f"localStorage.getItem('wm-round:{token}')") is None

    # Going back and sending the same page again makes no second round.
    page.go_back()
    page.wait_for_url("**/inspections/rounds/new/?plan=*")
    assert InspectionRound.objects.count() == 1


def test_a_bad_photo_is_refused_beside_its_finding(page, scenario, plan, tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"this is not a picture")
    page.set_viewport_size(PHONE)
    log_in(page, "inspector")
    page.goto(f"{page.base_url}/inspections/rounds/new/?plan={plan.pk}&department={scenario.ward.pk}")
    e1 = page.get_by_test_id("finding-E1")
    e1.locator(".wm-step button").last.click()
    e1.locator("input[name=f-E1-photos]").set_input_files(str(fake))
    e1.locator(".wm-photos").wait_for()
    page.get_by_test_id("submit-round").click()
    error = e1.locator("[data-error-for=E1]")
    page.wait_for_function("document.querySelector('[data-error-for=E1]').textContent.trim() !== ''")
    assert error.inner_text()
    assert "wm-f-err" in e1.get_attribute("class")
    assert not InspectionRound.objects.exists()
    shot(page, "round-5-bad-photo")
    # Removing the photo and sending again works.
    e1.locator(".wm-photos button").click()
    with page.expect_navigation(url="**/done/"):
        page.get_by_test_id("submit-round").click()
    assert InspectionRound.objects.count() == 1


KEPT_PHOTOS = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open("wm-inspections", 1);
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const all = request.result.transaction("photos").objectStore("photos").getAll();
    all.onsuccess = () => {
      request.result.close();
      resolve(all.result.flat().map((p) => ({name: p.name, type: p.type, size: p.blob.size})));
    };
  };
})"""


def test_a_large_photo_is_shrunk_on_the_phone(page, scenario, plan, tmp_path):
    # A camera-sized photo (4000×3000, several MB), turned by its EXIF orientation (6: the phone
    # was held upright, so the picture is portrait once turned).
    noise = Image.frombytes("RGB", (1000, 750), os.urandom(1000 * 750 * 3))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    photo = tmp_path / "IMG_0002.JPEG"
    noise.resize((4000, 3000), Image.Resampling.BICUBIC).save(photo, format="JPEG", quality=85, exif=exif)
    original_size = photo.stat().st_size
    assert original_size > 3 * 1024 * 1024

    page.set_viewport_size(PHONE)
    log_in(page, "inspector")
    page.goto(f"{page.base_url}/inspections/rounds/new/?plan={plan.pk}&department={scenario.ward.pk}")
    c1 = page.get_by_test_id("finding-C1")
    c1.locator(".wm-step button").last.click()
    c1.locator("input[name=f-C1-photos]").set_input_files(str(photo))
    c1.locator(".wm-photos").wait_for()
    assert "1" in c1.locator(".wm-photos").inner_text()
    # What the phone keeps (and will send) is already the small JPEG.
    [kept] = page.evaluate(KEPT_PHOTOS)
    assert kept["name"] == "IMG_0002.jpg" and kept["type"] == "image/jpeg"
    assert kept["size"] < original_size / 3
    shot(page, "round-6-large-photo-kept")

    with page.expect_navigation(url="**/done/"):
        page.get_by_test_id("submit-round").click()
    stored = Photo.objects.get()
    assert stored.finding.code == "C1" and stored.content_type == "image/jpeg"
    assert max(stored.width, stored.height) == 2048
    assert (stored.width, stored.height) == (1536, 2048)  # portrait: the rotation was applied
    assert stored.size < original_size / 3
    with stored.image.open("rb") as data, Image.open(data) as image:
        assert image.size == (1536, 2048)
        assert not image.getexif()


def test_the_office_sets_up_a_plan(page, scenario):
    load_example_standards()
    log_in(page, "office")
    page.goto(f"{page.base_url}/inspections/plans/new/")
    form = page.get_by_test_id("plan-form")
    form.locator("input[name=name]").fill("夜间巡查")
    search = form.locator("input[type=search]")
    search.fill("骨")
    assert form.locator("label[for=dept-D02]").is_visible()
    assert not form.locator("label[for=dept-D01]").is_visible()
    form.locator("#dept-D02").check()
    search.fill("")
    form.locator(f"#inspector-{scenario.inspector.pk}").check()
    # Another standard: its deductions replace the list (the quarterly one has none); and back.
    form.locator("select[name=standard]").select_option("WMKS-Q-2026")
    form.locator("#code-C1").wait_for(state="detached")
    form.locator("select[name=standard]").select_option("WMKS-M-2026")
    form.locator("#code-C1").check()
    form.locator("input[name=rectify_days]").fill("3")
    shot(page, "plan-form")
    with page.expect_navigation(url="**/inspections/plans/"):
        form.locator("button[type=submit]").click()
    plan = InspectionPlan.objects.get()
    assert plan.name == "夜间巡查" and plan.rectify_codes == ["C1"] and plan.rectify_days == 3
    assert [d.code for d in plan.departments.all()] == ["D02"]
    shot(page, "plan-list")
