"""Scoring records pages: the period's records, entry, the manual grid, one record, evidence files,
corrections — and who may open each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.org.models import Department
from wenming.scoring.models import Evidence, Record, RecordKind, RecordStatus, Result
from wenming.scoring.services import (
    evidence_add,
    manual_scores_save,
    period_compute,
    period_finalize,
    record_create,
)
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db

MONTH = "WMKS-M-2026"
ETHICS = "YDKP-2026"
OCT = dt.date(2026, 10, 8)
SEP = dt.date(2026, 9, 8)
RECORDS = f"/scoring/{MONTH}/2026-10/records/"
GRID = f"/scoring/{MONTH}/2026-10/manual/"


@pytest.fixture
def std(scenario):
    load_example_standards()
    return Standard.objects.get(code=MONTH)


def make(std, by, subject, **kwargs) -> Record:
    values = {"standard": std, "kind": RecordKind.FINDING, "subject": subject, "code": "C1", "date": OCT, "by": by}
    return record_create(**{**values, **kwargs})


def finalize(key: str) -> None:
    period_compute(standard_code=MONTH, period_key=key)
    period_finalize(standard_code=MONTH, period_key=key, reason="test")


def grow(count: int) -> None:
    """Add ``count`` active clinical departments (bulk, paths set)."""
    Department.objects.bulk_create(
        [
            Department(code=f"G{i:03d}", name=f"科室{i}", category="clinical", path=f"G{i:03d}/", depth=0)
            for i in range(count)
        ]
    )


# --- Who may open what ------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(std, scenario, client):
    record = make(std, scenario.office, scenario.cardio, evidence=[SimpleUploadedFile("a.jpg", b"x")])
    for url in (
        RECORDS,
        f"{RECORDS}new/",
        GRID,
        f"/scoring/{MONTH}/2026-10/corrections/new/",
        f"/scoring/records/{record.pk}/",
        f"/scoring/evidence/{record.evidence.get().pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_an_employee_gets_403_everywhere(std, scenario, client_for):
    record = make(std, scenario.office, scenario.ward, evidence=[SimpleUploadedFile("a.jpg", b"x")])
    client = client_for(scenario.employee)
    for url in (
        RECORDS,
        f"{RECORDS}new/",
        GRID,
        f"/scoring/{MONTH}/2026-10/corrections/new/",
        f"/scoring/records/{record.pk}/",
        f"/scoring/evidence/{record.evidence.get().pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/scoring/records/{record.pk}/approve/").status_code == 403


def test_a_department_head_reads_their_own_records_only(std, scenario, client_for):
    mine = make(std, scenario.office, scenario.ward, note="病区记录", evidence=[SimpleUploadedFile("a.jpg", b"x")])
    theirs = make(std, scenario.office, scenario.ortho, note="骨科记录", evidence=[SimpleUploadedFile("b.jpg", b"y")])
    client = client_for(scenario.head_cardio)
    response = client.get(RECORDS)
    assert response.status_code == 200
    assert [r.pk for r in response.context["rows"]] == [mine.pk]
    body = response.content.decode()
    assert "病区记录" in body and "骨科记录" not in body
    assert 'data-testid="new-finding"' not in body and "approve-" not in body
    assert client.get(f"/scoring/records/{mine.pk}/").status_code == 200
    assert client.get(f"/scoring/evidence/{mine.evidence.get().pk}/").status_code == 200
    assert client.get(f"/scoring/records/{theirs.pk}/").status_code == 404
    assert client.get(f"/scoring/evidence/{theirs.evidence.get().pk}/").status_code == 404
    # Read-only: no entry, no decisions, no edits.
    assert client.get(f"{RECORDS}new/").status_code == 403
    assert client.get(GRID).status_code == 403
    assert client.post(f"/scoring/records/{mine.pk}/approve/").status_code == 403
    assert client.post(f"/scoring/records/{mine.pk}/void/", {"reason": "x"}).status_code == 403
    assert client.post(f"/scoring/records/{mine.pk}/", {"note": "x", "version": 1}).status_code == 403
    assert client.post(f"/scoring/records/{mine.pk}/evidence/").status_code == 403
    assert client.get(f"{RECORDS}staff/", {"q": "郑"}).status_code == 403
    assert Record.objects.get(pk=mine.pk).note == "病区记录"


def test_a_head_never_sees_who_gave_a_manual_score(std, scenario, client_for):
    manual_scores_save(
        standard=std,
        period_key="2026-10",
        values={(scenario.cardio.pk, "A2"): Decimal(8)},
        by=scenario.leader,
        seen_versions={},
    )
    record = Record.objects.get(kind="manual")
    body = client_for(scenario.head_cardio).get(f"/scoring/records/{record.pk}/").content.decode()
    assert "8.00" in body and "王院长" not in body and "leader" not in body
    assert "王院长" in client_for(scenario.office).get(f"/scoring/records/{record.pk}/").content.decode()


def test_the_leadership_enters_but_does_not_decide(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio, status=RecordStatus.PENDING)
    client = client_for(scenario.leader)
    assert client.get(f"{RECORDS}new/").status_code == 200
    assert client.get(GRID).status_code == 200
    assert client.post(f"/scoring/records/{record.pk}/approve/").status_code == 403
    assert client.get(f"/scoring/{MONTH}/2026-10/corrections/new/").status_code == 403
    assert 'data-testid="approve-' not in client.get(RECORDS).content.decode()


def test_unknown_standards_and_keys_are_404(std, scenario, client_for):
    client = client_for(scenario.office)
    assert client.get("/scoring/NOPE/2026-10/records/").status_code == 404
    assert client.get(f"/scoring/{MONTH}/2026-Q4/records/").status_code == 404
    assert client.get(f"/scoring/{MONTH}/2026-13/manual/").status_code == 404
    assert client.get("/scoring/records/999999/").status_code == 404
    assert client.get("/scoring/evidence/999999/").status_code == 404
    assert client.get(f"{RECORDS}new/?kind=manual").status_code == 404
    assert resolve("/scoring/records/12/").url_name == "record_detail"
    assert reverse("scoring:records", args=[MONTH, "2026-10"]) == RECORDS


# --- The period's records ---------------------------------------------------------------------


def test_the_list_shows_counts_filters_and_names_from_the_standard(std, scenario, client_for):
    make(std, scenario.office, scenario.cardio, note="投诉查实", count=2)
    pending = make(std, scenario.office, scenario.ortho, kind="bonus", code="F2", status=RecordStatus.PENDING)
    voided = make(std, scenario.office, scenario.ortho, code="E1")
    voided.status = RecordStatus.VOIDED
    voided.save()
    make(std, scenario.office, scenario.cardio, date=dt.date(2026, 11, 2))  # another period
    client = client_for(scenario.office)
    response = client.get(RECORDS)
    assert response.status_code == 200
    assert {c["value"]: c["n"] for c in response.context["counts"]} == {"counts": 1, "pending": 1, "voided": 1}
    with translation.override("zh-hans"):
        body = client.get(RECORDS).content.decode()
    assert "服务态度生硬被投诉并查实（每起）" in body and "获市级及以上表彰" in body
    assert "×2" in body and "−3.00" in body and "+2.00" in body
    assert f'data-testid="approve-{pending.pk}"' in body and f'data-testid="void-{voided.pk}"' not in body

    def shown(**query):
        return [r.pk for r in client.get(RECORDS, query).context["rows"]]

    assert shown(kind="bonus") == [pending.pk]
    assert shown(status="voided") == [voided.pk]
    assert len(shown(department="D02")) == 2
    assert len(shown(q="投诉")) == 1
    assert len(shown(q="F2")) == 1
    partial = client.get(RECORDS, {"kind": "bonus"}, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "scoring/records_table.html"
    counts = {c["value"]: c["n"] for c in client.get(RECORDS, {"status": "pending"}).context["counts"]}
    assert counts == {"counts": 1, "pending": 1, "voided": 1}  # the counts ignore the status filter


def test_the_list_is_paginated_with_pinned_queries(std, scenario, client_for, django_assert_max_num_queries):
    for i in range(55):
        make(std, scenario.office, scenario.cardio, note=f"记录{i}", evidence=[SimpleUploadedFile("a.jpg", b"x")])
    client = client_for(scenario.office)
    client.get(RECORDS)  # warm the caches
    with django_assert_max_num_queries(16):
        response = client.get(RECORDS)
    assert len(response.context["rows"]) == 50 and response.context["rows"][0].evidence_count == 1
    assert len(client.get(RECORDS, {"page": 2}).context["rows"]) == 5


def test_approve_and_void_inline(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio, status=RecordStatus.PENDING)
    client = client_for(scenario.office)
    response = client.post(f"/scoring/records/{record.pk}/approve/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-status="counts"' in response.content.decode()
    assert response["HX-Trigger"] == "records-changed"  # the counts above the list redraw
    # …from the list's own address, filters and all.
    listed = client.get(RECORDS + "?status=pending").content.decode()
    assert f'hx-get="{RECORDS}?status=pending"' in listed and 'hx-trigger="records-changed from:body"' in listed
    response = client.post(f"/scoring/records/{record.pk}/void/", {"reason": ""}, HTTP_HX_REQUEST="true")
    assert 'data-testid="row-error"' in response.content.decode()
    assert "HX-Trigger" not in response
    assert Record.objects.get(pk=record.pk).status == "counts"
    response = client.post(f"/scoring/records/{record.pk}/void/", {"reason": "申诉成立"}, HTTP_HX_REQUEST="true")
    assert 'data-status="voided"' in response.content.decode()
    assert Record.objects.get(pk=record.pk).reason == "申诉成立"
    # Without HTMX: back to where the form said, with a message.
    other = make(std, scenario.office, scenario.cardio, status=RecordStatus.PENDING)
    response = client.post(f"/scoring/records/{other.pk}/approve/", {"next": RECORDS})
    assert response.status_code == 302 and response["Location"] == RECORDS
    response = client.post(f"/scoring/records/{other.pk}/approve/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/scoring/records/{other.pk}/"


def test_a_finalized_period_is_read_only(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio, date=SEP, status=RecordStatus.PENDING)
    finalize("2026-09")
    client = client_for(scenario.office)
    url = f"/scoring/{MONTH}/2026-09/records/"
    body = client.get(url).content.decode()
    assert 'data-testid="finalized-notice"' in body and 'data-testid="correction-link"' in body
    assert 'data-testid="new-finding"' not in body and "approve-" not in body
    assert client.get(f"/scoring/{MONTH}/2026-09/records/new/").status_code == 302
    response = client.post(f"/scoring/records/{record.pk}/approve/", HTTP_HX_REQUEST="true")
    assert 'data-testid="row-error"' in response.content.decode()
    assert Record.objects.get(pk=record.pk).status == "pending"
    detail = client.get(f"/scoring/records/{record.pk}/").content.decode()
    assert 'data-testid="record-edit"' not in detail and 'data-testid="evidence-form"' not in detail


# --- Entering records -------------------------------------------------------------------------


def test_enter_a_finding_with_evidence(std, scenario, client_for):
    client = client_for(scenario.office)
    page = client.get(f"{RECORDS}new/?kind=finding")
    assert page.status_code == 200
    codes = dict(page.context["form"].fields["code"].choices)
    assert "C 医德医风与行风建设" in codes and "F 加分项" not in codes
    assert [d.code for d in page.context["form"].fields["subject"].queryset] == ["D01", "D0101", "D02", "D09"]
    files = [SimpleUploadedFile("现场.jpg", b"img"), SimpleUploadedFile("记录.pdf", b"%PDF")]
    data = {"subject": "D01", "code": "C1", "date": "2026-10-09", "count": 2, "note": "查实", "status": "pending"}
    response = client.post(f"{RECORDS}new/?kind=finding", {**data, "evidence": files})
    assert response.status_code == 302 and response["Location"] == RECORDS
    record = Record.objects.get()
    assert (record.code, record.count, record.status, record.department.code) == ("C1", 2, "pending", "D01")
    assert sorted(record.evidence.values_list("name", flat=True)) == ["现场.jpg", "记录.pdf"]


def test_the_form_keeps_what_was_typed_on_errors(std, scenario, client_for):
    client = client_for(scenario.office)
    data = {"subject": "D02", "code": "C1", "date": "2026-11-03", "count": 1, "note": "保留我", "status": "counts"}
    response = client.post(f"{RECORDS}new/?kind=finding", {**data, "evidence": [SimpleUploadedFile("a.jpg", b"x")]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "保留我" in body and 'value="2026-11-03"' in body and 'data-testid="files-lost"' in body
    assert response.context["form"].errors["date"]
    response = client.post(f"{RECORDS}new/?kind=finding", {**data, "date": "2026-10-03", "code": "F1"})
    assert response.status_code == 400 and response.context["form"].errors["code"]  # a bonus code is no choice
    bad_file = SimpleUploadedFile("run.exe", b"MZ")
    response = client.post(f"{RECORDS}new/?kind=finding", {**data, "date": "2026-10-03", "evidence": [bad_file]})
    assert response.status_code == 400 and "run.exe" in response.content.decode()
    assert not Record.objects.exists()


def test_bonus_and_veto_forms(std, scenario, client_for):
    client = client_for(scenario.leader)
    veto = client.get(f"{RECORDS}new/?kind=veto")
    assert [c for c, _label in veto.context["form"].fields["code"].choices[1][1]] == ["V1", "V2", "V3"]
    response = client.post(
        f"{RECORDS}new/?kind=veto",
        {"subject": "D02", "code": "V2", "date": "2026-10-20", "count": 1, "status": "counts", "another": "1"},
    )
    assert response.status_code == 302 and response["Location"].endswith("new/?kind=veto")
    assert Record.objects.get().kind == "veto"


def test_a_staff_standard_takes_a_staff_number(std, scenario, client_for):
    client = client_for(scenario.office)
    url = f"/scoring/{ETHICS}/2026/records/"
    page = client.get(f"{url}new/?kind=finding")
    assert 'list="wm-staff-options"' in page.content.decode()
    options = client.get(f"/scoring/{ETHICS}/2026/records/staff/", {"subject": "郑"})
    assert "E0102" in options.content.decode()
    data = {"subject": "E0102", "code": "Y4a", "date": "2026-05-06", "count": 1, "status": "counts"}
    assert client.post(f"{url}new/?kind=finding", {**data, "subject": "E9999"}).status_code == 400
    assert client.post(f"{url}new/?kind=finding", data).status_code == 302
    assert Record.objects.get().staff == scenario.employee_staff
    head = client_for(scenario.head_ortho)
    assert head.get(url).context["rows"] == []


# --- One record and its evidence --------------------------------------------------------------


def test_edit_with_a_version_check_that_keeps_what_was_typed(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio)
    client = client_for(scenario.office)
    url = f"/scoring/records/{record.pk}/"
    response = client.post(url, {"date": "2026-10-10", "count": 3, "note": "复核后", "version": 1})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.count, record.version, record.date) == (3, 2, dt.date(2026, 10, 10))
    response = client.post(url, {"date": "2026-10-10", "count": 4, "note": "过时的", "version": 1})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "过时的" in body and 'name="version" value="2"' in body
    assert Record.objects.get(pk=record.pk).count == 3
    history = client.get(url).content.decode()
    assert 'data-testid="history"' in history


def test_evidence_upload_and_download(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio)
    client = client_for(scenario.office)
    url = f"/scoring/records/{record.pk}/evidence/"
    files = [SimpleUploadedFile("照片.png", b"\x89PNG"), SimpleUploadedFile("通知.docx", b"PK")]
    assert client.post(url, {"files": files}).status_code == 302
    assert client.post(url, {"files": [SimpleUploadedFile("x.svg", b"<svg/>")]}).status_code == 302
    assert Evidence.objects.count() == 2
    image, document = Evidence.objects.order_by("pk")
    response = client.get(f"/scoring/evidence/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == b"\x89PNG"
    response = client.get(f"/scoring/evidence/{document.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    detail = client.get(f"/scoring/records/{record.pk}/").content.decode()
    assert "照片.png" in detail and "通知.docx" in detail


# --- The manual grid --------------------------------------------------------------------------


def grid_post(client, values: dict, *, url=GRID, seen: dict | None = None):
    data = {}
    for department, value in values.items():
        pk = Department.objects.get(code=department).pk
        data[f"v-{pk}-A2"] = value
        data[f"s-{pk}-A2"] = (seen or {}).get(department, "")
    return client.post(url, data)


def test_the_grid_shows_own_values_and_everyones_mean(std, scenario, client_for):
    manual_scores_save(
        standard=std,
        period_key="2026-10",
        values={(scenario.cardio.pk, "A2"): Decimal(6)},
        by=scenario.office,
        seen_versions={},
    )
    client = client_for(scenario.leader)
    response = client.get(GRID)
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    assert list(rows) == ["D01", "D0101", "D02", "D09"]  # clinical first, then admin
    assert rows["D01"].cells[0].value == "" and rows["D01"].cells[0].mean == "6.00"
    body = response.content.decode()
    assert 'max="9.00"' in body and 'step="0.01"' in body and 'min="0"' in body
    assert 'data-testid="cell-mean"' in body
    assert grid_post(client, {"D01": "8", "D02": "7.5", "D09": ""}).status_code == 302
    response = client.get(GRID)
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["D01"].cells[0].value == "8.00" and rows["D01"].cells[0].mean == "7.00"
    assert rows["D02"].cells[0].others == 0 and "cell-D02-A2" in response.content.decode()


def test_grid_errors_keep_every_typed_value_and_save_nothing(std, scenario, client_for):
    client = client_for(scenario.leader)
    response = grid_post(client, {"D01": "8", "D02": "9.5", "D09": "abc"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="8"' in body and 'value="9.5"' in body and 'value="abc"' in body
    assert "院办公室（D09）" in body  # the not-a-number cell is named
    assert not Record.objects.exists()
    response = grid_post(client, {"D01": "8", "D02": "9.5"})
    assert response.status_code == 400
    errors = [c.error for row in response.context["rows"] for c in row.cells if c.error]
    assert len(errors) == 1 and "骨科（D02）" in errors[0] and "A2" in errors[0]
    assert not Record.objects.exists()


def test_a_grid_conflict_keeps_typed_values_and_shows_the_stored_ones(std, scenario, client_for):
    client = client_for(scenario.leader)
    grid_post(client, {"D01": "8"})
    shown = client.get(GRID)
    seen = {row.code: row.cells[0].seen for row in shown.context["rows"]}
    grid_post(client, {"D01": "5"}, seen=seen)  # saved from another tab
    response = grid_post(client, {"D01": "7", "D02": "6"}, seen=seen)
    assert response.status_code == 409
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["D01"].cells[0].value == "7" and rows["D01"].cells[0].stored == "5.00"
    assert rows["D02"].cells[0].value == "6"
    assert Record.objects.get(entered_by=scenario.leader).value == Decimal(5)
    assert not Record.objects.filter(department__code="D02").exists()
    # Saving again (the page now carries the stored versions) replaces the stored value.
    seen = {code: row.cells[0].seen for code, row in rows.items()}
    assert grid_post(client, {"D01": "7", "D02": "6"}, seen=seen).status_code == 302
    assert Record.objects.get(entered_by=scenario.leader, department__code="D01").value == Decimal(7)


def test_grid_queries_do_not_grow_with_departments(std, scenario, client_for):
    client = client_for(scenario.leader)

    def measure() -> tuple[int, int]:
        client.get(GRID)
        with CaptureQueriesContext(connection) as shown:
            response = client.get(GRID)
        rows = response.context["rows"]
        data = {}
        for row in rows:
            data[row.cells[0].name] = "5"
            data[row.cells[0].seen_name] = row.cells[0].seen
        with CaptureQueriesContext(connection) as saved:
            assert client.post(GRID, data).status_code == 302
        Record.objects.filter(kind="manual").delete()
        return len(shown), len(saved)

    grow(10)
    small = measure()
    grow_more = 140
    Department.objects.bulk_create(
        [
            Department(code=f"H{i:03d}", name=f"病区{i}", category="nursing", path=f"H{i:03d}/", depth=0)
            for i in range(grow_more)
        ]
    )
    large = measure()
    assert small[0] == large[0] <= 14  # showing the grid: the same queries for 14 or 154 departments
    # Saving: no query per cell; only the bulk INSERT is split into batches (SQLite's variable limit).
    assert small[1] <= 22 and large[1] - small[1] <= 4


def test_a_finalized_grid_is_read_only(std, scenario, client_for):
    manual_scores_save(
        standard=std,
        period_key="2026-09",
        values={(scenario.cardio.pk, "A2"): Decimal(6)},
        by=scenario.leader,
        seen_versions={},
    )
    finalize("2026-09")
    client = client_for(scenario.leader)
    url = f"/scoring/{MONTH}/2026-09/manual/"
    body = client.get(url).content.decode()
    assert 'data-testid="finalized-notice"' in body and 'type="number"' not in body and "6.00" in body
    response = grid_post(client, {"D01": "2"}, url=url)
    assert response.status_code == 302
    assert Record.objects.get(kind="manual").value == Decimal(6)


def test_the_grid_of_a_staff_standard_lists_one_departments_staff(std, scenario, client_for):
    client = client_for(scenario.office)
    url = f"/scoring/{ETHICS}/2026/manual/"
    assert client.get(url).context["rows"] == []
    response = client.get(url, {"department": "D01"})
    assert [row.code for row in response.context["rows"]] == ["E0101", "E0102"]
    assert [c.item_code for c in response.context["rows"][0].cells] == ["Y7", "Y8"]
    pk = scenario.employee_staff.pk
    response = client.post(f"{url}?department=D01", {f"v-{pk}-Y7": "9", f"s-{pk}-Y7": ""})
    assert response.status_code == 302
    assert Record.objects.get().staff == scenario.employee_staff


# --- Corrections ------------------------------------------------------------------------------


def test_corrections_of_a_finalized_period(std, scenario, client_for):
    client = client_for(scenario.office)
    url = f"/scoring/{MONTH}/2026-09/corrections/new/"
    response = client.get(url)
    assert response.status_code == 302  # not finalized yet
    finalize("2026-09")
    stored = list(Result.objects.order_by("pk").values())
    page = client.get(url)
    assert page.status_code == 200
    assert [d.code for d in page.context["form"].fields["subject"].queryset] == ["D01", "D0101", "D02", "D09"]
    response = client.post(url, {"subject": "D02", "code": "C", "value": "3", "reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    response = client.post(url, {"subject": "D02", "code": "C", "value": "0", "reason": "x"})
    assert response.status_code == 400
    files = [SimpleUploadedFile("复核.pdf", b"%PDF")]
    response = client.post(url, {"subject": "D02", "code": "C", "value": "3", "reason": "申诉成立", "evidence": files})
    assert response.status_code == 302 and response["Location"].endswith("records/#corrections")
    correction = Record.objects.get(kind="correction")
    assert correction.value == Decimal(3) and correction.evidence.count() == 1
    assert list(Result.objects.order_by("pk").values()) == stored
    assert AuditEntry.objects.filter(action="scoring.correction.created").count() == 1
    body = client.get(f"/scoring/{MONTH}/2026-09/records/").content.decode()
    assert f'data-testid="correction-{correction.pk}"' in body and "+3.00" in body and "申诉成立" in body
    # The head of 骨科 sees it; the head of 心内科 does not.
    assert "申诉成立" in client_for(scenario.head_ortho).get(f"/scoring/{MONTH}/2026-09/records/").content.decode()
    head = client_for(scenario.head_cardio)
    assert "申诉成立" not in head.get(f"/scoring/{MONTH}/2026-09/records/").content.decode()
    assert head.get(f"/scoring/records/{correction.pk}/").status_code == 404


def test_evidence_of_a_finalized_record_can_still_be_read(std, scenario, client_for):
    record = make(std, scenario.office, scenario.cardio, date=SEP)
    evidence_add(record=record, files=[SimpleUploadedFile("a.jpg", b"jpg")], by=scenario.office)
    finalize("2026-09")
    response = client_for(scenario.head_cardio).get(f"/scoring/evidence/{record.evidence.get().pk}/")
    assert response.status_code == 200


def test_entry_and_detail_pages_have_pinned_queries(std, scenario, client_for):
    files = [SimpleUploadedFile(f"{i}.jpg", b"x") for i in range(5)]
    record = make(std, scenario.office, scenario.cardio, evidence=files)
    for _i in range(3):
        make(std, scenario.office, scenario.cardio, code="E1")
    finalize("2026-09")
    client = client_for(scenario.office)
    pages = [
        f"/scoring/records/{record.pk}/",
        f"{RECORDS}new/?kind=finding",
        f"/scoring/{MONTH}/2026-09/corrections/new/",
    ]
    counts = []
    for url in pages:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts.append(len(queries))
    # Detail: 5 evidence files and the history cost no extra queries each.
    assert all(count <= most for count, most in zip(counts, [16, 12, 13], strict=True)), counts
