"""Appeal pages: filing an appeal, the list, deciding, the evidence — who may do what, what they
see, the notifications the services send, and the refusals (deadline, finalized period, stale page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from wenming.inspections.models import Appeal, AppealState, InspectionRound
from wenming.inspections.selectors import APPEAL_RELATED
from wenming.inspections.services import InspectionError, appeal_decide, appeal_file, round_submit
from wenming.inspections.views import appeals as appeal_views
from wenming.notifications.models import Notification
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordStatus, ScoringPeriod

from .images import jpeg_with_gps, upload

pytestmark = pytest.mark.django_db

LIST = "/inspections/appeals/"


def submit(scenario, month, *, token="tok-1", department=None, findings=None):
    return round_submit(
        client_token=token,
        department=department or scenario.ward,
        inspector=scenario.inspector,
        standard=month,
        findings=findings
        if findings is not None
        else [{"code": "D1a", "count": 2, "note": "两人未佩戴工作牌"}, {"code": "C1", "count": 1}],
        by=scenario.inspector,
    )


def finalize_this_month(month):
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


@pytest.fixture
def finding(scenario, month):
    """D1a ×2 in 心内一病区 (under 心血管内科), inspected today."""
    return submit(scenario, month).findings.get(code="D1a")


@pytest.fixture
def ortho_finding(scenario, month):
    return submit(scenario, month, token="tok-o", department=scenario.ortho, findings=[{"code": "E1"}]).findings.get()


@pytest.fixture
def appeal(scenario, finding):
    return appeal_file(
        finding=finding, by=scenario.head_cardio, reason="当天已补戴", evidence=upload(jpeg_with_gps(), "证明.jpg")
    )


def new_url(finding) -> str:
    return f"/inspections/findings/{finding.pk}/appeal/"


def decide_url(appeal) -> str:
    return f"/inspections/appeals/{appeal.pk}/decide/"


def evidence_url(appeal) -> str:
    return f"/inspections/appeals/{appeal.pk}/evidence/"


def record_status(finding) -> str:
    return Record.objects.get(pk=finding.record_id).status


# --- Who may open what ------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(scenario, finding, appeal, client):
    for url in (new_url(finding), LIST, decide_url(appeal), evidence_url(appeal)):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = client.post(decide_url(appeal), {"decision": "void", "note": "x"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING


def test_employees_are_refused(scenario, finding, appeal, client_for):
    client = client_for(scenario.employee)
    for url in (new_url(finding), LIST, decide_url(appeal), evidence_url(appeal)):
        assert client.get(url).status_code == 403, url


def test_head_of_another_department(scenario, finding, appeal, client_for):
    client = client_for(scenario.head_ortho)
    assert client.get(new_url(finding)).status_code == 404
    assert client.post(new_url(finding), {"reason": "x"}).status_code == 404
    assert client.get(evidence_url(appeal)).status_code == 404
    assert client.get(decide_url(appeal)).status_code == 403  # heads never decide
    listed = client.get(LIST)
    assert listed.status_code == 200
    assert f'data-testid="appeal-{appeal.pk}"' not in listed.content.decode()


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin"])
def test_only_the_head_files_an_appeal(scenario, finding, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get(new_url(finding)).status_code == 403
    assert client.post(new_url(finding), {"reason": "不同意"}).status_code == 403
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("who", ["head_cardio", "inspector"])
def test_only_leadership_and_office_decide(scenario, appeal, client_for, who):
    client = client_for(getattr(scenario, who))
    assert client.get(decide_url(appeal)).status_code == 403
    assert client.post(decide_url(appeal), {"decision": "void", "note": "撤销"}).status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING


def test_inspectors_have_no_appeal_list(scenario, client_for):
    assert client_for(scenario.inspector).get(LIST).status_code == 403


def test_missing_things_are_not_found(scenario, client_for):
    assert client_for(scenario.head_cardio).get("/inspections/findings/999999/appeal/").status_code == 404
    office = client_for(scenario.office)
    assert office.get("/inspections/appeals/999999/decide/").status_code == 404
    assert office.get("/inspections/appeals/999999/evidence/").status_code == 404


# --- Filing -----------------------------------------------------------------------------------


def test_form_shows_the_finding_and_the_deadline(scenario, finding, client_for):
    InspectionRound.objects.filter(pk=finding.round_id).update(date=hospital_today())
    response = client_for(scenario.head_cardio).get(new_url(finding))
    assert response.status_code == 200
    page = response.content.decode()
    facts = page.split('data-testid="finding-facts"')[1]
    assert "D1a" in facts and "未佩戴工作牌（每人次）" in facts and "两人未佩戴工作牌" in facts
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", facts.split('data-testid="deadline"')[1][:80])
    assert 'name="reason"' in page and 'name="evidence"' in page
    assert 'enctype="multipart/form-data"' in page


def test_filing_holds_the_finding_and_notifies_the_deciders(scenario, finding, client_for):
    response = client_for(scenario.head_cardio).post(
        new_url(finding), {"reason": "当天已补戴，有照片为证", "evidence": upload(jpeg_with_gps(), "证明.jpg")}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/rounds/{finding.round_id}/#finding-{finding.pk}"
    appeal = Appeal.objects.get()
    assert appeal.finding == finding and appeal.appealed_by == scenario.head_cardio
    assert appeal.reason == "当天已补戴，有照片为证"
    assert appeal.evidence.name.startswith("inspections/appeals/")
    assert record_status(finding) == RecordStatus.PENDING

    sent = Notification.objects.filter(kind="inspections.appeal.filed")
    assert {n.recipient for n in sent} == {scenario.office, scenario.leader}
    note = sent.first()
    assert note.params == {"department": "心内一病区", "finding": "D1a ×2", "reason": "当天已补戴，有照片为证"}
    assert note.url == f"/inspections/appeals/{appeal.pk}/decide/"
    assert note.department == scenario.ward


def test_long_reason_is_cut_in_the_notification(scenario, finding):
    appeal_file(finding=finding, by=scenario.head_cardio, reason="理" * 200)
    assert Notification.objects.filter(kind="inspections.appeal.filed").first().params["reason"] == "理" * 80


def test_empty_evidence_is_refused_and_the_reason_kept(scenario, finding, client_for):
    response = client_for(scenario.head_cardio).post(
        new_url(finding), {"reason": "有证据", "evidence": SimpleUploadedFile("证明.jpg", b"", "image/jpeg")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "有证据</textarea>" in page
    assert 'class="invalid-feedback d-block"' in page
    assert 'data-testid="files-lost"' in page  # choose the file again
    assert not Appeal.objects.exists()
    assert record_status(finding) == RecordStatus.COUNTS


def test_service_refuses_an_empty_evidence_file(scenario, finding):
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        appeal_file(
            finding=finding, by=scenario.head_cardio, reason="有证据", evidence=SimpleUploadedFile("证明.pdf", b"")
        )
    assert caught.value.messages == ["证明.pdf is empty."]
    assert not Appeal.objects.exists()
    assert record_status(finding) == RecordStatus.COUNTS


def test_wrong_file_type_is_refused_and_the_reason_kept(scenario, finding, client_for):
    response = client_for(scenario.head_cardio).post(
        new_url(finding), {"reason": "请复核", "evidence": SimpleUploadedFile("tool.exe", b"MZ", "application/x")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请复核</textarea>" in page
    assert "tool.exe" in page.split('data-testid="form-errors"')[1]
    assert 'data-testid="files-lost"' in page
    assert not Appeal.objects.exists()


def test_a_reason_is_required(scenario, finding, client_for):
    response = client_for(scenario.head_cardio).post(new_url(finding), {"reason": "  "})
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_after_the_deadline_the_page_says_why(scenario, finding, client_for):
    InspectionRound.objects.filter(pk=finding.round_id).update(date=hospital_today() - timedelta(days=30))
    client = client_for(scenario.head_cardio)
    page = client.get(new_url(finding)).content.decode()
    refusal = page.split('data-testid="refusal">')[1].split("</div>")[0]
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", refusal)
    assert 'name="reason"' not in page

    response = client.post(new_url(finding), {"reason": "迟到的申诉"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "迟到的申诉</textarea>" in content  # what was typed is kept with the service's message
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", content.split('data-testid="form-errors"')[1][:300])
    assert not Appeal.objects.exists()


def test_a_finding_is_appealed_once(scenario, finding, appeal, client_for):
    page = client_for(scenario.head_cardio).get(new_url(finding)).content.decode()
    assert 'data-testid="refusal"' in page and 'name="reason"' not in page
    response = client_for(scenario.head_cardio).post(new_url(finding), {"reason": "再次申诉"})
    assert response.status_code == 400
    assert Appeal.objects.count() == 1


def test_finalized_period_refuses_the_appeal(scenario, month, finding, client_for):
    finalize_this_month(month)
    client = client_for(scenario.head_cardio)
    assert 'data-testid="refusal"' in client.get(new_url(finding)).content.decode()
    response = client.post(new_url(finding), {"reason": "不同意"})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Appeal.objects.exists()
    assert record_status(finding) == RecordStatus.COUNTS


# --- The list ---------------------------------------------------------------------------------


def test_office_sees_every_appeal_pending_first_with_days_waiting(scenario, month, appeal, ortho_finding, client_for):
    ortho_appeal = appeal_file(finding=ortho_finding, by=scenario.head_ortho, reason="已整改")
    Appeal.objects.filter(pk=appeal.pk).update(appealed_at=timezone.now() - timedelta(days=3))
    other = appeal.finding.round.findings.get(code="C1")
    decided = appeal_file(finding=other, by=scenario.head_cardio, reason="请复核")
    appeal_decide(appeal=decided, by=scenario.leader, uphold=True)

    page = client_for(scenario.office).get(LIST).content.decode()
    order = [int(pk) for pk in re.findall(r'data-testid="appeal-(\d+)"', page)]
    assert order == [appeal.pk, ortho_appeal.pk, decided.pk]  # longest waiting first, decided last
    row = page.split(f'data-testid="appeal-{appeal.pk}"')[1].split("</li>")[0]
    assert "3" in row.split('data-testid="waiting"')[1][:60]
    assert f'href="/inspections/appeals/{appeal.pk}/decide/"' in row
    assert "心内一病区" in row and "D1a ×2" in row
    decided_row = page.split(f'data-testid="appeal-{decided.pk}"')[1].split("</li>")[0]
    assert "decide" not in decided_row.split("</a>")[-1]
    assert 'data-state="upheld"' in page

    pending_only = client_for(scenario.office).get(f"{LIST}?state=pending").content.decode()
    assert f'data-testid="appeal-{decided.pk}"' not in pending_only
    by_department = client_for(scenario.office).get(f"{LIST}?department=D02").content.decode()
    assert re.findall(r'data-testid="appeal-(\d+)"', by_department) == [str(ortho_appeal.pk)]


def test_heads_see_their_departments_appeals_without_decide_links(scenario, appeal, ortho_finding, client_for):
    ortho_appeal = appeal_file(finding=ortho_finding, by=scenario.head_ortho, reason="已整改")
    page = client_for(scenario.head_cardio).get(LIST).content.decode()
    assert f'data-testid="appeal-{appeal.pk}"' in page
    assert f'data-testid="appeal-{ortho_appeal.pk}"' not in page
    assert "/decide/" not in page


def test_empty_list(scenario, client_for):
    assert 'data-testid="no-appeals"' in client_for(scenario.leader).get(LIST).content.decode()


def test_list_query_count_is_constant(scenario, month, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)

    def add(count: int, start: int) -> None:
        for index in range(start, start + count):
            department = scenario.ward if index % 2 else scenario.ortho
            head = scenario.head_cardio if index % 2 else scenario.head_ortho
            found = submit(scenario, month, token=f"t{index}", department=department, findings=[{"code": "E1"}])
            appeal_file(finding=found.findings.get(), by=head, reason=f"理由{index}")

    add(2, 0)
    client.get(LIST)
    with django_assert_max_num_queries(18) as few:
        client.get(LIST)
    add(33, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(re.findall(r'data-testid="appeal-\d+"', response.content.decode())) == 30


# --- Deciding ---------------------------------------------------------------------------------


def test_decide_page_shows_the_finding_reason_and_evidence(scenario, appeal, client_for):
    page = client_for(scenario.leader).get(decide_url(appeal)).content.decode()
    assert "当天已补戴" in page.split('data-testid="reason"')[1]
    assert f'href="/inspections/appeals/{appeal.pk}/evidence/"' in page
    assert "未佩戴工作牌（每人次）" in page
    assert 'value="uphold"' in page and 'value="void"' in page


def test_upholding_counts_again_and_tells_the_department(scenario, appeal, client_for):
    response = client_for(scenario.leader).post(decide_url(appeal), {"decision": "uphold", "note": ""})
    assert response.status_code == 302 and response["Location"] == LIST
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.UPHELD
    assert record_status(appeal.finding) == RecordStatus.COUNTS
    sent = Notification.objects.filter(kind="inspections.appeal.upheld")
    assert [n.recipient for n in sent] == [scenario.head_cardio]  # the appellant, also the head: once
    assert sent[0].params == {"finding": "D1a ×2"}
    assert sent[0].url == f"/inspections/rounds/{appeal.finding.round_id}/"
    assert not Notification.objects.filter(kind="inspections.appeal.voided").exists()


def test_voiding_needs_a_note_and_keeps_what_was_chosen(scenario, appeal, client_for):
    client = client_for(scenario.office)
    response = client.post(decide_url(appeal), {"decision": "void", "note": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'value="void"[^>]*checked', page)
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING

    response = client.post(decide_url(appeal), {"decision": "void", "note": "核实已补戴，撤销"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.VOIDED
    assert record_status(appeal.finding) == RecordStatus.VOIDED
    sent = Notification.objects.filter(kind="inspections.appeal.voided")
    assert {n.recipient for n in sent} == {scenario.head_cardio}
    assert not sent.filter(recipient=scenario.office).exists()  # not the one who decided


def test_decision_notifies_the_appellant_and_every_head(scenario, appeal):
    # A second head of 心血管内科 hears of it too; the appellant once; the decider not at all.
    from wenming.org.models import Role, RoleAssignment
    from wenming.org.tests.factories import UserFactory

    deputy = UserFactory(username="deputy")
    RoleAssignment.objects.create(user=deputy, role=Role.DEPARTMENT_HEAD).departments.set([scenario.cardio])
    appeal_decide(appeal=appeal, by=scenario.leader, uphold=False, note="撤销")
    recipients = {n.recipient for n in Notification.objects.filter(kind="inspections.appeal.voided")}
    assert recipients == {scenario.head_cardio, deputy}


def test_a_decided_appeal_is_shown_read_only(scenario, appeal, client_for):
    appeal_decide(appeal=appeal, by=scenario.leader, uphold=True, note="情况属实")
    page = client_for(scenario.office).get(decide_url(appeal)).content.decode()
    assert 'data-testid="decision"' in page and "情况属实" in page
    assert 'name="decision"' not in page


def test_stale_decision_changes_nothing(scenario, appeal, client_for):
    appeal_decide(appeal=appeal, by=scenario.leader, uphold=True, note="")
    response = client_for(scenario.office).post(decide_url(appeal), {"decision": "void", "note": "改判"})
    assert response.status_code == 409
    assert "王院长" in response.content.decode().split('data-testid="stale"')[1].split("</div>")[0]
    stored = Appeal.objects.get(pk=appeal.pk)
    assert stored.state == AppealState.UPHELD and stored.decided_by == scenario.leader
    assert record_status(appeal.finding) == RecordStatus.COUNTS


def test_decided_while_the_form_was_being_sent(scenario, appeal, client_for, monkeypatch):
    """The appeal was pending when the page loaded it, decided by someone else before the service
    locked it: the service refuses and the page says who decided."""
    stale = Appeal.objects.select_related(*APPEAL_RELATED).get(pk=appeal.pk)
    appeal_decide(appeal=appeal, by=scenario.leader, uphold=True, note="")
    real = appeal_views.appeal_for_user
    calls = []

    def first_stale(*, user, pk):
        calls.append(pk)
        return stale if len(calls) == 1 else real(user=user, pk=pk)

    monkeypatch.setattr(appeal_views, "appeal_for_user", first_stale)
    response = client_for(scenario.office).post(decide_url(appeal), {"decision": "void", "note": "改判"})
    assert response.status_code == 409
    assert 'data-testid="stale"' in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.UPHELD


def test_finalized_period_refuses_the_decision(scenario, month, appeal, client_for):
    finalize_this_month(month)
    response = client_for(scenario.leader).post(decide_url(appeal), {"decision": "void", "note": "撤销"})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING
    assert record_status(appeal.finding) == RecordStatus.PENDING


# --- Evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["head_cardio", "office", "leader", "inspector"])
def test_evidence_is_served_to_those_who_see_the_round(scenario, appeal, client_for, who):
    response = client_for(getattr(scenario, who)).get(evidence_url(appeal))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    with appeal.evidence.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_documents_are_downloaded(scenario, finding, client_for):
    appeal = appeal_file(
        finding=finding,
        by=scenario.head_cardio,
        reason="见附件",
        evidence=SimpleUploadedFile("说明.pdf", b"%PDF-1.4 x"),
    )
    response = client_for(scenario.office).get(evidence_url(appeal))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_no_evidence_is_not_found(scenario, finding, client_for):
    appeal = appeal_file(finding=finding, by=scenario.head_cardio, reason="无附件")
    assert client_for(scenario.office).get(evidence_url(appeal)).status_code == 404


def test_htmx_request_gets_the_results_only(scenario, appeal, client_for):
    response = client_for(scenario.office).get(f"{LIST}?state=pending", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert 'id="appeals-results"' in content and "<html" not in content
    assert f'data-testid="appeal-{appeal.pk}"' in content


def test_round_pages_link_to_the_appeals(scenario, finding, client_for):
    for who in ("head_cardio", "office", "leader"):
        page = client_for(getattr(scenario, who)).get("/inspections/rounds/").content.decode()
        assert f'href="{LIST}"' in page, who
    assert f'href="{LIST}"' not in client_for(scenario.inspector).get("/inspections/rounds/").content.decode()
