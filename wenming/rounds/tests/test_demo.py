"""The demo rounds load on the demo hospital, show what they promise, and load only once."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from wenming.org.demo import load_demo
from wenming.org.models import Department
from wenming.rounds.demo import load_demo_rounds
from wenming.rounds.models import Ballot, Round, RoundState, Score
from wenming.rounds.selectors import ballot_rounds, department_round_results, round_results

TODAY = date(2026, 12, 6)


@pytest.fixture
def demo(db):
    load_demo(force=True)
    return load_demo_rounds(today=TODAY)


def test_demo_rounds(demo, client_for):
    User = get_user_model()
    assert len(demo.created) == 3
    published = Round.objects.filter(state=RoundState.PUBLISHED)
    assert set(published.values_list("purpose", "period_key")) == {("general", "2026"), ("commitment", "2026-Q3")}
    general = published.get(purpose="general")
    assert (
        Score.objects.filter(round=general).count()
        == Ballot.objects.filter(round=general, submitted_at__isnull=False).count()
    )
    results = round_results(round=general, user=User.objects.get(username="wmb"))
    assert results and any(r.outcome.total is not None for r in results)
    # Some groups stay below the minimum (one leader), and say so.
    assert any(g.group == "leader" and not g.shown for r in results for g in r.outcome.groups)
    assert any(g.group == "peer" and g.shown for r in results for g in r.outcome.groups)
    # The nurse has pending ballots in the open round.
    nurse = User.objects.get(username="nurse")
    (row,) = ballot_rounds(user=nurse)
    assert row.pending > 0 and row.round.state == RoundState.OPEN
    assert client_for(nurse).get(reverse("rounds:ballot", args=[row.round.pk])).status_code == 200
    # The commitments pages find the commitment review.
    (found,) = department_round_results(department=Department.objects.get(code="D01"), purpose="commitment")
    assert found.score is not None and found.ratees > 0 and found.raters > 0
    # Idempotent.
    assert load_demo_rounds(today=TODAY).created == []
    assert Round.objects.count() == 3
