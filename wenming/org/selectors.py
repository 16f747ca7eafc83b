"""Reads of the organisation, already scoped to the person asking."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Department, Hospital, PartyOrganization, RoleAssignment, Staff, StaffStatus

HOSPITAL_CACHE_KEY = "org:hospital"


# The settings are read several times a request (names, the time zone): each process keeps them
# LOCAL_SECONDS before asking the shared cache again.
LOCAL_SECONDS = 5
_local: dict[str, tuple[float, Hospital]] = {}


def current_hospital() -> Hospital:
    """The hospital's settings (cached in the process for a few seconds and in the shared cache;
    :func:`hospital_forget` clears both when they change). Before set-up, an unsaved default named
    after the product."""
    now = time.monotonic()
    held = _local.get(HOSPITAL_CACHE_KEY)
    if held is not None and now - held[0] < LOCAL_SECONDS:
        return held[1]
    hospital = cache.get(HOSPITAL_CACHE_KEY)
    if hospital is None:
        hospital = Hospital.objects.filter(pk=1).first() or Hospital(
            pk=1, name=str(settings.WENMING_PRODUCT_NAME), time_zone=settings.TIME_ZONE
        )
        cache.set(HOSPITAL_CACHE_KEY, hospital, 300)
    _local[HOSPITAL_CACHE_KEY] = (now, hospital)
    return hospital


def hospital_forget() -> None:
    """The settings changed: drop them from this process and the shared cache (other processes
    read them again within LOCAL_SECONDS)."""
    _local.clear()
    cache.delete(HOSPITAL_CACHE_KEY)


def hospital_today() -> date:
    """Today's date on the hospital's calendar (its time zone, Asia/Shanghai by default)."""
    return timezone.now().astimezone(ZoneInfo(current_hospital().time_zone)).date()


def dashboard_facts(*, access) -> dict:
    """The organisation's figures for the home page, within what the person may see."""
    from django.db.models import Count, Q

    from .models import DepartmentCategory, StaffStatus

    departments = access.departments()
    staff = access.staff().filter(status=StaffStatus.ACTIVE)
    by_category = dict(
        departments.filter(is_active=True).values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    counts = staff.aggregate(total=Count("pk"), party=Count("pk", filter=Q(is_party_member=True)))
    return {
        "departments": sum(by_category.values()),
        "departments_by_category": [
            {"label": label, "value": value, "count": by_category.get(value, 0)}
            for value, label in DepartmentCategory.choices
        ],
        "staff": counts["total"],
        "party_members": counts["party"],
        "left_staff": access.staff().filter(status=StaffStatus.LEFT).count(),
    }


# --- Departments ------------------------------------------------------------------------------

_ACTIVE_STAFF = Q(staff__status=StaffStatus.ACTIVE)


def department_tree(*, access, category: str | None = None, include_inactive: bool = False) -> list[Department]:
    """The departments ``access`` may see, in tree order (pre-order; siblings by order, then code).

    One query. Each department carries:

    * ``staff_own`` / ``party_own``: staff in post (and party members among them) in the department;
    * ``staff_total`` / ``party_total``: the same including every visible sub-department, whatever
      the display filters hide;
    * ``level``: depth in the displayed tree (0 = a root of what is shown), ``tree_children``: the
      displayed children;
    * ``head`` loaded.

    ``category`` and ``include_inactive`` filter what is shown; a shown department whose parent is
    hidden (or invisible to this person) hangs under its nearest shown ancestor, or becomes a root.
    """
    rows = list(
        access.departments()
        .select_related("head")
        .annotate(
            staff_own=Count("staff", filter=_ACTIVE_STAFF),
            party_own=Count("staff", filter=_ACTIVE_STAFF & Q(staff__is_party_member=True)),
        )
        .order_by("path")
    )
    by_pk = {d.pk: d for d in rows}
    for dept in rows:
        dept.staff_total, dept.party_total = dept.staff_own, dept.party_own
        dept.tree_children = []
    # Deepest first: each department has its subtree total before it is added to its parent.
    for dept in sorted(rows, key=lambda d: d.depth, reverse=True):
        parent = by_pk.get(dept.parent_id)
        if parent is not None:
            parent.staff_total += dept.staff_total
            parent.party_total += dept.party_total

    def shown(dept: Department) -> bool:
        return (include_inactive or dept.is_active) and (not category or dept.category == category)

    roots: list[Department] = []
    for dept in rows:  # path order: an ancestor is always seen before its descendants
        if not shown(dept):
            continue
        anchor = by_pk.get(dept.parent_id)
        while anchor is not None and not shown(anchor):
            anchor = by_pk.get(anchor.parent_id)
        (anchor.tree_children if anchor is not None else roots).append(dept)

    ordered: list[Department] = []

    def walk(nodes: list[Department], level: int) -> None:
        nodes.sort(key=lambda d: (d.sort_order, d.code))
        for node in nodes:
            node.level = level
            ordered.append(node)
            walk(node.tree_children, level + 1)

    walk(roots, 0)
    return ordered


@dataclass(frozen=True)
class DepartmentFacts:
    staff_own: int
    staff_total: int
    party_total: int
    active_staff_in_inactive: int


def department_facts(*, access, department: Department) -> DepartmentFacts:
    """Counts for a department's page (one query): staff in post in it, and including its
    sub-departments, party members in its subtree, and how many staff in post there are in it
    while it is inactive (the page warns about them)."""
    counts = (
        access.staff()
        .filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
        .aggregate(
            total=Count("pk"),
            own=Count("pk", filter=Q(department=department)),
            party=Count("pk", filter=Q(is_party_member=True)),
        )
    )
    return DepartmentFacts(
        staff_own=counts["own"],
        staff_total=counts["total"],
        party_total=counts["party"],
        active_staff_in_inactive=0 if department.is_active else counts["own"],
    )


def department_children(*, access, department: Department) -> list[Department]:
    """The visible direct sub-departments (active and inactive), with ``staff_own`` and ``head``."""
    return list(
        access.departments()
        .filter(parent=department)
        .select_related("head")
        .annotate(staff_own=Count("staff", filter=_ACTIVE_STAFF))
        .order_by("sort_order", "code")
    )


def department_staff(*, access, department: Department) -> QuerySet[Staff]:
    """Staff in post in the department itself (not its sub-departments), for its page."""
    return (
        access.staff()
        .filter(department=department, status=StaffStatus.ACTIVE)
        .select_related("department")
        .order_by("staff_no")
    )


# --- Staff ------------------------------------------------------------------------------------

STATUS_ALL = "all"


def staff_search(
    *,
    access,
    q: str = "",
    department_code: str = "",
    status: str = StaffStatus.ACTIVE,
    party: bool | None = None,
) -> QuerySet[Staff]:
    """The staff ``access`` may see that match, ordered by staff number, department loaded.

    * ``q`` matches the name (contains), the staff number (contains), the pinyin initials
      (starts with: "zt" finds 周涛) or the full pinyin (starts with: "zhout" finds 周涛);
    * ``department_code`` keeps that department and everything under it (an invisible or unknown
      code leaves nothing, since the result stays inside what the person may see);
    * ``status`` is "active" (the default), "left" or "all";
    * ``party`` True / False keeps party members / the others; None keeps both.
    """
    qs = access.staff().select_related("department")
    q = (q or "").strip()
    if q:
        letters = "".join(q.split()).lower()
        match = Q(name__icontains=q) | Q(staff_no__icontains=q)
        if letters:
            match |= Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters)
        qs = qs.filter(match)
    if department_code:
        # The code as a whole segment of the path: "D01/…" at the root or "…/D01/…" deeper down.
        qs = qs.filter(
            Q(department__path__startswith=f"{department_code}/") | Q(department__path__contains=f"/{department_code}/")
        )
    if status and status != STATUS_ALL:
        qs = qs.filter(status=status)
    if party is not None:
        qs = qs.filter(is_party_member=party)
    return qs.order_by("staff_no")


