"""Reads of patient feedback and rating codes.

The public page looks its code up through :func:`code_lookup`, cached (a scan costs no query once
the code is warm; unknown codes are remembered briefly too). The office's reads take the person's
``access`` and return only what it may see: the civility office and system administrators see
everything, a department head the feedback of their departments (read-only), nobody else anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from wenming.org.models import Department, Staff, StaffStatus

from .models import CodeKind, Feedback, RatingCode, ReviewStatus

CODE_PATTERN = re.compile(r"[A-Z2-7]{10}")
CODE_CACHE_SECONDS = 300
UNKNOWN_CODE_CACHE_SECONDS = 60
_UNKNOWN = "-"


@dataclass(frozen=True)
class CodeInfo:
    """What the public page and the submit path need to know about a code (cached as it is)."""

    pk: int
    code: str
    kind: str
    department_id: int
    department_name: str
    staff_id: int | None
    staff_name: str
    staff_title: str
    label: str

    @property
    def is_staff(self) -> bool:
        return self.kind == CodeKind.STAFF


def public_url(code: str) -> str:
    """The absolute address a code's QR holds (WENMING_BASE_URL + ``/r/<code>/``)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.WENMING_BASE_URL.rstrip("/") + reverse("rate:rate", args=[code])


def code_cache_key(code: str) -> str:
    return f"feedback:code:{code}"


def normalize_code(code: str) -> str | None:
    """The code in its stored form (upper case), or None when it cannot be one of ours."""
    code = (code or "").strip().upper()
    return code if CODE_PATTERN.fullmatch(code) else None


def code_lookup(code: str) -> CodeInfo | None:
    """The active code with this text whose department (and staff member) is still active, or None."""
    code = normalize_code(code)
    if code is None:
        return None
    key = code_cache_key(code)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == _UNKNOWN else cached
    row = (
        RatingCode.objects.filter(code=code, active=True, department__is_active=True)
        .filter(Q(staff__isnull=True) | Q(staff__status=StaffStatus.ACTIVE))
        .values_list(
            "pk", "kind", "department_id", "department__name", "staff_id", "staff__name", "staff__title", "label"
        )
        .first()
    )
    if row is None:
        cache.set(key, _UNKNOWN, UNKNOWN_CODE_CACHE_SECONDS)
        return None
    pk, kind, department_id, department_name, staff_id, staff_name, staff_title, label = row
    info = CodeInfo(
        pk=pk,
        code=code,
        kind=kind,
        department_id=department_id,
        department_name=department_name,
        staff_id=staff_id,
        staff_name=staff_name or "",
        staff_title=staff_title or "",
        label=label,
    )
    cache.set(key, info, CODE_CACHE_SECONDS)
    return info


# --- The office -------------------------------------------------------------------------------


def may_read_feedback(access) -> bool:
    """The civility office and system administrators (everything), department heads (theirs)."""
    return access.can_manage_standards or access.is_office or access.is_department_head


def may_manage_feedback(access) -> bool:
    """Review flagged feedback and manage the QR codes."""
    return access.can_manage_standards or access.is_office


def scope_departments(*, access) -> QuerySet[Department]:
    """The departments whose feedback this person may read (for the filter's choices)."""
    if may_manage_feedback(access):
        return Department.objects.all()
    if access.is_department_head:
        return Department.objects.filter(access.headed())
    return Department.objects.none()


def feedback_for_access(*, access) -> QuerySet[Feedback]:
    """All feedback this person may read."""
    qs = Feedback.objects.all()
    if may_manage_feedback(access):
        return qs
    if access.is_department_head:
        return qs.filter(access.headed("department__"))
    return qs.none()


LIST_RELATED = ("department", "staff", "rating_code", "reviewed_by")


def filtered_feedback(qs: QuerySet[Feedback], *, filters: dict, tz) -> QuerySet[Feedback]:
    """Apply the list's filters: department (with the wards under it), rating, state, dates, text."""
    if department := filters.get("department"):
        qs = qs.filter(department__path__startswith=department.path)
    if rating := filters.get("rating"):
        qs = qs.filter(overall=int(rating))
    state = filters.get("state")
    if state == "valid":
        qs = qs.filter(is_valid=True)
    elif state == "flagged":
        qs = qs.filter(review_status=ReviewStatus.PENDING)
    elif state == "invalid":
        qs = qs.filter(is_valid=False)
    if start := filters.get("start"):
        qs = qs.filter(at__gte=_local_midnight(start, tz))
    if end := filters.get("end"):
        qs = qs.filter(at__lt=_local_midnight(end + timedelta(days=1), tz))
    if q := filters.get("q"):
        qs = qs.filter(Q(comment__icontains=q) | Q(staff__name__icontains=q) | Q(rating_code__label__icontains=q))
    return qs


def _local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def review_queue(*, access) -> QuerySet[Feedback]:
    """Flagged feedback waiting for a person, oldest first (only for those who may review)."""
    if not may_manage_feedback(access):
        return Feedback.objects.none()
    return (
        Feedback.objects.filter(review_status=ReviewStatus.PENDING).select_related(*LIST_RELATED).order_by("at", "pk")
    )


def pending_review_count(*, access) -> int:
    if not may_manage_feedback(access):
        return 0
    return Feedback.objects.filter(review_status=ReviewStatus.PENDING).count()


def flagged_feedback_for_user(*, user, pk: int) -> Feedback | None:
    """A flagged feedback the person may review, or None (missing and not-yours alike)."""
    from wenming.org.access import access_for

    if not may_manage_feedback(access_for(user)):
        return None
    return Feedback.objects.filter(pk=pk).select_related(*LIST_RELATED).first()


def codes_by_department(*, access, department: Department | None = None) -> list[dict]:
    """Active codes grouped by department (office only), with each department's feedback count."""
    if not may_manage_feedback(access):
        return []
    codes = RatingCode.objects.filter(active=True).select_related("department", "staff")
    if department is not None:
        codes = codes.filter(department__path__startswith=department.path)
    groups: dict[int, dict] = {}
    for code in codes.order_by("department__path", "kind", "staff__staff_no", "label", "pk"):
        group = groups.setdefault(code.department_id, {"department": code.department, "codes": []})
        group["codes"].append(code)
    return list(groups.values())


def code_counts(*, access) -> dict:
    """How many active codes there are of each kind, and departments / staff in post without one."""
    if not may_manage_feedback(access):
        return {}
    by_kind = dict(
        RatingCode.objects.filter(active=True).values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    active = RatingCode.objects.filter(active=True)
    missing_departments = (
        Department.objects.filter(is_active=True)
        .exclude(Exists(active.filter(kind=CodeKind.DEPARTMENT, department=OuterRef("pk"))))
        .count()
    )
    missing_staff = (
        Staff.objects.filter(status=StaffStatus.ACTIVE, department__is_active=True)
        .exclude(Exists(active.filter(kind=CodeKind.STAFF, staff=OuterRef("pk"))))
        .count()
    )
    return {
        "department": by_kind.get(CodeKind.DEPARTMENT, 0),
        "staff": by_kind.get(CodeKind.STAFF, 0),
        "point": by_kind.get(CodeKind.POINT, 0),
        "missing": missing_departments + missing_staff,
    }


def active_codes() -> QuerySet[RatingCode]:
    """Every active code, for ``qr_links``."""
    return RatingCode.objects.filter(active=True).select_related("department", "staff").order_by("kind", "pk")
