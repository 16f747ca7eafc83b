"""Feeding a round's results into a standard's manual item, and department_round_results."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wenming.rounds import services
from wenming.rounds.feed import round_feed
from wenming.rounds.models import RoundFeed
from wenming.rounds.selectors import department_round_results
from wenming.rounds.services import RoundError, RoundNotAllowed
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.services import period_compute, period_finalize
from wenming.standards.demo import load_example_standards


@pytest.fixture
def closed_round(world, make_round, submit):
    """Peers 61/77/93 for the employee (mean 77) and 70/80/90 for N1 (mean 80); self 90 for both."""
    load_example_standards()
    round = make_round(groups={"self": Decimal(20), "peer": Decimal(80)})
    n1, n2, n3 = world.nurses
    submit(round, n1.user, {world.employee: 61, n1: 90})
    submit(round, n2.user, {world.employee: 77, n1: 70})
    submit(round, n3.user, {world.employee: 93, n1: 80})
    submit(round, world.s.employee, {world.employee: 90, n1: 90})
    return services.round_close(by=world.s.office, round=round)


@pytest.fixture
def published_round(world, closed_round):
    return services.round_publish(by=world.s.office, round=closed_round)


def test_feed_staff_standard(world, published_round):
    closed_round = published_round
    feed = round_feed(
        round=closed_round, by=world.s.office, standard_code="YDKP-2026", item_code="Y7", period_key="2026"
    )
    values = {r.staff.staff_no: r.value for r in feed.records.select_related("staff")}
    # Employee: (20×90 + 80×77) / 100 = 79.6 → × 10 / 100 = 7.96. N1: (20×90 + 80×80)/100 = 82 → 8.20.
    assert values == {"E0102": Decimal("7.96"), "N001": Decimal("8.20")}
    assert all(r.kind == RecordKind.MANUAL and r.period_key == "2026" and r.code == "Y7" for r in feed.records.all())


def test_refeed_voids_the_previous_records(world, published_round):
    closed_round = published_round
    first = round_feed(
        round=closed_round, by=world.s.office, standard_code="YDKP-2026", item_code="Y7", period_key="2026"
    )
    second = round_feed(
        round=closed_round, by=world.s.office, standard_code="YDKP-2026", item_code="Y7", period_key="2026"
    )
    first.refresh_from_db()
    assert first.replaced_at is not None and second.replaced_at is None
    assert set(first.records.values_list("status", flat=True)) == {RecordStatus.VOIDED}
    assert set(second.records.values_list("status", flat=True)) == {RecordStatus.COUNTS}
    assert Record.objects.filter(code="Y7").exclude(status=RecordStatus.VOIDED).count() == 2
    assert RoundFeed.objects.count() == 2


def test_feed_department_standard(world, published_round):
    closed_round = published_round
    feed = round_feed(
        round=closed_round, by=world.s.office, standard_code="WMKS-M-2026", item_code="A2", period_key="2026-10"
    )
    (record,) = feed.records.all()
    # The ward: mean(79.6, 82) = 80.8 → × 9 / 100 = 7.272 → 7.27.
    assert record.department == world.s.ward and record.value == Decimal("7.27")


def test_feed_refusals(world, closed_round, make_round):
    office = world.s.office
    # Closed but not published: its scores would show on scorecards before the results are out.
    with pytest.raises(RoundError):
        round_feed(round=closed_round, by=office, standard_code="YDKP-2026", item_code="Y7", period_key="2026")
    closed_round = services.round_publish(by=office, round=closed_round)
    with pytest.raises(RoundError):
        round_feed(round=closed_round, by=office, standard_code="YDKP-2026", item_code="Y1", period_key="2026")
    with pytest.raises(RoundError):
        round_feed(round=closed_round, by=office, standard_code="NOPE", item_code="Y7", period_key="2026")
    with pytest.raises(RoundError):
        round_feed(round=closed_round, by=office, standard_code="YDKP-2026", item_code="Y7", period_key="2026-10")
    for who in ("head_cardio", "leader", "employee"):
        with pytest.raises(RoundNotAllowed):
            round_feed(
                round=closed_round,
                by=getattr(world.s, who),
                standard_code="YDKP-2026",
                item_code="Y7",
                period_key="2026",
            )
    with pytest.raises(RoundError):
        round_feed(
            round=make_round(title="开放中"), by=office, standard_code="YDKP-2026", item_code="Y7", period_key="2026"
        )
    period_compute(standard_code="YDKP-2026", period_key="2026")
    period_finalize(standard_code="YDKP-2026", period_key="2026", reason="测试")
    with pytest.raises(RoundError):
        round_feed(round=closed_round, by=office, standard_code="YDKP-2026", item_code="Y7", period_key="2026")
    assert not RoundFeed.objects.exists()


def test_department_round_results(world, closed_round, make_round, submit):
    s = world.s
    assert department_round_results(department=s.ward, purpose="general") == []  # closed, not published
    services.round_publish(by=s.office, round=closed_round)
    (result,) = department_round_results(department=s.ward, purpose="general")
    assert result.round_id == closed_round.pk and result.period_key == "2026"
    assert result.score == Decimal("80.80")
    assert result.ratees == 5  # the employee, N1–N3 and N4 (no login)
    assert result.raters == 4  # N1, N2, N3 and the employee submitted
    # The parent department covers its ward; another department has nothing; purposes are separate.
    assert department_round_results(department=s.cardio, purpose="general")[0].score == Decimal("80.80")
    assert department_round_results(department=s.ortho, purpose="general") == []
    assert department_round_results(department=s.ward, purpose="commitment") == []
    assert department_round_results(department=s.ward, purpose="general", period_key="2025") == []
    # A later round where nothing reaches the minimum: score None, ratees counted.
    later = make_round(title="承诺践诺评议", purpose="commitment", period_key="2026-Q3", groups={"peer": Decimal(1)})
    submit(later, world.nurses[0].user, {world.employee: 88})
    later = services.round_close(by=s.office, round=later)
    services.round_publish(by=s.office, round=later)
    (commitment,) = department_round_results(department=s.ward, purpose="commitment")
    assert commitment.score is None and commitment.ratees == 5 and commitment.raters == 1