def staff_phone(*, access, staff: Staff) -> str:
    """The phone as this person may see it: in full for the person themselves, the office and
    system administrators; masked (138****0000) for everyone else."""
    return staff.phone if access.can_see_full_phone(staff) else staff.masked_phone


def with_display_phones(*, access, staff: Iterable[Staff]) -> list[Staff]:
    """The staff as a list, each with ``display_phone`` set by :func:`staff_phone`."""
    rows = list(staff)
    for member in rows:
        member.display_phone = staff_phone(access=access, staff=member)
    return rows


# The staff import format's headers (spec: shared/spec/interchange.md). They are part of a file
# format that must read the same in every language, so they are fixed here and not translated.
# The export adds the department's name and the status after them; the import ignores both.
STAFF_EXPORT_HEADERS = ("工号", "姓名", "科室编码", "职称", "岗位", "党员", "手机", "科室名称", "状态")
PARTY_YES, PARTY_NO = "是", "否"


def staff_export_rows(*, access, staff: QuerySet[Staff]) -> Iterator[tuple]:
    """Rows for :data:`STAFF_EXPORT_HEADERS`, streamed in chunks; phones as :func:`staff_phone`."""
    for member in staff.iterator(chunk_size=2000):
        yield (
            member.staff_no,
            member.name,
            member.department.code,
            member.title,
            member.post,
            PARTY_YES if member.is_party_member else PARTY_NO,
            staff_phone(access=access, staff=member),
            member.department.name,
            str(member.get_status_display()),
        )


def account_roles(*, user) -> list[RoleAssignment]:
    """The roles of a login account with their departments (two queries), by role."""
    if user is None:
        return []
    return list(RoleAssignment.objects.filter(user=user).prefetch_related("departments").order_by("role"))


# --- Party organisation -----------------------------------------------------------------------


def party_tree(*, access) -> list[PartyOrganization]:
    """The party organisations in tree order (one query), each with ``secretary`` loaded,
    ``members_own`` (staff in post in it), ``members_total`` (including its sub-organisations),
    ``level`` and ``tree_children``. Only whole-hospital roles see the party organisation."""
    if not access.sees_whole_hospital:
        return []
    rows = list(
        PartyOrganization.objects.select_related("secretary").annotate(
            members_own=Count("members", filter=Q(members__status=StaffStatus.ACTIVE))
        )
    )
    by_pk = {org.pk: org for org in rows}
    roots: list[PartyOrganization] = []
    for org in rows:
        org.tree_children = []
    for org in rows:
        parent = by_pk.get(org.parent_id)
        (parent.tree_children if parent is not None else roots).append(org)

    ordered: list[PartyOrganization] = []

    def walk(nodes: list[PartyOrganization], level: int) -> int:
        total = 0
        nodes.sort(key=lambda o: (o.sort_order, o.code))
        for node in nodes:
            node.level = level
            ordered.append(node)
            node.members_total = node.members_own + walk(node.tree_children, level + 1)
            total += node.members_total
        return total

    walk(roots, 0)
    return ordered
