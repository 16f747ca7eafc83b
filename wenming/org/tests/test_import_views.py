"""The import pages: upload → preview → confirm → progress → summary, with Celery eager; and refusals."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.org import importing
from wenming.org.models import Department, OrgImport, OrgImportStatus, Staff
from wenming.org.tasks import org_import_task

DATA = Path(__file__).parent / "data"
SCENARIO_STAFF = """staff_no,name,department,title,post,party_member,phone
E9001,文明办,D09,,,否,13800138000
E0101,周涛,D01,,,否,13800138000
E0201,吴敏,D02,,,否,13800138000
E0102,郑爽,D0101,,,否,13800138000
E9002,王院长,D09,,,否,13800138000
E9003,督查员,D09,,,否,13800138000
"""
NEW_STAFF = (SCENARIO_STAFF + "E0701,新人,D02,,,否,\n").encode()


@pytest.fixture(autouse=True)
def _eager_celery():
    """The confirm request runs the task inline, as without a broker."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def office(scenario, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (DATA / name).read_bytes())


def post_files(client, **files):
    return client.post(reverse("org:import"), files)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_cardio", "employee", "leader", "inspector"])
def test_only_the_office_and_admins_may_import(scenario, client_for, who):
    record = OrgImport.objects.create(created_by=scenario.office, status=OrgImportStatus.PREVIEWED)
    client = client_for(getattr(scenario, who))
    assert client.get(reverse("org:import")).status_code == 403
    assert client.post(reverse("org:import"), {"staff": upload("staff.xlsx")}).status_code == 403
    assert client.get(reverse("org:import_detail", args=[record.pk])).status_code == 403
    assert client.post(reverse("org:import_confirm", args=[record.pk])).status_code == 403
    assert client.get(reverse("org:import_progress", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.status == OrgImportStatus.PREVIEWED


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("org:import"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office", "sysadmin"])
def test_an_unknown_import_is_404(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get(reverse("org:import")).status_code == 200
    for name in ("org:import_detail", "org:import_progress"):
        assert client.get(reverse(name, args=[999999])).status_code == 404
    for name in ("org:import_confirm", "org:import_cancel"):
        assert client.post(reverse(name, args=[999999])).status_code == 404


@pytest.mark.django_db
def test_the_upload_page_explains_the_columns_in_both_languages(office):
    response = office.get(reverse("org:import"))
    page = response.content.decode()
    for header in ("科室编码", "code", "上级编码", "类别", "工号", "staff_no", "姓名", "党员", "手机", "phone"):
        assert f"<code>{header}</code>" in page
    assert 'accept=".csv,.xlsx' in page
    assert "will be marked as left" in page


@pytest.mark.django_db
def test_the_form_refuses_no_file_a_wrong_kind_and_a_large_file(office, settings):
    assert post_files(office).status_code == 400
    response = post_files(office, staff=upload("staff.txt", b"a,b"))
    assert response.status_code == 400
    assert "Please choose a .csv or .xlsx file." in response.content.decode()
    settings.ORG_IMPORT_MAX_BYTES = 10
    response = post_files(office, staff=upload("staff.xlsx"))
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert not OrgImport.objects.exists()


@pytest.mark.django_db
def test_a_bad_file_lists_every_problem_and_changes_nothing(office, scenario):
    bad = "工号,姓名,科室编码,手机\nE1,张三,D01,13800138000\nE1,,D77,123\n".encode("gb18030")
    staff_before = list(Staff.objects.values())
    response = post_files(office, staff=upload("职工名单.csv", bad))
    record = OrgImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:import_detail", args=[record.pk])
    assert record.status == OrgImportStatus.INVALID
    assert [(e["where"], e["file"]) for e in record.errors] == [("line 3", "职工名单.csv")] * 4
    page = office.get(response["Location"]).content.decode()
    assert "The files were refused because of 4 problems. Nothing was changed." in page
    assert "the staff number “E1” appears more than once (first on line 2)" in page
    assert "the mobile number “123” is not an 11-digit mainland mobile number" in page
    assert 'data-testid="import-upload-form"' in page  # invites a corrected upload
    assert 'data-testid="import-confirm"' not in page
    assert list(Staff.objects.values()) == staff_before
    assert AuditEntry.objects.filter(action="org.import.uploaded").count() == 1


@pytest.mark.django_db
def test_upload_preview_confirm_done(office, scenario, django_capture_on_commit_callbacks):
    response = post_files(office, departments=upload("departments_utf8_bom.csv"), staff=upload("staff_gb18030.csv"))
    record = OrgImport.objects.get()
    assert record.status == OrgImportStatus.PREVIEWED
    assert record.created_by == scenario.office
    assert (record.departments_name, record.staff_name) == ("departments_utf8_bom.csv", "staff_gb18030.csv")
    page = office.get(response["Location"]).content.decode()
    assert 'data-testid="import-preview"' in page
    assert 'data-testid="count-staff-created">1<' in page
    assert 'data-testid="count-staff-updated">4<' in page
    assert "放射科" in page and "E0601" in page and "139****9001" in page  # phones shown masked
    assert "13900139001" not in page
    assert "<code>备注</code>" in page  # the ignored column is named
    assert "<del>—</del>" in page and "主任医师" in page  # old → new
    assert 'data-testid="import-confirm"' in page and 'data-testid="import-cancel"' in page
    assert not Staff.objects.filter(staff_no="E0601").exists()  # nothing changed before confirming

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("org:import_confirm", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == OrgImportStatus.DONE
    assert record.started_at and record.finished_at
    assert record.progress_done == record.progress_total == 6
    assert record.summary["staff_created"] == 1
    assert Staff.objects.get(staff_no="E0601").department.code == "D06"
    assert Department.objects.get(code="D06").path == "D06/"
    completed = AuditEntry.objects.get(action="org.import.completed")
    assert (completed.actor, completed.target_id) == (scenario.office, str(record.pk))

    page = office.get(reverse("org:import_detail", args=[record.pk])).content.decode()
    assert 'data-testid="import-summary"' in page
    assert 'hx-trigger="every' not in page
    recent = office.get(reverse("org:import")).content.decode()
    assert reverse("org:import_detail", args=[record.pk]) in recent


@pytest.mark.django_db
def test_confirming_twice_runs_the_import_once(office, scenario, django_capture_on_commit_callbacks):
    post_files(office, staff=upload("staff.csv", NEW_STAFF))
    record = OrgImport.objects.get()
    url = reverse("org:import_confirm", args=[record.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        office.post(url)
        response = office.post(url, follow=True)
    assert len(callbacks) == 1
    assert "already been started" in response.content.decode()
    assert AuditEntry.objects.filter(action="org.import.confirmed").count() == 1
    assert AuditEntry.objects.filter(action="org.import.completed").count() == 1
    assert AuditEntry.objects.filter(action="org.staff.created").count() == 1
    # A second delivery of the task (e.g. a worker restart) does nothing either.
    assert org_import_task(record.pk) == OrgImportStatus.DONE
    assert AuditEntry.objects.filter(action="org.import.completed").count() == 1


@pytest.mark.django_db
def test_cancel_drops_the_import(office, scenario):
    post_files(office, staff=upload("staff.csv", NEW_STAFF))
    record = OrgImport.objects.get()
    response = office.post(reverse("org:import_cancel", args=[record.pk]), follow=True)
    assert "The import was cancelled; nothing was changed." in response.content.decode()
    record.refresh_from_db()
    assert record.status == OrgImportStatus.CANCELLED
    assert AuditEntry.objects.filter(action="org.import.cancelled", target_id=str(record.pk)).count() == 1
    office.post(reverse("org:import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == OrgImportStatus.CANCELLED
    assert not Staff.objects.filter(staff_no="E0701").exists()


@pytest.mark.django_db
def test_progress_polls_while_running_and_stops_when_finished(office, scenario):
    record = OrgImport.objects.create(
        created_by=scenario.office, status=OrgImportStatus.RUNNING, progress_done=250, progress_total=1000
    )
    url = reverse("org:import_progress", args=[record.pk])
    running = office.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}"' in running
    assert 'hx-trigger="every 1s"' in running and 'hx-swap="outerHTML"' in running
    assert 'aria-valuenow="25"' in running
    detail = office.get(reverse("org:import_detail", args=[record.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail

    OrgImport.objects.filter(pk=record.pk).update(
        status=OrgImportStatus.DONE,
        progress_done=1000,
        summary={"staff_given": True, "staff_created": 1000, "staff_updated": 0, "staff_left": 0, "staff_unchanged": 0},
    )
    finished = office.get(url, HTTP_HX_REQUEST="true")
    assert finished.status_code == 200
    page = finished.content.decode()
    assert 'hx-trigger="every' not in page
    assert 'data-testid="import-summary"' in page and "The import is complete." in page


@pytest.mark.django_db
def test_the_task_plans_again_and_fails_on_new_problems(office, scenario, django_capture_on_commit_callbacks):
    post_files(office, staff=upload("staff.csv", NEW_STAFF))
    record = OrgImport.objects.get()
    assert record.status == OrgImportStatus.PREVIEWED
    Department.objects.filter(code="D02").update(is_active=False)  # changed after the preview
    with django_capture_on_commit_callbacks(execute=True):
        office.post(reverse("org:import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == OrgImportStatus.FAILED
    assert [e["message"] for e in record.errors] == ["the department “D02” is no longer active"]
    assert not Staff.objects.filter(staff_no="E0701").exists()
    page = office.get(reverse("org:import_detail", args=[record.pk])).content.decode()
    assert "The import did not run: nothing was changed." in page
    assert AuditEntry.objects.filter(action="org.import.failed").count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_import_visibly(office, scenario, monkeypatch, caplog):
    post_files(office, staff=upload("staff.csv", NEW_STAFF))
    record = OrgImport.objects.get()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importing.web, "org_import_apply", broken)
    importing.org_import_confirm(record_id=record.pk, by=scenario.office)
    with translation.override("en"):
        org_import_task(record.pk, by_id=scenario.office.pk, language="en")
    record.refresh_from_db()
    assert record.status == OrgImportStatus.FAILED
    assert record.errors[0]["message"].startswith("The import stopped because of an unexpected error")
    assert "database went away" in caplog.text
    assert not Staff.objects.filter(staff_no="E0701").exists()


@pytest.mark.django_db
def test_files_that_match_the_system_offer_nothing_to_confirm(office, scenario):
    post_files(office, staff=upload("staff.csv", SCENARIO_STAFF.encode()))
    record = OrgImport.objects.get()
    page = office.get(reverse("org:import_detail", args=[record.pk])).content.decode()
    assert 'data-testid="import-nothing"' in page
    assert 'data-testid="import-confirm"' not in page
