"""The assignment rules: each group, the priority, reproducible samples, no self among peers,
party branch only."""

from __future__ import annotations

from wenming.org.models import Department, Role, RoleAssignment
from wenming.org.tests.factories import StaffFactory, UserFactory
from wenming.rounds.assignment import Person, Plan, assign
from wenming.rounds.models import Ballot, Ratee

ALL = frozenset({"self", "peer", "branch", "leader", "functional"})


def _people():
    # Department 1: 1, 2, 3 (1 and 2 in branch 10). Department 9 (admin): 90..99. Leader 50 (dept 9).
    raters = [Person(1, 1, 10, True), Person(2, 1, 10, True), Person(3, 1), Person(50, 9, 10, True)]
    raters += [Person(n, 9) for n in range(90, 100)]
    return raters


def _groups(ballots, ratee):
    return {(rater, group) for rater, r, group in ballots if r == ratee}


def test_each_group_and_priority():
    raters = _people()
    ballots = assign(
        plan=Plan(groups=ALL, functional_sample=3, seed=7),
        ratees=[Person(1, 1, 10, True)],
        raters=raters,
        leaders={50},
        functional={50, *range(90, 100)},
    )
    got = _groups(ballots, 1)
    assert (1, "self") in got
    assert (50, "leader") in got  # the leader is also a branch member and in an admin department: one ballot
    assert (2, "branch") in got  # party member of the branch: branch beats peer
    assert (3, "peer") in got
    assert sum(1 for _r, g in got if g == "functional") == 3
    assert all(r in range(90, 100) for r, g in got if g == "functional")
    raters_seen = [r for r, _g in got]
    assert len(raters_seen) == len(set(raters_seen))  # one ballot per rater for the ratee
    assert not any(r == 1 and g != "self" for r, g in got)  # never themselves outside self


def test_branch_only_for_party_members_and_only_their_branch():
    raters = [*_people(), Person(4, 1, 20, True)]
    ballots = assign(
        plan=Plan(groups=frozenset({"branch", "peer"})),
        ratees=[Person(3, 1)],
        raters=raters,
        leaders=set(),
        functional=set(),
    )
    assert {g for _r, _e, g in ballots} == {"peer"}  # 3 is not a party member
    ballots = assign(
        plan=Plan(groups=frozenset({"branch"})),
        ratees=[Person(1, 1, 10, True)],
        raters=raters,
        leaders=set(),
        functional=set(),
    )
    assert {r for r, _e, _g in ballots} == {2, 50}  # not 4 (branch 20), not 1 (themselves)


def test_samples_are_reproducible_and_seed_dependent():
    raters = _people()
    kwargs = {
        "ratees": [Person(1, 1), Person(2, 1)],
        "raters": raters,
        "leaders": set(),
        "functional": set(range(90, 100)),
    }
    first = assign(plan=Plan(groups=frozenset({"functional"}), functional_sample=4, seed=1), **kwargs)
    again = assign(plan=Plan(groups=frozenset({"functional"}), functional_sample=4, seed=1), **kwargs)
    assert first == again
    seeds = {
        tuple(assign(plan=Plan(groups=frozenset({"functional"}), functional_sample=4, seed=s), **kwargs))
        for s in range(6)
    }
    assert len(seeds) > 1
    assert len([b for b in first if b[1] == 1]) == 4


def test_peer_sample_excludes_self_and_respects_size():
    raters = [Person(n, 1) for n in range(1, 12)]
    ballots = assign(
        plan=Plan(groups=frozenset({"peer"}), peer_sample=5, seed=3),
        ratees=[Person(1, 1)],
        raters=raters,
        leaders=set(),
        functional=set(),
    )
    assert len(ballots) == 5
    assert all(r != 1 for r, _e, _g in ballots)


def test_open_builds_ballots_from_the_database(world, make_round):
    s = world.s
    RoleAssignment.objects.filter(user=s.leader).update()  # the leader (E9002, D09) has a staff record
    round = make_round(
        groups={"self": 10, "peer": 30, "branch": 20, "leader": 20, "functional": 20}, functional_sample=2
    )
    ratees = set(Ratee.objects.filter(round=round).values_list("staff__staff_no", flat=True))
    assert ratees == {"E0102", "N001", "N002", "N003", "N004"}  # the ward's staff in post, with or without login
    ballots = {
        (b.rater.staff_no, b.ratee.staff_no): b.group
        for b in Ballot.objects.filter(round=round).select_related("rater", "ratee")
    }
    assert ballots[("E0102", "E0102")] == "self"
    assert ("N004", "N004") not in ballots  # no login: never a rater
    assert not any(rater == "N004" for rater, _ in ballots)
    assert ballots[("E9002", "N003")] == "leader"
    assert ballots[("N001", "E0102")] == "branch"  # same branch beats peer
    assert ballots[("N003", "E0102")] == "peer"
    assert ballots[("N001", "N003")] == "peer"  # N003 is not a party member
    functional = [r for (r, e), g in ballots.items() if g == "functional" and e == "N001"]
    assert len(functional) == 2 and all(
        r in {"E9001", "E9003"} for r in functional
    )  # admin department staff, not the leader


def test_left_staff_and_inactive_logins_do_not_rate(world, make_round):
    world.nurses[2].status = "left"
    world.nurses[2].save()
    user = world.nurses[1].user
    user.is_active = False
    user.save()
    round = make_round()
    raters = set(Ballot.objects.filter(round=round).values_list("rater__staff_no", flat=True))
    assert "N003" not in raters and "N002" not in raters
    assert not Ratee.objects.filter(round=round, staff__staff_no="N003").exists()


def test_leaders_need_a_staff_record(world, make_round):
    lone = UserFactory(username="lone_leader")
    RoleAssignment.objects.create(user=lone, role=Role.LEADERSHIP)
    StaffFactory(staff_no="L1", name="无账号领导", department=Department.objects.get(code="D09"))
    round = make_round(groups={"leader": 100})
    raters = set(Ballot.objects.filter(round=round).values_list("rater__staff_no", flat=True))
    assert raters == {"E9002"}
