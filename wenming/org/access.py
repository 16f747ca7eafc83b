"""Who may see and do what. Every view goes through this module.

``access_for(user)`` answers the questions a view asks ("may this person manage the
organisation?", "which departments may they see?"). Objects a URL names are fetched with
the ``*_for_user`` accessors, which answer 404 alike for "missing" and "not yours"
(healthchecks' ``_get_check_for_user``, zulip's ``access_stream_by_id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce, wraps
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Department, Role, RoleAssignment, Staff

# Roles that see every department (read); a department head and staff see their own.
HOSPITAL_WIDE_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.OFFICE, Role.LEADERSHIP, Role.INSPECTOR})


@dataclass(frozen=True)
class Access:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    # Paths of the departments a department head is responsible for (each covers its subtree).
    head_paths: tuple[str, ...] = ()
    staff_id: int | None = None
    staff_department_id: int | None = None
    is_superuser: bool = False
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # --- roles ----------------------------------------------------------------------
    def has(self, role: str) -> bool:
        return role in self.roles or (self.is_superuser and role == Role.SYSTEM_ADMIN)

    @property
    def is_system_admin(self) -> bool:
        return self.has(Role.SYSTEM_ADMIN)

    @property
    def is_office(self) -> bool:
        return self.has(Role.OFFICE)

    @property
    def sees_whole_hospital(self) -> bool:
        return self.is_superuser or bool(self.roles & HOSPITAL_WIDE_ROLES)

    @property
    def is_department_head(self) -> bool:
        return bool(self.head_paths)

    # --- capabilities ---------------------------------------------------------------
    @property
    def can_manage_org(self) -> bool:
        """Edit departments, staff and party organisations, run imports (文明办, system admin)."""
        return self.is_system_admin or self.is_office

    @property
    def can_view_audit(self) -> bool:
        return self.is_system_admin or self.is_office

    @property
    def can_use_admin(self) -> bool:
        return self.is_system_admin

    @property
    def can_browse_org(self) -> bool:
        """May open the department and staff lists at all."""
        return self.sees_whole_hospital or self.is_department_head or self.staff_department_id is not None

    @property
    def can_manage_standards(self) -> bool:
        """Upload and edit assessment standards; compute, finalize and correct periods (文明办)."""
        return self.is_system_admin or self.is_office

    @property
    def can_enter_scores(self) -> bool:
        """Enter manual scores, bonuses and vetoes (文明办, 领导小组)."""
        return self.is_system_admin or self.is_office or self.has(Role.LEADERSHIP)

    @property
    def can_view_rankings(self) -> bool:
        """See every department's results: rankings, pay linkage, bulletins."""
        return self.sees_whole_hospital

    @property
    def can_view_scores(self) -> bool:
        """Open scorecards at all: the whole-hospital roles, and heads for their departments."""
        return self.sees_whole_hospital or self.is_department_head

    def can_see_full_phone(self, staff: Staff) -> bool:
        return self.is_system_admin or self.is_office or (self.staff_id is not None and staff.pk == self.staff_id)

    # --- scoping --------------------------------------------------------------------
    def _department_filter(self, prefix: str = "") -> Q | None:
        """A filter for the departments this person may see; None means all of them."""
        if self.sees_whole_hospital:
            return None
        parts = [Q(**{f"{prefix}path__startswith": path}) for path in self.head_paths]
        if self.staff_department_id is not None:
            parts.append(Q(**{f"{prefix}pk": self.staff_department_id}))
        if not parts:
            return Q(pk__in=[])
        return reduce(or_, parts)

    def departments(self) -> QuerySet[Department]:
        qs = Department.objects.all()
        flt = self._department_filter()
        return qs if flt is None else qs.filter(flt)

    def staff(self) -> QuerySet[Staff]:
        qs = Staff.objects.all()
        flt = self._department_filter("department__")
        return qs if flt is None else qs.filter(flt)

    def may_see_department(self, department: Department) -> bool:
        if self.sees_whole_hospital:
            return True
        if department.pk == self.staff_department_id:
            return True
        return any(department.path.startswith(path) for path in self.head_paths)

    def headed(self, prefix: str = "") -> Q:
        """A filter for the departments this person heads, each with those under it; ``prefix`` is
        the way from the model filtered to a department (``"department__"``). Matches nothing for
        someone who heads no department."""
        if not self.head_paths:
            return Q(pk__in=[])
        return reduce(or_, [Q(**{f"{prefix}path__startswith": path}) for path in self.head_paths])

    def heads_department(self, department: Department) -> bool:
        """Is this person head of the department (or of one above it)?"""
        return any(department.path.startswith(path) for path in self.head_paths)


ANONYMOUS = Access(user_id=None)


def access_for(user) -> Access:
    """The access of a user, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_wenming_access", None)
    if cached is not None:
        return cached
    assignments = list(RoleAssignment.objects.filter(user=user).prefetch_related("departments"))
    roles = frozenset(a.role for a in assignments)
    head_paths = tuple(
        sorted({d.path for a in assignments if a.role == Role.DEPARTMENT_HEAD for d in a.departments.all()})
    )
    staff = Staff.objects.filter(user=user, status="active").only("pk", "department_id").first()
    access = Access(
        user_id=user.pk,
        roles=roles | ({Role.STAFF} if staff is not None else frozenset()),
        head_paths=head_paths,
        staff_id=staff.pk if staff else None,
        staff_department_id=staff.department_id if staff else None,
        is_superuser=user.is_superuser,
    )
    user._wenming_access = access
    return access


def require(capability: str) -> Callable:
    """View decorator: 403 unless ``access_for(request.user).<capability>`` is true.
    Login is checked first (anonymous users go to the login page)."""
    from django.contrib.auth.decorators import login_required

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not getattr(access_for(request.user), capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_check(check: Callable[[Access], bool], *, not_found: bool = False) -> Callable:
    """View decorator: login first, then 403 (404 with ``not_found``, for pages whose very
    existence is not the person's business) unless ``check(access_for(request.user))``."""
    from django.contrib.auth.decorators import login_required

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(access_for(request.user)):
                raise Http404 if not_found else PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def department_for_user(user, code: str) -> Department:
    """The department with this code if the user may see it, else 404."""
    try:
        return access_for(user).departments().select_related("parent", "head").get(code=code)
    except Department.DoesNotExist:
        raise Http404 from None


def staff_for_user(user, staff_no: str) -> Staff:
    """The staff member with this number if the user may see them, else 404."""
    try:
        return access_for(user).staff().select_related("department", "party_branch", "user").get(staff_no=staff_no)
    except Staff.DoesNotExist:
        raise Http404 from None
