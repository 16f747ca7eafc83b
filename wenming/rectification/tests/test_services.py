"""Rectification services: every transition of the state machine and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.org.selectors import hospital_today as today
from wenming.org.tests.factories import DepartmentFactory
from wenming.rectification.models import (
    ExtensionRequest,
    ExtensionState,
    ItemEvidence,
    ItemState,
    RectificationItem,
    Source,
)
from wenming.rectification.services import (
    RectificationConflict,
    RectificationError,
    RectificationNotAllowed,
    extension_decide,
    extension_request,
    item_open,
    item_start,
    item_submit_fix,
    item_verify,
)
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def soon() -> dt.date:
    return today() + dt.timedelta(days=14)


def open_item(scenario, *, by=None, department=None, **kwargs) -> RectificationItem:
    values = {
        "department": department or scenario.ward,
        "problem": "护士站物品摆放杂乱",
        "source": Source.SUPERVISION,
        "deadline": soon(),
        "by": by or scenario.office,
    }
    return item_open(**{**values, **kwargs})


def started(scenario, **kwargs) -> RectificationItem:
    item = open_item(scenario, **kwargs)
    return item_start(item=item, by=scenario.head_cardio, expected_version=item.version)


def submitted(scenario, *, by=None, **kwargs) -> RectificationItem:
    item = started(scenario, **kwargs)
    return item_submit_fix(
        item=item, by=by or scenario.head_cardio, measures="已重新整理并张贴标识", expected_version=item.version
    )


def actions(item) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="rectification.rectificationitem", target_id=str(item.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def photo(name: str = "after.jpg", size: int = 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="image/jpeg")


# --- Opening ------------------------------------------------------------------------------------


def test_office_opens_an_item_listed_with_an_audit_entry(scenario):
    item = open_item(scenario, responsible=scenario.employee_staff, measures="立即整理")
    item.refresh_from_db()
    assert item.state == ItemState.LISTED
    assert item.version == 1
    assert item.created_by == scenario.office
    assert item.responsible == scenario.employee_staff
    entry = AuditEntry.objects.get(action="rectification.item.opened")
    assert entry.actor == scenario.office
    assert entry.department == scenario.ward
    assert entry.data["responsible"] == "E0102"


def test_head_opens_items_for_their_department_and_those_below_it(scenario):
    assert open_item(scenario, by=scenario.head_cardio, department=scenario.cardio).department == scenario.cardio
    assert open_item(scenario, by=scenario.head_cardio, department=scenario.ward).department == scenario.ward


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_leadership_and_inspectors_open_items_for_any_department(scenario, who):
    assert open_item(scenario, by=getattr(scenario, who)).department == scenario.ward


@pytest.mark.parametrize("who", ["head_ortho", "employee"])
def test_others_may_not_open_items_for_a_department(scenario, who):
    with pytest.raises(RectificationNotAllowed, match="may not act on the rectification items of 心内一病区"):
        open_item(scenario, by=getattr(scenario, who))
    assert not RectificationItem.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="rectification.").exists()


def test_opening_checks_problem_deadline_and_responsible_person(scenario):
    with pytest.raises(RectificationError, match="Describe the problem"):
        open_item(scenario, problem="   ")
    with pytest.raises(RectificationError, match="cannot be in the past"):
        open_item(scenario, deadline=today() - dt.timedelta(days=1))
    with pytest.raises(RectificationError, match="does not work in 心内一病区"):
        open_item(scenario, responsible=scenario.head_ortho_staff)
    with pytest.raises(RectificationError, match="Choose where the problem comes from"):
        open_item(scenario, source="rumour")
    inactive = DepartmentFactory(code="D77", name="旧科室", is_active=False)
    with pytest.raises(RectificationError, match="no longer active"):
        open_item(scenario, department=inactive)
    assert not RectificationItem.objects.exists()


@pytest.fixture
def finding(scenario):
    load_example_standards()
    return Record.objects.create(
        kind=RecordKind.FINDING,
        standard=Standard.objects.get(code="WMKS-M-2026"),
        department=scenario.ward,
        code="C1",
        date=today(),
        entered_by=scenario.office,
    )


def test_a_finding_opens_an_item(scenario, finding):
    item = open_item(scenario, finding=finding, source=Source.FINDING)
    assert item.finding == finding
    assert finding.rectification_items.get() == item
    # The finding's department is under 心血管内科, so its head may open it there too.
    assert open_item(scenario, by=scenario.head_cardio, department=scenario.cardio, finding=finding, source="finding")


def test_a_finding_must_match_source_department_and_not_be_voided(scenario, finding):
    with pytest.raises(RectificationError, match="source “inspection finding”"):
        open_item(scenario, finding=finding, source=Source.COMPLAINT)
    with pytest.raises(RectificationError, match="The finding is about 心内一病区, not 骨科"):
        open_item(scenario, department=scenario.ortho, finding=finding, source=Source.FINDING)
    Record.objects.filter(pk=finding.pk).update(status=RecordStatus.VOIDED)
    finding.refresh_from_db()
    with pytest.raises(RectificationError, match="not been voided"):
        open_item(scenario, finding=finding, source=Source.FINDING)


# --- The happy path -----------------------------------------------------------------------------


def test_listed_to_closed_by_head_and_office(scenario):
    item = open_item(scenario)
    item = item_start(item=item, by=scenario.head_cardio, expected_version=1)
    assert (item.state, item.version) == (ItemState.IN_PROGRESS, 2)
    item = item_submit_fix(
        item=item,
        by=scenario.head_cardio,
        measures="已重新整理",
        evidence=[photo(), photo("整改报告.pdf")],
        expected_version=2,
    )
    assert (item.state, item.version) == (ItemState.AWAITING_CHECK, 3)
    assert item.submitted_by == scenario.head_cardio
    assert item.submitted_at is not None
    files = list(ItemEvidence.objects.filter(item=item))
    assert [f.name for f in files] == ["after.jpg", "整改报告.pdf"]
    assert files[0].content_type == "image/jpeg" and files[0].uploaded_by == scenario.head_cardio
    assert files[0].file.storage.exists(files[0].file.name)
    assert not files[0].file.name.endswith("after.jpg")  # stored under a random name
    item = item_verify(item=item, by=scenario.office, passed=True, note="现场复核合格", expected_version=3)
    item.refresh_from_db()
    assert (item.state, item.version) == (ItemState.CLOSED, 4)
    assert item.closed_by == scenario.office and item.closed_at is not None
    assert item.closing_note == "现场复核合格"
    assert actions(item) == [
        "rectification.item.opened",
        "rectification.item.started",
        "rectification.item.submitted",
        "rectification.item.closed",
    ]
    submitted_entry = AuditEntry.objects.get(action="rectification.item.submitted")
    assert submitted_entry.data["files"] == ["after.jpg", "整改报告.pdf"]
    assert submitted_entry.data["state"] == ["in_progress", "awaiting_check"]


def test_failed_verification_returns_the_item_with_a_note(scenario):
    item = submitted(scenario)
    item = item_verify(item=item, by=scenario.office, passed=False, note="标识未张贴", expected_version=item.version)
    assert item.state == ItemState.IN_PROGRESS
    assert item.return_note == "标识未张贴"
    assert item.closed_at is None
    entry = AuditEntry.objects.get(action="rectification.item.returned")
    assert entry.data == {"state": ["awaiting_check", "in_progress"], "note": "标识未张贴"}
    # Submitted again and verified by someone else, it closes.
    item = item_submit_fix(item=item, by=scenario.office, measures="已张贴标识", expected_version=item.version)
    item = item_verify(item=item, by=scenario.head_cardio, passed=True, note="", expected_version=item.version)
    assert item.state == ItemState.CLOSED


def test_returning_without_a_note_is_refused(scenario):
    item = submitted(scenario)
    with pytest.raises(RectificationError, match="Say why the fix did not pass"):
        item_verify(item=item, by=scenario.office, passed=False, note="  ", expected_version=item.version)
    item.refresh_from_db()
    assert item.state == ItemState.AWAITING_CHECK


# --- Refusals -----------------------------------------------------------------------------------


def test_the_submitter_may_not_verify_their_own_fix(scenario):
    item = submitted(scenario, by=scenario.office)
    with pytest.raises(RectificationNotAllowed, match="someone else must verify it"):
        item_verify(item=item, by=scenario.office, passed=True, note="", expected_version=item.version)
    item.refresh_from_db()
    assert item.state == ItemState.AWAITING_CHECK
    assert "rectification.item.closed" not in actions(item)


def test_transitions_from_the_wrong_state_are_refused(scenario):
    item = open_item(scenario)
    with pytest.raises(RectificationError, match=r"Only an item being rectified can be submitted.*Listed"):
        item_submit_fix(item=item, by=scenario.office, measures="x", expected_version=item.version)
    with pytest.raises(RectificationError, match=r"Only an item awaiting verification.*Listed"):
        item_verify(item=item, by=scenario.office, passed=True, note="", expected_version=item.version)
    item = item_start(item=item, by=scenario.office, expected_version=item.version)
    with pytest.raises(RectificationError, match="Only a listed item can be started; this one is Being rectified"):
        item_start(item=item, by=scenario.office, expected_version=item.version)
    item = item_submit_fix(item=item, by=scenario.head_cardio, measures="x", expected_version=item.version)
    item = item_verify(item=item, by=scenario.office, passed=True, note="", expected_version=item.version)
    for move in (
        lambda: item_start(item=item, by=scenario.office, expected_version=item.version),
        lambda: item_submit_fix(item=item, by=scenario.office, measures="x", expected_version=item.version),
        lambda: item_verify(item=item, by=scenario.head_cardio, passed=False, note="n", expected_version=item.version),
    ):
        with pytest.raises(RectificationError, match="Closed out"):
            move()
    item.refresh_from_db()
    assert (item.state, item.version) == (ItemState.CLOSED, 4)


def test_a_stale_page_is_refused_and_told_the_state_now(scenario):
    item = open_item(scenario)
    item_start(item=item, by=scenario.head_cardio, expected_version=1)
    with pytest.raises(RectificationConflict, match="changed this item after you opened it; it is now Being rectified"):
        item_start(item=item, by=scenario.office, expected_version=1)
    with pytest.raises(RectificationConflict):
        item_submit_fix(item=item, by=scenario.office, measures="x", expected_version=1)
    item = item_submit_fix(item=item, by=scenario.office, measures="x", expected_version=2)
    with pytest.raises(RectificationConflict, match="Awaiting verification"):
        item_verify(item=item, by=scenario.head_cardio, passed=True, note="", expected_version=2)
    item.refresh_from_db()
    assert (item.state, item.version) == (ItemState.AWAITING_CHECK, 3)


@pytest.mark.parametrize("who", ["head_ortho", "employee", "leader", "inspector"])
def test_only_heads_of_the_department_and_the_office_move_items(scenario, who):
    person = getattr(scenario, who)
    item = open_item(scenario)
    with pytest.raises(RectificationNotAllowed):
        item_start(item=item, by=person, expected_version=item.version)
    item = item_start(item=item, by=scenario.office, expected_version=item.version)
    with pytest.raises(RectificationNotAllowed):
        item_submit_fix(item=item, by=person, measures="x", expected_version=item.version)
    item = item_submit_fix(item=item, by=scenario.office, measures="x", expected_version=item.version)
    if who in ("head_ortho", "employee"):
        with pytest.raises(RectificationNotAllowed):
            item_verify(item=item, by=person, passed=True, note="", expected_version=item.version)
    with pytest.raises(RectificationNotAllowed):
        extension_request(item=item, by=person, new_deadline=soon() + dt.timedelta(days=7), reason="r")
    item.refresh_from_db()
    assert (item.state, item.version) == (ItemState.AWAITING_CHECK, 3)


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_leadership_and_inspectors_verify_fixes(scenario, who):
    item = item_submit_fix(item=started(scenario), by=scenario.head_cardio, measures="x", expected_version=2)
    item = item_verify(item=item, by=getattr(scenario, who), passed=True, note="复查合格", expected_version=3)
    assert item.state == ItemState.CLOSED


def test_submitting_needs_measures_and_valid_files(scenario):
    item = started(scenario)
    with pytest.raises(RectificationError, match="Describe the measures taken"):
        item_submit_fix(item=item, by=scenario.head_cardio, measures=" ", expected_version=item.version)
    with pytest.raises(RectificationError) as caught:
        item_submit_fix(
            item=item,
            by=scenario.head_cardio,
            measures="x",
            evidence=[photo("virus.exe"), photo("empty.png", size=0), photo("big.jpg", size=10 * 1024 * 1024 + 1)],
            expected_version=item.version,
        )
    assert caught.value.messages == [
        "virus.exe: only images, PDF and Office documents can be attached.",
        "empty.png is empty.",
        "big.jpg is larger than 10 MB.",
    ]
    item.refresh_from_db()
    assert item.state == ItemState.IN_PROGRESS
    assert not ItemEvidence.objects.exists()


# --- Extensions ---------------------------------------------------------------------------------


def test_extension_approved_moves_the_deadline(scenario):
    item = started(scenario)
    later = item.deadline + dt.timedelta(days=10)
    request = extension_request(item=item, by=scenario.head_cardio, new_deadline=later, reason="需采购新柜子")
    assert request.state == ExtensionState.PENDING
    assert request.old_deadline == item.deadline
    request = extension_decide(request=request, by=scenario.office, approve=True, note="同意")
    assert request.state == ExtensionState.APPROVED
    assert request.decided_by == scenario.office and request.decided_at is not None
    item.refresh_from_db()
    assert item.deadline == later
    assert item.version == 3  # the deadline move makes open pages stale
    assert actions(item)[-2:] == ["rectification.extension.requested", "rectification.extension.approved"]


def test_extension_refused_keeps_the_deadline_and_needs_a_note(scenario):
    item = open_item(scenario)
    request = extension_request(
        item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=3), reason="人手不足"
    )
    with pytest.raises(RectificationError, match="reason for refusing"):
        extension_decide(request=request, by=scenario.office, approve=False, note="")
    request = extension_decide(request=request, by=scenario.office, approve=False, note="可先临时整理")
    assert request.state == ExtensionState.REFUSED
    assert request.decision_note == "可先临时整理"
    item.refresh_from_db()
    assert (item.deadline, item.version) == (soon(), 1)
    assert AuditEntry.objects.filter(action="rectification.extension.refused").count() == 1
    with pytest.raises(RectificationConflict, match="already been decided: Refused"):
        extension_decide(request=request, by=scenario.office, approve=True, note="")


@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee", "leader"])
def test_only_the_office_decides_extensions(scenario, who):
    item = open_item(scenario)
    request = extension_request(
        item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=3), reason="r"
    )
    with pytest.raises(RectificationNotAllowed, match="Only the office"):
        extension_decide(request=request, by=getattr(scenario, who), approve=True, note="")
    request.refresh_from_db()
    assert request.state == ExtensionState.PENDING


def test_extension_request_checks(scenario):
    item = open_item(scenario)
    with pytest.raises(RectificationError, match="Give the reason"):
        extension_request(item=item, by=scenario.head_cardio, new_deadline=soon() + dt.timedelta(days=1), reason="")
    with pytest.raises(RectificationError, match="must be later than the current one"):
        extension_request(item=item, by=scenario.head_cardio, new_deadline=item.deadline, reason="r")
    extension_request(item=item, by=scenario.head_cardio, new_deadline=soon() + dt.timedelta(days=1), reason="r")
    with pytest.raises(RectificationError, match="already waiting for a decision"):
        extension_request(item=item, by=scenario.office, new_deadline=soon() + dt.timedelta(days=2), reason="r")
    assert ExtensionRequest.objects.count() == 1


def test_no_extension_for_a_closed_item(scenario):
    item = open_item(scenario)
    request = extension_request(
        item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=3), reason="r"
    )
    item = item_start(item=item, by=scenario.head_cardio, expected_version=item.version)
    item = item_submit_fix(item=item, by=scenario.head_cardio, measures="x", expected_version=item.version)
    item = item_verify(item=item, by=scenario.office, passed=True, note="", expected_version=item.version)
    with pytest.raises(RectificationError, match="closed out; it needs no more time"):
        extension_decide(request=request, by=scenario.office, approve=True, note="")
    with pytest.raises(RectificationError, match="closed out; it needs no more time"):
        extension_request(
            item=item, by=scenario.head_cardio, new_deadline=item.deadline + dt.timedelta(days=9), reason="r"
        )
    item.refresh_from_db()
    assert item.deadline == soon()
