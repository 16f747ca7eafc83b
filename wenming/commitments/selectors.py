"""Reads of commitments, scoped by :mod:`wenming.commitments.permissions`: the departments' year
at a glance, one department's standards, pledges and people, a person's own, the reviews, and the
accessors that answer None (the views: 404) alike for "missing" and "not yours". The public pages'
reads are in :mod:`wenming.commitments.public`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from wenming.feedback.models import CodeKind, RatingCode
from wenming.org.access import access_for
from wenming.org.models import Department, Staff, StaffStatus

from . import permissions
from .models import Commitment, CommitmentReview, Kind, ReviewStatus

# --- The departments' year ------------------------------------------------------------------------


@dataclass
class DepartmentYear:
    department: Department
    people: int = 0
    people_pledged: int = 0
    standards: int = 0
    pledges: int = 0

    @property
    def people_missing(self) -> int:
        return max(0, self.people - self.people_pledged)


def department_overview(*, access, year: int) -> list[DepartmentYear]:
    """Every active department the person may read, in tree order, with the year's counts: people
    in post, people with at least one pledge, the department's standards and pledges. Four queries."""
    departments = list(
        permissions.departments_in_scope(access).filter(is_active=True).only("pk", "code", "name", "path", "depth")
    )
    ids = [d.pk for d in departments]
    rows = {d.pk: DepartmentYear(d) for d in departments}
    for row in (
        Staff.objects.filter(department_id__in=ids, status=StaffStatus.ACTIVE)
        .values("department_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[row["department_id"]].people = row["n"]
    for row in (
        Commitment.objects.filter(
            year=year, staff__isnull=False, staff__status=StaffStatus.ACTIVE, staff__department_id__in=ids
        )
        .values("staff__department_id")
        .annotate(n=Count("staff_id", distinct=True))
        .order_by()
    ):
        rows[row["staff__department_id"]].people_pledged = row["n"]
    for row in (
        Commitment.objects.filter(year=year, staff__isnull=True, department_id__in=ids)
        .values("department_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["kind"] == Kind.STANDARD:
            rows[row["department_id"]].standards = row["n"]
        else:
            rows[row["department_id"]].pledges = row["n"]
    return [rows[pk] for pk in ids]


# --- One department -------------------------------------------------------------------------------


@dataclass
class DepartmentCommitments:
    department: Department
    year: int
    standards: list[Commitment] = field(default_factory=list)
    pledges: list[Commitment] = field(default_factory=list)
    people: list[Staff] = field(default_factory=list)  # each with .year_pledges


def people_in_post(department: Department) -> QuerySet[Staff]:
    """The department's staff in post (not those of the departments under it), its head first."""
    return (
        Staff.objects.filter(department=department, status=StaffStatus.ACTIVE)
        .select_related("party_branch")
        .order_by("staff_no")
    )


def head_first(people: list[Staff], department: Department) -> list[Staff]:
    return sorted(people, key=lambda s: (s.pk != department.head_id, s.staff_no))


def department_commitments(*, department: Department, year: int) -> DepartmentCommitments:
    """The department's standards and pledges of the year, and its people in post with theirs
    (a person who moved keeps the pledges made in their former department). Two queries."""
    people = head_first(list(people_in_post(department)), department)
    by_staff: dict[int, list[Commitment]] = defaultdict(list)
    result = DepartmentCommitments(department=department, year=year)
    rows = Commitment.objects.filter(
        Q(staff__isnull=True, department=department) | Q(staff_id__in=[p.pk for p in people]), year=year
    ).order_by("kind", "sort_order", "pk")
    for row in rows:
        if row.staff_id is None:
            (result.standards if row.kind == Kind.STANDARD else result.pledges).append(row)
        else:
            by_staff[row.staff_id].append(row)
    for person in people:
        person.year_pledges = by_staff.get(person.pk, [])
    result.people = people
    return result


def department_for_reader(*, user, code: str) -> Department | None:
    """The department with this code if the person may read its commitments."""
    access = access_for(user)
    department = Department.objects.select_related("head").filter(code=code).first()
    if department is None or not permissions.may_read_department(access, department):
        return None
    return department


def commitment_for_editor(*, user, pk: int) -> Commitment | None:
    """A commitment the person may change (None: missing or not theirs alike)."""
    commitment = Commitment.objects.select_related("department", "staff__department").filter(pk=pk).first()
    if commitment is None:
        return None
    if not permissions.may_edit_department(access_for(user), permissions.responsible_department(commitment)):
        return None
    return commitment


def own_commitments(*, staff: Staff, year: int) -> DepartmentCommitments:
    """A staff member's own pledges and their department's standards and pledges. Two queries."""
    result = DepartmentCommitments(department=staff.department, year=year)
    rows = Commitment.objects.filter(
        Q(staff__isnull=True, department_id=staff.department_id) | Q(staff=staff), year=year
    ).order_by("kind", "sort_order", "pk")
    mine = []
    for row in rows:
        if row.staff_id is not None:
            mine.append(row)
        elif row.kind == Kind.STANDARD:
            result.standards.append(row)
        else:
            result.pledges.append(row)
    staff.year_pledges = mine
    result.people = [staff]
    return result


def years_with_commitments() -> list[int]:
    return list(Commitment.objects.order_by("-year").values_list("year", flat=True).distinct())


# --- Printing -------------------------------------------------------------------------------------


def people_to_print(*, department: Department, year: int, staff_nos: list[str] | None = None) -> list[Staff]:
    """The people of a desk-sign or service-card sheet: the department's people in post (or those
    of them named), each with ``year_pledges``, ``rating_code`` (their active staff code or None)."""
    people = (
        people_in_post(department)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "rating_codes",
                queryset=RatingCode.objects.filter(kind=CodeKind.STAFF, active=True),
                to_attr="active_codes",
            ),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.filter(year=year).order_by("sort_order", "pk"),
                to_attr="year_pledges",
            ),
        )
    )
    if staff_nos is not None:
        people = people.filter(staff_no__in=staff_nos)
    people = head_first(list(people), department)
    for person in people:
        person.rating_code = person.active_codes[0] if person.active_codes else None
    return people


# --- Reviews --------------------------------------------------------------------------------------


def reviews_for_access(*, access) -> QuerySet[CommitmentReview]:
    """The reviews this person may read: the office every one (drafts too); the leadership group
    every published one; a head the published ones of the departments they head."""
    reviews = CommitmentReview.objects.select_related("department")
    if permissions.is_office(access):
        return reviews
    reviews = reviews.filter(status=ReviewStatus.PUBLISHED)
    if permissions.sees_all(access):
        return reviews
    return reviews.filter(department__in=permissions.departments_in_scope(access))


def review_periods(*, access) -> list[str]:
    return list(
        reviews_for_access(access=access).order_by("-period_key").values_list("period_key", flat=True).distinct()
    )


def review_for_user(*, user, pk: int) -> CommitmentReview | None:
    return reviews_for_access(access=access_for(user)).select_related("published_by").filter(pk=pk).first()


def review_counts(reviews: QuerySet[CommitmentReview]) -> dict:
    counts = reviews.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=Q(status=ReviewStatus.PUBLISHED)),
        concluded=Count("pk", filter=~Q(conclusion="")),
    )
    counts["drafts"] = counts["total"] - counts["published"]
    return counts
