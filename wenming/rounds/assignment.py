"""Who rates whom: the assignment rules, as a pure function of plain data (no database).

For each person evaluated (ratee):

* ``self`` — the ratee themselves, when they can log in;
* ``leader`` — every leader (leadership role with a staff record), except the ratee;
* ``branch`` — for a party member with a branch: the other party members of that branch;
* ``functional`` — a reproducible random sample of ``functional_sample`` staff of administrative
  (category ``admin``) departments;
* ``peer`` — the others of the ratee's department (all, or a reproducible sample of ``peer_sample``).

Only people with a login who are in post are raters (the caller passes only them). A rater who
qualifies for two groups of one ratee gets one ballot, by priority leaders > branch > functional >
peers; the samples are drawn after the higher groups took theirs, so a sample has its full size when
there are enough people. The same seed gives the same samples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .models import RaterGroup

PRIORITY = [RaterGroup.LEADER, RaterGroup.BRANCH, RaterGroup.FUNCTIONAL, RaterGroup.PEER]


@dataclass(frozen=True)
class Person:
    id: int
    department_id: int
    branch_id: int | None = None
    is_party_member: bool = False


@dataclass(frozen=True)
class Plan:
    groups: frozenset[str]
    functional_sample: int = 5
    peer_sample: int | None = None
    seed: int = 0


def _sample(candidates: list[int], size: int | None, *, seed: int, group: str, ratee: int) -> list[int]:
    ordered = sorted(candidates)
    if size is None or len(ordered) <= size:
        return ordered
    rng = random.Random(f"{seed}:{group}:{ratee}")
    return sorted(rng.sample(ordered, size))


def assign(
    *,
    plan: Plan,
    ratees: list[Person],
    raters: list[Person],
    leaders: set[int],
    functional: set[int],
) -> list[tuple[int, int, str]]:
    """``(rater id, ratee id, group)`` for every ballot. ``raters`` are the people who may rate
    (login, in post); ``leaders`` and ``functional`` are ids among them."""
    rater_ids = {p.id for p in raters}
    by_department: dict[int, list[int]] = {}
    by_branch: dict[int, list[int]] = {}
    for person in raters:
        by_department.setdefault(person.department_id, []).append(person.id)
        if person.is_party_member and person.branch_id is not None:
            by_branch.setdefault(person.branch_id, []).append(person.id)
    leader_ids = sorted(leaders & rater_ids)
    functional_ids = sorted(functional & rater_ids)

    ballots: list[tuple[int, int, str]] = []
    for ratee in ratees:
        if RaterGroup.SELF in plan.groups and ratee.id in rater_ids:
            ballots.append((ratee.id, ratee.id, RaterGroup.SELF))
        taken: set[int] = {ratee.id}
        for group in PRIORITY:
            if group not in plan.groups:
                continue
            if group == RaterGroup.LEADER:
                chosen = [r for r in leader_ids if r not in taken]
            elif group == RaterGroup.BRANCH:
                if not ratee.is_party_member or ratee.branch_id is None:
                    continue
                chosen = [r for r in by_branch.get(ratee.branch_id, []) if r not in taken]
            elif group == RaterGroup.FUNCTIONAL:
                pool = [r for r in functional_ids if r not in taken]
                chosen = _sample(pool, plan.functional_sample, seed=plan.seed, group=group, ratee=ratee.id)
            else:
                pool = [r for r in by_department.get(ratee.department_id, []) if r not in taken]
                chosen = _sample(pool, plan.peer_sample, seed=plan.seed, group=group, ratee=ratee.id)
            for rater in sorted(chosen):
                ballots.append((rater, ratee.id, group))
                taken.add(rater)
    return ballots
