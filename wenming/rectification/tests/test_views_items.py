"""One item's pages: opening an item (also from a finding), its page, every move of the workflow
through the views, who may do what (403 / 404), stale pages, notifications and evidence files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.core.models import AuditEntry
from wenming.inspections.models import InspectionRound, RoundFinding
from wenming.notifications.models import Notification
from wenming.org.selectors import hospital_today
from wenming.rectification.models import (
    ExtensionRequest,
    ExtensionState,
    ItemEvidence,
    ItemState,
    RectificationItem,
    Source,
)
from wenming.rectification.services import extension_request, item_open, item_start, item_submit_fix
from wenming.scoring.models import Record, RecordKind
from wenming.scoring.selectors.common import optional_url
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db

NEW = "/rectification/new/"


def today() -> dt.date:
    return hospital_today()


def url(item, action: str = "") -> str:
    return f"/rectification/{item.pk}/{action + '/' if action else ''}"


def open_item(scenario, *, by=None, department=None, **kwargs) -> RectificationItem:
    values = {
        "department": department or scenario.ward,
        "problem": "护士站物品摆放杂乱",
        "source": Source.SUPERVISION,
        "deadline": today() + dt.timedelta(days=14),
        "by": by or scenario.office,
        "responsible": scenario.employee_staff,
    }
    return item_open(**{**values, **kwargs})


def started(scenario, **kwargs) -> RectificationItem:
    item = open_item(scenario, **kwargs)
    return item_start(item=item, by=scenario.head_cardio, expected_version=item.version)


def submitted(scenario, *, by=None, **kwargs) -> RectificationItem:
    item = started(scenario, **kwargs)
    return item_submit_fix(
        item=item,
        by=by or scenario.head_cardio,
        measures="已重新整理",
        evidence=[SimpleUploadedFile("after.jpg", b"jpeg-bytes"), SimpleUploadedFile("报告.pdf", b"%PDF-1")],
        expected_version=item.version,
    )


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fresh(item) -> RectificationItem:
    return RectificationItem.objects.get(pk=item.pk)


def notified(kind: str) -> list[tuple[str, dict, str]]:
    return [
        (n.recipient.username, n.params, n.url)
        for n in Notification.objects.filter(kind=kind).select_related("recipient").order_by("pk")
    ]


# --- Who may open what ----------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(scenario, client):
    item = submitted(scenario)
    evidence = item.evidence.first()
    for address in (NEW, "/rectification/new/staff/", url(item), f"/rectification/evidence/{evidence.pk}/"):
        response = client.get(address)
        assert response.status_code == 302 and "/login" in response["Location"], address
    response = client.post(url(item, "verify"), {"verify-decision": "pass", "verify-version": item.version})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert fresh(item).state == ItemState.AWAITING_CHECK


def test_staff_without_a_role_get_403_everywhere(scenario, client_for):
    item = submitted(scenario)
    client = client_for(scenario.employee)
    for address in (
        NEW,
        "/rectification/new/staff/",
        url(item),
        f"/rectification/evidence/{item.evidence.first().pk}/",
    ):
        assert client.get(address).status_code == 403, address
    for action, data in (
        ("start", {"start-version": item.version}),
        ("submit", {"submit-measures": "x", "submit-version": item.version}),
        ("verify", {"verify-decision": "pass", "verify-version": item.version}),
        ("extension", {"extension-new_deadline": "2099-01-01", "extension-reason": "r", "extension-version": 3}),
        ("extension/decide", {"decide-decision": "approve", "decide-version": item.version}),
    ):
        assert client.post(url(item, action), data).status_code == 403, action
    assert fresh(item).state == ItemState.AWAITING_CHECK


def test_the_head_of_another_department_gets_404(scenario, client_for):
    item = submitted(scenario)
    client = client_for(scenario.head_ortho)
    assert client.get(url(item)).status_code == 404
    assert client.get(f"/rectification/evidence/{item.evidence.first().pk}/").status_code == 404
    assert client.post(url(item, "verify"), {"verify-decision": "pass", "verify-version": 3}).status_code == 404
    assert client.post(url(item, "start"), {"start-version": 3}).status_code == 404
    assert fresh(item).state == ItemState.AWAITING_CHECK
    assert client_for(scenario.office).get("/rectification/999999/").status_code == 404


# --- Opening an item ------------------------------------------------------------------------------


def test_the_new_item_form_offers_the_departments_the_person_may_open_items_for(scenario, client_for):
    response = client_for(scenario.office).get(NEW)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["deadline"].value() == today() + dt.timedelta(days=7)
    assert [d.code for d in form.fields["department"].queryset] == ["D01", "D0101", "D02", "D09"]
    response = client_for(scenario.head_cardio).get(NEW)
    assert [d.code for d in response.context["form"].fields["department"].queryset] == ["D01", "D0101"]
    body = response.content.decode()
    assert 'hx-get="/rectification/new/staff/"' in body and 'hx-target="#id_responsible"' in body


def test_opening_an_item_lists_it_audits_and_notifies_the_heads(scenario, client_for):
    deadline = today() + dt.timedelta(days=10)
    response = client_for(scenario.office).post(
        NEW,
        {
            "problem": "护士站物品摆放杂乱，治疗车未归位",
            "source": Source.SUPERVISION,
            "department": "D0101",
            "responsible": "E0102",
            "measures": "立即整理",
            "deadline": deadline.isoformat(),
        },
    )
    item = RectificationItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rectification/{item.pk}/"
    assert (item.department, item.responsible, item.deadline) == (scenario.ward, scenario.employee_staff, deadline)
    assert item.state == ItemState.LISTED and item.created_by == scenario.office
    assert AuditEntry.objects.filter(action="rectification.item.opened").count() == 1
    # The heads of the department (and those above it) hear about it; the one who opened does not.
    assert notified("rectification.item.opened") == [
        (
            "head_cardio",
            {
                "department": "心内一病区",
                "item": f"#{item.pk} 护士站物品摆放杂乱，治疗车未归位",
                "deadline": deadline.isoformat(),
            },
            f"/rectification/{item.pk}/",
        )
    ]


def test_a_head_opens_an_item_for_their_ward_and_is_not_notified_of_it(scenario, client_for):
    response = client_for(scenario.head_cardio).post(
        NEW,
        {"problem": "问题", "source": Source.OTHER, "department": "D0101", "deadline": today().isoformat()},
    )
    assert response.status_code == 302
    assert RectificationItem.objects.get().created_by == scenario.head_cardio
    assert notified("rectification.item.opened") == []


def test_errors_keep_what_was_typed(scenario, client_for):
    client = english(client_for(scenario.office))
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    data = {
        "problem": "候诊区座椅破损",
        "source": Source.COMPLAINT,
        "department": "D0101",
        "responsible": "E0102",
        "measures": "联系总务科维修",
        "deadline": yesterday,
    }
    response = client.post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The deadline cannot be in the past." in body
    assert "候诊区座椅破损" in body and "联系总务科维修" in body and yesterday in body
    assert '<option value="E0102" selected>' in body
    # A responsible person from another department is not a choice there.
    response = client.post(NEW, {**data, "deadline": today().isoformat(), "responsible": "E0201"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    # A department the person may not open items for is not a choice either.
    response = english(client_for(scenario.head_cardio)).post(NEW, {**data, "department": "D02", "responsible": ""})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(NEW, {**data, "problem": "", "deadline": today().isoformat()})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not RectificationItem.objects.exists()


def test_staff_options_follow_the_department(scenario, client_for):
    client = client_for(scenario.office)
    body = client.get("/rectification/new/staff/", {"department": "D0101"}).content.decode()
    assert 'value="E0102"' in body and "郑爽" in body and "E0101" not in body
    body = client.get("/rectification/new/staff/", {"department": "D01"}).content.decode()
    assert 'value="E0101"' in body and 'value="E0102"' in body and "E0201" not in body
    # A head gets nothing for a department they do not head.
    body = client_for(scenario.head_cardio).get("/rectification/new/staff/", {"department": "D02"}).content.decode()
    assert "E0201" not in body and body.count("<option") == 1


@pytest.fixture
def finding(scenario):
    load_example_standards()
    record = Record.objects.create(
        kind=RecordKind.FINDING,
        standard=Standard.objects.get(code="WMKS-M-2026"),
        department=scenario.ward,
        code="C1",
        date=today(),
        note="患者投诉护士态度生硬",
        entered_by=scenario.inspector,
    )
    inspection = InspectionRound.objects.create(
        standard=record.standard,
        department=scenario.ward,
        inspector=scenario.inspector,
        date=today(),
        client_token="round-1",
        state="submitted",
    )
    RoundFinding.objects.create(
        round=inspection, code="C1", record=record, responsible=scenario.employee_staff, note="患者投诉护士态度生硬"
    )
    return record


def test_a_finding_prefills_the_new_item(scenario, finding, client_for):
    client = client_for(scenario.inspector)
    response = client.get(NEW, {"finding": finding.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["problem"].value() == "服务态度生硬被投诉并查实（每起）：患者投诉护士态度生硬"
    assert form["department"].value() == "D0101"
    assert form["responsible"].value() == "E0102"
    assert form.fields["source"].choices == [("finding", Source.FINDING.label)]
    body = response.content.decode()
    assert 'data-testid="from-finding"' in body and f'href="/scoring/records/{finding.pk}/"' in body
    response = client.post(
        f"{NEW}?finding={finding.pk}",
        {
            "problem": form["problem"].value(),
            "source": "finding",
            "department": "D0101",
            "responsible": "E0102",
            "deadline": (today() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    item = RectificationItem.objects.get()
    assert item.finding == finding and item.source == Source.FINDING
    # The item's page links back to the finding and its round (when the round pages exist).
    response = client.get(url(item))
    assert response.context["finding"].deduction == "服务态度生硬被投诉并查实（每起）"
    assert response.context["finding_links"] == {
        "record_url": f"/scoring/records/{finding.pk}/",
        "round_url": optional_url("inspections:round_detail", finding.inspection_finding.round_id),
    }
    assert f'href="/scoring/records/{finding.pk}/"' in response.content.decode()


def test_a_finding_the_person_may_not_see_is_404(scenario, finding, client_for):
    assert client_for(scenario.head_ortho).get(NEW, {"finding": finding.pk}).status_code == 404
    client = client_for(scenario.office)
    assert client.get(NEW, {"finding": 999999}).status_code == 404
    assert client.get(NEW, {"finding": "abc"}).status_code == 404
    bonus = Record.objects.create(
        kind=RecordKind.BONUS, standard=finding.standard, department=scenario.ward, code="E1", date=today()
    )
    assert client.get(NEW, {"finding": bonus.pk}).status_code == 404
    assert client.post(f"{NEW}?finding=999999", {"problem": "x"}).status_code == 404
    assert client_for(scenario.head_cardio).get(NEW, {"finding": finding.pk}).status_code == 200


# --- The item's page ------------------------------------------------------------------------------


def test_the_page_shows_the_item_its_history_and_the_forms_the_person_may_use(scenario, client_for):
    item = open_item(scenario)
    client = english(client_for(scenario.head_cardio))
    response = client.get(url(item))
    assert response.status_code == 200
    body = response.content.decode()
    assert "护士站物品摆放杂乱" in body and "心内一病区" in body and "郑爽" in body
    assert "Listed (awaiting rectification)" in body
    assert set(response.context["forms"]) == {"start", "extension"}
    assert 'name="start-version" value="1"' in body and 'name="extension-version" value="1"' in body
    history = response.context["history"]
    assert [text for _entry, text, _details in history] == [f"opened rectification item {item}"]
    assert ("Responsible person", "E0102") in history[0][2]
    assert 'data-testid="history"' in body
    # The leadership group and inspectors read it but do not do the department's work.
    for who in ("leader", "inspector"):
        response = client_for(getattr(scenario, who)).get(url(item))
        assert response.status_code == 200 and response.context["forms"] == {}
        assert 'data-testid="actions"' not in response.content.decode()
    # The office may do everything.
    assert set(client_for(scenario.office).get(url(item)).context["forms"]) == {"start", "extension"}


def test_an_overdue_item_says_so(scenario, client_for):
    item = open_item(scenario)
    RectificationItem.objects.filter(pk=item.pk).update(deadline=today() - dt.timedelta(days=2))
    body = english(client_for(scenario.office)).get(url(item)).content.decode()
    assert "overdue 2 days" in body


# --- The workflow through the views ---------------------------------------------------------------


def test_listed_to_closed_out_through_the_pages(scenario, client_for):
    item = open_item(scenario)
    head = english(client_for(scenario.head_cardio))
    response = head.post(url(item, "start"), {"start-version": 1})
    assert response.status_code == 302 and response["Location"] == url(item)
    assert fresh(item).state == ItemState.IN_PROGRESS
    response = head.get(url(item))
    assert set(response.context["forms"]) == {"submit", "extension"}
    response = head.post(
        url(item, "submit"),
        {
            "submit-measures": "已重新整理并张贴标识",
            "submit-version": 2,
            "submit-evidence": [SimpleUploadedFile("after.jpg", b"jpeg"), SimpleUploadedFile("整改报告.pdf", b"%PDF")],
        },
    )
    assert response.status_code == 302
    item = fresh(item)
    assert (item.state, item.measures, item.submitted_by) == (
        ItemState.AWAITING_CHECK,
        "已重新整理并张贴标识",
        scenario.head_cardio,
    )
    assert [e.name for e in item.evidence.order_by("pk")] == ["after.jpg", "整改报告.pdf"]
    assert [r for r, _p, _u in notified("rectification.item.submitted")] == ["office"]
    # The person who submitted sees that someone else must verify, and is refused if they try.
    response = head.get(url(item))
    assert "verify" not in response.context["forms"] and response.context["own_fix"]
    assert "someone else must verify it" in response.content.decode()
    response = head.post(url(item, "verify"), {"verify-decision": "pass", "verify-version": 3})
    assert response.status_code == 403
    assert "You submitted this fix, so someone else must verify it." in response.content.decode()
    assert fresh(item).state == ItemState.AWAITING_CHECK
    # The office returns it: a note is needed, and what was typed stays.
    office = english(client_for(scenario.office))
    response = office.post(url(item, "verify"), {"verify-decision": "return", "verify-note": " ", "verify-version": 3})
    assert response.status_code == 400
    assert "Say why the fix did not pass" in response.content.decode()
    assert fresh(item).state == ItemState.AWAITING_CHECK
    response = office.post(
        url(item, "verify"), {"verify-decision": "return", "verify-note": "标识未张贴", "verify-version": 3}
    )
    assert response.status_code == 302
    item = fresh(item)
    assert (item.state, item.return_note) == (ItemState.IN_PROGRESS, "标识未张贴")
    assert notified("rectification.item.returned") == [
        (
            "head_cardio",
            {"department": "心内一病区", "item": f"#{item.pk} 护士站物品摆放杂乱", "note": "标识未张贴"},
            url(item),
        )
    ]
    assert "标识未张贴" in head.get(url(item)).content.decode()
    # Submitted again by the head, an inspector verifies it.
    head.post(url(item, "submit"), {"submit-measures": "已张贴标识", "submit-version": 4})
    response = english(client_for(scenario.inspector)).post(
        url(item, "verify"), {"verify-decision": "pass", "verify-note": "复查合格", "verify-version": 5}
    )
    assert response.status_code == 302
    item = fresh(item)
    assert (item.state, item.closed_by, item.closing_note) == (ItemState.CLOSED, scenario.inspector, "复查合格")
    assert [r for r, _p, _u in notified("rectification.item.closed")] == ["head_cardio"]
    response = office.get(url(item))
    assert response.context["forms"] == {}
    assert [entry.action for entry, _t, _d in response.context["history"]] == [
        "rectification.item.opened",
        "rectification.item.started",
        "rectification.item.submitted",
        "rectification.item.returned",
        "rectification.item.submitted",
        "rectification.item.closed",
    ]


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_leadership_and_inspectors_may_not_do_a_departments_work(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    item = open_item(scenario)
    assert client.post(url(item, "start"), {"start-version": 1}).status_code == 403
    data = {"extension-new_deadline": "2099-01-01", "extension-reason": "r", "extension-version": 1}
    assert client.post(url(item, "extension"), data).status_code == 403
    item = started(scenario)
    assert client.post(url(item, "submit"), {"submit-measures": "x", "submit-version": 2}).status_code == 403
    assert fresh(item).state == ItemState.IN_PROGRESS
    assert not ExtensionRequest.objects.exists()


def test_submitting_needs_measures_and_acceptable_files(scenario, client_for):
    item = started(scenario)
    client = english(client_for(scenario.head_cardio))
    response = client.post(url(item, "submit"), {"submit-measures": "", "submit-version": 2})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        url(item, "submit"),
        {"submit-measures": "已整改", "submit-version": 2, "submit-evidence": [SimpleUploadedFile("x.exe", b"MZ")]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "x.exe: only images, PDF and Office documents can be attached." in body
    assert "已整改" in body and 'data-testid="files-lost"' in body
    assert fresh(item).state == ItemState.IN_PROGRESS and not ItemEvidence.objects.exists()


def test_a_stale_page_changes_nothing_and_says_what_happened(scenario, client_for):
    item = open_item(scenario)
    office = english(client_for(scenario.office))
    office.get(url(item))  # the office opens the page (version 1) …
    item_start(item=item, by=scenario.head_cardio, expected_version=1)  # … the head starts meanwhile
    response = office.post(url(item, "start"), {"start-version": 1})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this item after you opened it; it is now Being rectified." in body
    assert 'data-testid="conflict"' in body
    assert response.context["item"].state == ItemState.IN_PROGRESS  # the page as it is now
    assert fresh(item).version == 2
    assert AuditEntry.objects.filter(action="rectification.item.started").count() == 1
    # A stale request for more time keeps what was typed, on a form with the current version.
    later = (today() + dt.timedelta(days=30)).isoformat()
    response = office.post(
        url(item, "extension"),
        {"extension-new_deadline": later, "extension-reason": "需采购新柜子", "extension-version": 1},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "需采购新柜子" in body and later in body and 'name="extension-version" value="2"' in body
    assert not ExtensionRequest.objects.exists()
    # A stale verification too.
    item = item_submit_fix(item=fresh(item), by=scenario.head_cardio, measures="x", expected_version=2)
    response = office.post(url(item, "verify"), {"verify-decision": "pass", "verify-version": 2})
    assert response.status_code == 409 and fresh(item).state == ItemState.AWAITING_CHECK


# --- Extensions -----------------------------------------------------------------------------------


def test_asking_for_more_time_and_the_office_approving(scenario, client_for):
    item = started(scenario)
    later = item.deadline + dt.timedelta(days=10)
    head = english(client_for(scenario.head_cardio))
    response = head.post(
        url(item, "extension"),
        {"extension-new_deadline": later.isoformat(), "extension-reason": "需采购新柜子", "extension-version": 2},
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get()
    assert (request.state, request.new_deadline, request.requested_by) == (
        ExtensionState.PENDING,
        later,
        scenario.head_cardio,
    )
    assert notified("rectification.extension.requested") == [
        (
            "office",
            {
                "department": "心内一病区",
                "item": f"#{item.pk} 护士站物品摆放杂乱",
                "deadline": later.isoformat(),
                "reason": "需采购新柜子",
            },
            url(item),
        )
    ]
    # Only the office sees the decision; the head no longer sees the request form.
    response = head.get(url(item))
    assert "decide" not in response.context["forms"] and "extension" not in response.context["forms"]
    assert "需采购新柜子" in response.content.decode()
    assert (
        head.post(url(item, "extension/decide"), {"decide-decision": "approve", "decide-version": 2}).status_code == 403
    )
    office = english(client_for(scenario.office))
    response = office.get(url(item))
    assert "decide" in response.context["forms"]
    assert 'name="decide-version" value="2"' in response.content.decode()
    response = office.post(
        url(item, "extension/decide"), {"decide-decision": "approve", "decide-note": "同意", "decide-version": 2}
    )
    assert response.status_code == 302
    assert fresh(item).deadline == later
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.decision_note) == (
        ExtensionState.APPROVED,
        scenario.office,
        "同意",
    )
    assert notified("rectification.extension.approved") == [
        (
            "head_cardio",
            {"department": "心内一病区", "item": f"#{item.pk} 护士站物品摆放杂乱", "deadline": later.isoformat()},
            url(item),
        )
    ]
    body = head.get(url(item)).content.decode()
    assert "Approved" in body and "同意" in body


def test_refusing_more_time_needs_a_note(scenario, client_for):
    item = open_item(scenario)
    extension_request(item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=3), reason="r")
    office = english(client_for(scenario.office))
    response = office.post(
        url(item, "extension/decide"), {"decide-decision": "refuse", "decide-note": "", "decide-version": 1}
    )
    assert response.status_code == 400
    assert "Give the reason for refusing more time." in response.content.decode()
    assert ExtensionRequest.objects.get().state == ExtensionState.PENDING
    response = office.post(
        url(item, "extension/decide"), {"decide-decision": "refuse", "decide-note": "可先临时整理", "decide-version": 1}
    )
    assert response.status_code == 302
    assert ExtensionRequest.objects.get().state == ExtensionState.REFUSED
    assert fresh(item).deadline == item.deadline
    assert [(r, p["note"]) for r, p, _u in notified("rectification.extension.refused")] == [
        ("head_cardio", "可先临时整理")
    ]
    # Deciding again (a second tab) changes nothing.
    response = office.post(url(item, "extension/decide"), {"decide-decision": "approve", "decide-version": 1})
    assert response.status_code == 409
    assert "already been decided" in response.content.decode()


@pytest.mark.parametrize("who", ["head_cardio", "leader", "inspector"])
def test_only_the_office_decides_requests_for_more_time(scenario, client_for, who):
    item = open_item(scenario)
    extension_request(item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=3), reason="r")
    response = client_for(getattr(scenario, who)).post(
        url(item, "extension/decide"), {"decide-decision": "approve", "decide-version": 1}
    )
    assert response.status_code == 403
    assert ExtensionRequest.objects.get().state == ExtensionState.PENDING


# --- Evidence files -------------------------------------------------------------------------------


def test_evidence_is_shown_to_those_who_may_see_the_item(scenario, client_for):
    item = submitted(scenario)
    image, pdf = item.evidence.order_by("pk")
    client = client_for(scenario.head_cardio)
    body = client.get(url(item)).content.decode()
    assert f'<img src="/rectification/evidence/{image.pk}/"' in body
    assert f'data-testid="thumb-{pdf.pk}"' not in body and f'href="/rectification/evidence/{pdf.pk}/"' in body
    response = client.get(f"/rectification/evidence/{image.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and b"".join(response.streaming_content) == b"jpeg-bytes"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-store"
    response = client.get(f"/rectification/evidence/{pdf.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for(scenario.leader).get(f"/rectification/evidence/{pdf.pk}/").status_code == 200
    assert client_for(scenario.office).get("/rectification/evidence/999999/").status_code == 404
    image.file.storage.delete(image.file.name)
    assert client_for(scenario.office).get(f"/rectification/evidence/{image.pk}/").status_code == 404
