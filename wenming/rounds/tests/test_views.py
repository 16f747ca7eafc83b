"""The pages: who may open what (every refusal), forms keeping their input, the ballot grid, the
sealed export page, and anonymity on the pages of the person evaluated, the head and the office."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.core.models import AuditEntry
from wenming.rounds import services
from wenming.rounds.models import Ballot, Round, RoundState, Score


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def scored(world, make_round, submit):
    """The employee scored 61/77/93 by the three nurses (peers); N1 scored by two (77, 80)."""
    round = make_round(groups={"self": Decimal(10), "peer": Decimal(90)})
    n1, n2, n3 = world.nurses
    submit(round, n1.user, {world.employee: 61})
    submit(round, n2.user, {world.employee: 77, n1: 77})
    submit(round, n3.user, {world.employee: 93, n1: 80})
    return round


# --- Who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("office", 200), ("sysadmin", 200), ("leader", 200), ("head_cardio", 200), ("employee", 404), ("inspector", 404)],
)
def test_list_access(world, client_for, who, status):
    assert client_for(getattr(world.s, who)).get(reverse("rounds:list")).status_code == status


def test_anonymous_goes_to_login(world, client, make_round):
    round = make_round()
    for url in (reverse("rounds:list"), reverse("rounds:ballots"), reverse("rounds:detail", args=[round.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_list_shows_rounds_by_role(world, client_for, make_round):
    draft = make_round(title="草稿轮次", open=False)
    ward = make_round(title="病区轮次")
    ortho = make_round(title="骨科轮次", departments=[world.s.ortho])
    office = client_for(world.s.office).get(reverse("rounds:list")).content.decode()
    assert all(t in office for t in ("草稿轮次", "病区轮次", "骨科轮次"))
    head = client_for(world.s.head_ortho).get(reverse("rounds:list")).content.decode()
    assert "骨科轮次" in head and "病区轮次" not in head and "草稿轮次" not in head
    leader = client_for(world.s.leader).get(reverse("rounds:list")).content.decode()
    assert "草稿轮次" not in leader and "病区轮次" in leader
    for user, pk in ((world.s.head_ortho, ward.pk), (world.s.head_cardio, ortho.pk), (world.s.leader, draft.pk)):
        assert client_for(user).get(reverse("rounds:detail", args=[pk])).status_code == 404
    assert client_for(world.s.office).get(reverse("rounds:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("head_cardio", 403), ("leader", 403), ("employee", 404), ("inspector", 404)]
)
def test_office_only_pages(world, client_for, make_round, who, status):
    draft = make_round(open=False)
    opened = make_round()
    client = client_for(getattr(world.s, who))
    assert client.get(reverse("rounds:new")).status_code == status
    edit = client.get(reverse("rounds:edit", args=[draft.pk])).status_code
    assert edit == (404 if who in ("head_cardio", "leader") else status)  # a draft is not theirs to see
    response = client.post(reverse("rounds:act", args=[opened.pk, "close"]), {"version": opened.version})
    assert response.status_code == status
    assert client.get(reverse("rounds:feed", args=[opened.pk])).status_code == status
    opened.refresh_from_db()
    assert opened.state == RoundState.OPEN


def test_create_round_keeps_input_on_error_and_saves(world, client_for):
    client = client_for(world.s.office)
    now = timezone.localtime()
    data = {
        "title": "2026年度民主测评",
        "purpose": "general",
        "period_key": "2026-13",
        "departments": [world.s.ward.pk],
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "min_raters": 3,
        "functional_sample": 5,
        "weight_peer": "60",
        "weight_leader": "40",
    }
    response = client.post(reverse("rounds:new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年度民主测评" in page and 'value="60' in page
    assert not Round.objects.exists()
    data["period_key"] = "2026"
    response = client.post(reverse("rounds:new"), data)
    round = Round.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rounds:detail", args=[round.pk])
    assert dict(round.groups.values_list("group", "weight")) == {"peer": Decimal(60), "leader": Decimal(40)}


def test_edit_conflict_keeps_input(world, client_for, make_round):
    round = make_round(open=False)
    client = client_for(world.s.office)
    page = client.get(reverse("rounds:edit", args=[round.pk]))
    assert page.status_code == 200
    Round.objects.filter(pk=round.pk).update(version=5)
    now = timezone.localtime()
    data = {
        "title": "新的标题",
        "purpose": "general",
        "period_key": "2026",
        "departments": [world.s.ward.pk],
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "min_raters": 3,
        "functional_sample": 5,
        "weight_peer": "100",
        "version": 1,
    }
    response = client.post(reverse("rounds:edit", args=[round.pk]), data)
    assert response.status_code == 200 and "新的标题" in response.content.decode()
    round.refresh_from_db()
    assert round.title != "新的标题"


def test_state_actions(world, client_for, make_round):
    client = client_for(world.s.office)
    round = make_round(open=False)
    client.post(reverse("rounds:act", args=[round.pk, "open"]), {"version": round.version})
    round.refresh_from_db()
    assert round.state == RoundState.OPEN and Ballot.objects.filter(round=round).exists()
    response = client.post(reverse("rounds:act", args=[round.pk, "remind"]), follow=True)
    assert response.status_code == 200
    client.post(reverse("rounds:act", args=[round.pk, "close"]), {"version": 1})  # stale: refused
    round.refresh_from_db()
    assert round.state == RoundState.OPEN
    client.post(reverse("rounds:act", args=[round.pk, "close"]), {"version": round.version})
    round.refresh_from_db()
    client.post(reverse("rounds:act", args=[round.pk, "publish"]), {"version": round.version})
    round.refresh_from_db()
    assert round.state == RoundState.PUBLISHED
    assert client.post(reverse("rounds:act", args=[round.pk, "explode"])).status_code == 404


# --- Ballots --------------------------------------------------------------------------------------


def test_ballots_pages(world, client_for, make_round):
    round = make_round()
    other = make_round(title="骨科轮次", departments=[world.s.ortho], groups={"peer": Decimal(1)})
    client = client_for(world.nurses[0].user)
    page = client.get(reverse("rounds:ballots")).content.decode()
    assert round.title in page and "骨科轮次" not in page
    assert client.get(reverse("rounds:ballot", args=[other.pk])).status_code == 404  # no ballots there
    # No staff record: no ballots pages at all.
    assert client_for(world.s.sysadmin).get(reverse("rounds:ballots")).status_code == 404


def test_ballot_grid_submit_keeps_input_on_error(world, client_for, make_round):
    round = make_round()
    user = world.nurses[0].user
    client = client_for(user)
    url = reverse("rounds:ballot", args=[round.pk])
    page = client.get(url).content.decode()
    assert "郑爽" in page
    assert 'data-testid="anonymity-note"' in page
    mine = list(Ballot.objects.filter(round=round, rater=world.nurses[0]).order_by("pk"))
    response = client.post(url, {f"score_{mine[0].pk}": "150", f"score_{mine[1].pk}": "88"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="150"' in html and 'value="88"' in html
    assert not Score.objects.exists()
    response = client.post(url, {f"score_{mine[1].pk}": "88"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f'data-testid="ballot-{mine[1].pk}"' not in page  # a submitted ballot is not shown again
    assert f'data-testid="ballot-{mine[0].pk}"' in page
    assert Ballot.objects.filter(round=round, submitted_at__isnull=False).get() == mine[1]
    # Someone else's ballot id posted here is ignored (only the rater's own pending ballots are fields).
    theirs = Ballot.objects.filter(round=round).exclude(rater=world.nurses[0]).first()
    client.post(url, {f"score_{theirs.pk}": "10"})
    assert Ballot.objects.filter(round=round, submitted_at__isnull=False).count() == 1
    assert not Score.objects.exists()  # scores are written from the seals when the round closes
    services.round_close(by=world.s.office, round=round)
    assert Score.objects.get().value == 88


def test_ballot_grid_after_close(world, client_for, make_round):
    round = make_round()
    ballot = Ballot.objects.filter(round=round, rater=world.nurses[0]).first()
    services.round_close(by=world.s.office, round=round)
    client = client_for(world.nurses[0].user)
    url = reverse("rounds:ballot", args=[round.pk])
    assert 'data-testid="closed"' in client.get(url).content.decode()
    client.post(url, {f"score_{ballot.pk}": "80"})
    assert not Score.objects.exists()


# --- Anonymity on the pages -----------------------------------------------------------------------


def _assert_no_individual_scores(html: str, names=("钱芳", "孙丽", "李静")):
    text = _text(html)
    assert not re.search(r"(?<![\d.])61(?![\d])", text)
    assert not re.search(r"(?<![\d.])93(?![\d])", text)
    assert all(m == "77.00" for m in re.findall(r"(?<![\d.])77(?:\.\d+)?", text))


def test_office_head_and_ratee_pages_never_show_individual_scores(world, client_for, scored):
    round = services.round_close(by=world.s.office, round=scored)
    office = client_for(world.s.office).get(reverse("rounds:detail", args=[round.pk])).content.decode()
    results = office[office.index('data-testid="results"') :]
    assert "77.00" in results
    _assert_no_individual_scores(office)
    for name in ("钱芳", "孙丽", "李静"):  # raters' names never next to scores in the results table
        row = re.search(r'data-testid="result-E0102".*?</tr>', results, re.S).group(0)
        assert name not in row
    # N1 got two peer scores (77, 80): not shown.
    row = re.search(r'data-testid="result-N001".*?</tr>', results, re.S).group(0)
    assert 'data-testid="hidden"' in row and "78.50" not in row and "80" not in _text(row)
    round = services.round_publish(by=world.s.office, round=round)
    head = client_for(world.s.head_cardio).get(reverse("rounds:detail", args=[round.pk])).content.decode()
    assert "77.00" in head
    _assert_no_individual_scores(head)
    mine = client_for(world.s.employee).get(reverse("rounds:mine")).content.decode()
    assert "77.00" in mine
    _assert_no_individual_scores(mine)
    for name in ("钱芳", "孙丽", "李静"):
        assert name not in mine
    n1 = client_for(world.nurses[0].user).get(reverse("rounds:mine")).content.decode()
    assert 'data-testid="hidden"' in n1 and "78.50" not in n1


def test_results_hidden_while_open_and_from_heads_until_published(world, client_for, scored):
    office = client_for(world.s.office).get(reverse("rounds:detail", args=[scored.pk])).content.decode()
    assert 'data-testid="results-hidden"' in office and "77.00" not in office
    round = services.round_close(by=world.s.office, round=scored)
    head = client_for(world.s.head_cardio).get(reverse("rounds:detail", args=[round.pk])).content.decode()
    assert 'data-testid="results-hidden"' in head
    assert "77.00" not in client_for(world.s.employee).get(reverse("rounds:mine")).content.decode()


def test_completion_on_the_page_shows_names_not_scores(world, client_for, scored):
    page = client_for(world.s.head_cardio).get(reverse("rounds:detail", args=[scored.pk])).content.decode()
    completion = page[
        page.index('data-testid="completion"') : page.index("</table>", page.index('data-testid="completion"'))
    ]
    assert "郑爽" in completion  # still to vote
    _assert_no_individual_scores(page)
    leader = client_for(world.s.leader).get(reverse("rounds:detail", args=[scored.pk])).content.decode()
    completion = leader[leader.index('data-testid="completion"') :]
    assert "郑爽" not in completion.split("</table>")[0]


# --- The sealed export page -----------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("office", 403), ("leader", 403), ("head_cardio", 403), ("employee", 404)])
def test_sealed_page_refusals(world, client_for, scored, who, status):
    client = client_for(getattr(world.s, who))
    assert client.get(reverse("rounds:sealed", args=[scored.pk])).status_code == status
    assert (
        client.post(reverse("rounds:sealed", args=[scored.pk]), {"reason": "x", "confirm": "on"}).status_code == status
    )
    assert not AuditEntry.objects.filter(action="rounds.ballots.unsealed").exists()


def test_sealed_page_for_sysadmin(world, client_for, scored):
    client = client_for(world.s.sysadmin)
    url = reverse("rounds:sealed", args=[scored.pk])
    assert 'data-testid="warning"' in client.get(url).content.decode()
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 200 and not AuditEntry.objects.filter(action="rounds.ballots.unsealed").exists()
    response = client.post(url, {"reason": "信访调查"})
    assert response.status_code == 200  # the confirmation is required too
    response = client.post(url, {"reason": "信访调查", "confirm": "on"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.get(action="rounds.ballots.unsealed").data["reason"] == "信访调查"


def test_feed_page(world, client_for, scored):
    from wenming.standards.demo import load_example_standards

    load_example_standards()
    round = services.round_close(by=world.s.office, round=scored)
    round = services.round_publish(by=world.s.office, round=round)
    client = client_for(world.s.office)
    url = reverse("rounds:feed", args=[round.pk])
    response = client.post(url, {"standard_code": "YDKP-2026", "item_code": "Y1", "period_key": "2026"})
    assert response.status_code == 200 and "Y1" in response.content.decode()
    response = client.post(url, {"standard_code": "YDKP-2026", "item_code": "Y7", "period_key": "2026"})
    assert response.status_code == 302


# --- Query counts ---------------------------------------------------------------------------------


def _more_staff(world, n):
    from wenming.org.tests.factories import StaffFactory, UserFactory

    for i in range(n):
        StaffFactory(staff_no=f"X{i:03d}", name="新人", department=world.s.ward, user=UserFactory(username=f"x{i}"))


@pytest.mark.parametrize("extra", [0, 6])
def test_detail_page_query_count_does_not_grow(world, client_for, make_round, submit, django_assert_num_queries, extra):
    _more_staff(world, extra)
    round = make_round()
    for nurse in world.nurses:
        submit(round, nurse.user, {world.employee: 80})
    round = services.round_close(by=world.s.office, round=round)
    client = client_for(world.s.office)
    client.get(reverse("rounds:detail", args=[round.pk]))  # warm up the session and caches
    with django_assert_num_queries(19):
        assert client.get(reverse("rounds:detail", args=[round.pk])).status_code == 200


def test_selector_query_counts(world, scored, django_assert_num_queries):
    from wenming.rounds.selectors import round_completion, round_results

    round = services.round_close(by=world.s.office, round=scored)
    office = world.s.office
    from wenming.org.access import access_for

    access_for(office)
    with django_assert_num_queries(3):  # groups, people, scores (no patient group: no feedback query)
        assert len(round_results(round=round, user=office)) == 5
    with django_assert_num_queries(3):
        assert round_completion(round=round, user=office).rows


@pytest.mark.parametrize("rounds", [1, 3])
def test_ballots_list_query_count(world, client_for, make_round, django_assert_num_queries, rounds):
    for i in range(rounds):
        make_round(title=f"轮次{i}")
    client = client_for(world.nurses[0].user)
    client.get(reverse("rounds:ballots"))
    with django_assert_num_queries(10):
        page = client.get(reverse("rounds:ballots"))
    assert page.content.decode().count('data-testid="ballot-round-') == rounds


def test_my_results_query_count(world, client_for, scored, django_assert_num_queries):
    round = services.round_close(by=world.s.office, round=scored)
    services.round_publish(by=world.s.office, round=round)
    client = client_for(world.s.employee)
    client.get(reverse("rounds:mine"))
    with django_assert_num_queries(12):
        assert client.get(reverse("rounds:mine")).status_code == 200
