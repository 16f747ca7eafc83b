"""The services: lifecycle and its refusals, submitting ballots, closing and reminders (the daily
task), the sealed export, completion numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from wenming.core.models import AuditEntry
from wenming.notifications.models import Notification
from wenming.rounds import services
from wenming.rounds.export import sealed_export
from wenming.rounds.models import Ballot, RoundState, Score
from wenming.rounds.selectors import round_completion, round_results
from wenming.rounds.services import RoundError, RoundNotAllowed


def test_create_validates(world):
    now = timezone.now()
    with pytest.raises(RoundError) as exc:
        services.round_create(
            by=world.s.office,
            title="",
            purpose="general",
            period_key="2026-13",
            opens_at=now,
            closes_at=now - timedelta(hours=1),
            groups={},
        )
    fields = set(exc.value.error_dict)
    assert {"title", "period_key", "closes_at", "groups", "departments"} <= fields


@pytest.mark.parametrize("key", ["2026", "2026-Q3", "2026-10"])
def test_any_cycle_and_patient_window_from_period(world, make_round, key):
    round = make_round(period_key=key, open=False)
    assert round.period_key == key
    assert round.patient_from.isoformat().startswith("2026")
    assert round.state == RoundState.DRAFT


@pytest.mark.parametrize("who", ["head_cardio", "employee", "leader", "inspector"])
def test_only_office_writes(world, make_round, who):
    round = make_round(open=False)
    user = getattr(world.s, who)
    with pytest.raises(RoundNotAllowed):
        services.round_open(by=user, round=round)
    with pytest.raises(RoundNotAllowed):
        services.round_update(by=user, round=round, expected_version=round.version)
    open_round = make_round()
    for service in (services.round_close, services.round_publish):
        with pytest.raises(RoundNotAllowed):
            service(by=user, round=open_round)
    with pytest.raises(RoundNotAllowed):
        services.round_remind(by=user, round=open_round)


def test_lifecycle_states_versions_and_audit(world, make_round):
    office = world.s.office
    round = make_round(open=False)
    with pytest.raises(RoundError):
        services.round_close(by=office, round=round)
    with pytest.raises(RoundError):  # stale version
        services.round_open(by=office, round=round, expected_version=round.version + 1)
    round = services.round_open(by=office, round=round, expected_version=round.version)
    with pytest.raises(RoundError):
        services.round_open(by=office, round=round)
    with pytest.raises(RoundError):
        services.round_update(by=office, round=round, expected_version=round.version)
    with pytest.raises(RoundError):
        services.round_publish(by=office, round=round)
    round = services.round_close(by=office, round=round, expected_version=round.version)
    round = services.round_publish(by=office, round=round, expected_version=round.version)
    assert round.state == RoundState.PUBLISHED and round.published_at is not None
    actions = list(AuditEntry.objects.filter(target_id=str(round.pk)).values_list("action", flat=True))
    for action in ("rounds.round.created", "rounds.round.opened", "rounds.round.closed", "rounds.round.published"):
        assert action in actions
    # The raters were told the round opened; the people evaluated, that it was published.
    assert Notification.objects.filter(kind="rounds.round.opened", recipient=world.nurses[0].user).exists()
    assert Notification.objects.filter(kind="rounds.round.published", recipient=world.s.employee).exists()


def test_update_a_draft(world, make_round):
    round = make_round(open=False)
    now = timezone.now()
    round = services.round_update(
        by=world.s.office,
        round=round,
        expected_version=round.version,
        title="改过的标题",
        purpose="commitment",
        period_key="2026-Q3",
        whole_hospital=True,
        departments=[],
        opens_at=now,
        closes_at=now + timedelta(days=3),
        groups={"peer": Decimal(100)},
        patient_from=None,
        patient_to=None,
        functional_sample=3,
        peer_sample=None,
    )
    assert round.title == "改过的标题" and round.whole_hospital and round.version == 2
    assert list(round.groups.values_list("group", flat=True)) == ["peer"]


def test_submit_seals_and_the_close_writes_scores_without_link(world, make_round, submit):
    round = make_round()
    employee = world.s.employee
    assert submit(round, world.nurses[2].user, {world.employee: 61}) == 1
    ballot = Ballot.objects.get(round=round, rater=world.nurses[2], ratee=world.employee)
    assert ballot.submitted_at is not None and ballot.sealed
    # While the round is open no score row exists: nothing to match against the ballot's time or order.
    assert not Score.objects.filter(round=round).exists()
    entry = AuditEntry.objects.get(action="rounds.ballots.submitted")
    assert entry.data == {"ballots": 1}  # no score in the audit log
    # A submitted ballot cannot be submitted (changed) again.
    with pytest.raises(RoundError):
        services.ballots_submit(by=world.nurses[2].user, round=round, scores={ballot.pk: 99})
    # Someone else's ballot is refused.
    other = Ballot.objects.filter(round=round, submitted_at__isnull=True).exclude(rater__user=employee).first()
    with pytest.raises(RoundError):
        services.ballots_submit(by=employee, round=round, scores={other.pk: 80})
    services.round_close(by=world.s.office, round=round)
    assert list(Score.objects.filter(round=round).values_list("ratee_id", "group", "value")) == [
        (world.employee.pk, "peer", 61)
    ]
    assert "unreadable" not in AuditEntry.objects.get(action="rounds.round.closed").data


def test_a_seal_made_under_another_key_is_counted_as_unreadable(world, make_round, submit, settings):
    round = make_round()
    submit(round, world.nurses[2].user, {world.employee: 61})
    settings.WENMING_BALLOT_KEY = "x" * 43 + "="
    services.round_close(by=world.s.office, round=round)
    assert not Score.objects.filter(round=round).exists()
    assert AuditEntry.objects.get(action="rounds.round.closed").data["unreadable"] == 1


@pytest.mark.parametrize("value", [-1, 101, 50.5, "80", True])
def test_submit_refuses_bad_values(world, make_round, value):
    round = make_round()
    ballot = Ballot.objects.filter(round=round, rater=world.nurses[0]).first()
    with pytest.raises(RoundError):
        services.ballots_submit(by=world.nurses[0].user, round=round, scores={ballot.pk: value})
    assert not Score.objects.exists()


def test_submit_refused_after_close_before_open_and_without_staff(world, make_round, monkeypatch):
    round = make_round()
    ballot = Ballot.objects.filter(round=round, rater=world.nurses[0]).first()
    later = round.closes_at + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(RoundError):
        services.ballots_submit(by=world.nurses[0].user, round=round, scores={ballot.pk: 80})
    monkeypatch.undo()
    services.round_close(by=world.s.office, round=round)
    with pytest.raises(RoundError):
        services.ballots_submit(by=world.nurses[0].user, round=round, scores={ballot.pk: 80})
    future = make_round(opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=2))
    ballot = Ballot.objects.filter(round=future, rater=world.nurses[0]).first()
    with pytest.raises(RoundError):
        services.ballots_submit(by=world.nurses[0].user, round=future, scores={ballot.pk: 80})
    with pytest.raises(RoundNotAllowed):
        services.ballots_submit(by=world.s.sysadmin, round=future, scores={ballot.pk: 80})


def test_daily_task_closes_and_reminds(world, make_round, submit, monkeypatch):
    from wenming.rounds.tasks import rounds_daily_task

    due = make_round(title="到期")
    running = make_round(title="进行中", closes_at=timezone.now() + timedelta(days=30))
    n1 = world.nurses[0]
    submit(running, n1.user, {world.employee: 80, n1: 80, world.nurses[1]: 80, world.nurses[2]: 80, world.no_login: 80})
    later = due.closes_at + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    result = rounds_daily_task()
    due.refresh_from_db()
    running.refresh_from_db()
    assert result["closed"] == 1 and due.state == RoundState.CLOSED and due.closed_at == later
    assert running.state == RoundState.OPEN and running.reminded_on == timezone.localdate(later)
    reminded = set(
        Notification.objects.filter(kind="rounds.ballots.pending").values_list("recipient__username", flat=True)
    )
    assert "n2" in reminded and "employee" in reminded
    assert "n1" not in reminded  # N1 filled in everything of the running round (self included below)
    assert result["reminded"] == len(reminded)
    # Once a day.
    assert rounds_daily_task()["reminded"] == 0


def test_remind_action(world, make_round):
    round = make_round()
    sent = services.round_remind(by=world.s.office, round=round)
    assert sent == Ballot.objects.filter(round=round).values("rater").distinct().count()
    entry = AuditEntry.objects.get(action="rounds.round.reminded")
    assert entry.data == {"reminded": sent}


def test_closing_rewrites_scores_but_keeps_values(world, make_round, submit):
    round = make_round()
    for nurse, value in zip(world.nurses, (61, 77, 93), strict=True):
        submit(round, nurse.user, {world.employee: value})
    before = set(Score.objects.filter(round=round).values_list("pk", flat=True))
    services.round_close(by=world.s.office, round=round)
    after = list(Score.objects.filter(round=round).values_list("pk", "value"))
    assert sorted(v for _pk, v in after) == [61, 77, 93]
    assert not before & {pk for pk, _v in after}


def test_sealed_export_sysadmin_only_with_reason_audited(world, make_round, submit):
    round = make_round()
    for nurse, value in zip(world.nurses, (61, 77, 93), strict=True):
        submit(round, nurse.user, {world.employee: value})
    for who in ("office", "leader", "head_cardio", "employee"):
        with pytest.raises(RoundNotAllowed):
            sealed_export(round=round, by=getattr(world.s, who), reason="调查")
    with pytest.raises(RoundError):
        sealed_export(round=round, by=world.s.sysadmin, reason="  ")
    assert not AuditEntry.objects.filter(action="rounds.ballots.unsealed").exists()
    content = sealed_export(round=round, by=world.s.sysadmin, reason="纪委调查需要")
    sheet = load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    got = {(r[0], r[3], r[7]) for r in rows}
    assert got == {("N001", "E0102", 61), ("N002", "E0102", 77), ("N003", "E0102", 93)}
    entry = AuditEntry.objects.get(action="rounds.ballots.unsealed")
    assert entry.actor == world.s.sysadmin and entry.data["reason"] == "纪委调查需要" and entry.data["ballots"] == 3


def test_completion_numbers(world, make_round, submit):
    round = make_round(groups={"peer": 100})
    submit(
        round, world.nurses[0].user, {world.employee: 80, world.nurses[1]: 70, world.nurses[2]: 90, world.no_login: 60}
    )
    submit(round, world.nurses[1].user, {world.employee: 80})
    completion = round_completion(round=round, user=world.s.office)
    (row,) = completion.rows
    total = Ballot.objects.filter(round=round).count()
    assert row.department == world.s.ward and row.total == total and row.submitted == 5
    assert completion.percent == (Decimal(500) / total).quantize(Decimal("0.1"))
    assert "钱芳" not in row.pending_names and "孙丽" in row.pending_names and "郑爽" in row.pending_names
    # A head of another department sees nothing of this ward; the leadership group sees counts, not names.
    assert round_completion(round=round, user=world.s.head_ortho).rows == []
    assert round_completion(round=round, user=world.s.head_cardio).rows[0].pending_names
    leader = round_completion(round=round, user=world.s.leader)
    assert not leader.shows_names and leader.rows[0].pending_names == []


def test_results_visibility_by_state(world, make_round, submit):
    round = make_round()
    for nurse, value in zip(world.nurses, (61, 77, 93), strict=True):
        submit(round, nurse.user, {world.employee: value})
    for who in ("office", "leader", "head_cardio", "sysadmin"):
        assert round_results(round=round, user=getattr(world.s, who)) is None  # open: nobody
    round = services.round_close(by=world.s.office, round=round)
    assert round_results(round=round, user=world.s.office) is not None
    assert round_results(round=round, user=world.s.leader) is not None
    assert round_results(round=round, user=world.s.head_cardio) is None
    round = services.round_publish(by=world.s.office, round=round)
    results = round_results(round=round, user=world.s.head_cardio)
    assert {r.ratee.staff.staff_no for r in results} == {"E0102", "N001", "N002", "N003", "N004"}
    assert round_results(round=round, user=world.s.head_ortho) == []
    assert round_results(round=round, user=world.s.employee) is None


def test_patient_group_counts_valid_feedback_in_window(world, make_round):
    from datetime import date

    from wenming.feedback.models import Feedback

    round = make_round(groups={"patient": Decimal(1)}, patient_from=date(2026, 1, 1), patient_to=date(2026, 6, 30))
    ward, staff = world.s.ward, world.employee
    for day, overall, valid in (
        (date(2026, 1, 5), 5, True),
        (date(2026, 3, 5), 4, True),
        (date(2026, 6, 30), 4, True),
        (date(2026, 7, 1), 1, True),  # after the window
        (date(2026, 2, 1), 1, False),  # not valid
    ):
        Feedback.objects.create(
            department=ward, staff=staff, at=timezone.now(), local_date=day, overall=overall, is_valid=valid
        )
    Feedback.objects.create(department=ward, at=timezone.now(), local_date=date(2026, 2, 2), overall=1)  # no staff
    round = services.round_close(by=world.s.office, round=round)
    results = {r.ratee.staff_id: r.outcome for r in round_results(round=round, user=world.s.office)}
    group = results[staff.pk].groups[0]
    assert group.group == "patient" and group.count == 3
    assert group.mean == Decimal("83.33") and results[staff.pk].total == Decimal("83.33")
    assert results[world.nurses[0].pk].total is None


def test_close_rounds_command_runs_the_daily_task(monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    calls = []
    monkeypatch.setattr(
        "wenming.rounds.management.commands.close_rounds.rounds_daily",
        lambda: calls.append(1) or {"closed": 2, "reminded": 5},
    )
    out = StringIO()
    call_command("close_rounds", stdout=out)
    assert calls == [1] and "2" in out.getvalue() and "5" in out.getvalue()
