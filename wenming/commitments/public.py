"""What a department's public page (``/p/<code>/``) shows, cached briefly.

The page is open when the office has published the public pages (:class:`PublicSettings`) and not
switched off this department's page; the department must be active. It shows the department's
standards (亮标准) and pledges (亮承诺) of the current year, the people in post with their title,
post, party badge and branch (亮身份) and their pledges — never a phone number, and the staff
number (工号) only when the office's setting says so — a link to rate the department (its active
QR code's page) and the latest published quarterly review.

Everything is read once and kept in the cache for :data:`PUBLIC_SECONDS` under a key holding the
stamp the services renew after every change (:func:`wenming.commitments.services.public_changed`),
so a change shows on the next view and a warm page costs no query. Unknown, closed and hidden
departments are remembered as such for the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from wenming.feedback.models import CodeKind, RatingCode
from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.scoring.periods import period_label

from .models import Commitment, CommitmentReview, Conclusion, Kind, PublicSettings, ReviewStatus
from .selectors import head_first, people_in_post
from .services import PUBLIC_STAMP_KEY, SETTINGS_CACHE_KEY

PUBLIC_SECONDS = 120
_MISSING = "-"


def public_settings() -> PublicSettings:
    """The pages' settings (cached; the services drop the copy). Unsaved default: unpublished."""
    found = cache.get(SETTINGS_CACHE_KEY)
    if found is None:
        found = PublicSettings.objects.filter(pk=1).first() or PublicSettings(pk=1)
        cache.set(SETTINGS_CACHE_KEY, found, PUBLIC_SECONDS)
    return found


@dataclass(frozen=True)
class PublicPerson:
    name: str
    staff_no: str  # empty unless the settings show it
    title: str
    post: str
    is_party_member: bool
    branch: str
    is_head: bool
    pledges: tuple[str, ...]


@dataclass(frozen=True)
class PublicReview:
    period_key: str
    conclusion: str
    reason: str
    patient_n: int
    patient_rate: Decimal | None
    peer_score: Decimal | None
    peer_raters: int
    published_at: datetime | None

    @property
    def quarter_label(self) -> str:
        return period_label(self.period_key)

    @property
    def conclusion_label(self) -> str:
        return Conclusion(self.conclusion).label if self.conclusion in Conclusion.values else ""


@dataclass(frozen=True)
class PublicPage:
    code: str
    name: str
    year: int
    standards: tuple[str, ...]
    pledges: tuple[str, ...]
    people: tuple[PublicPerson, ...]
    rate_url: str
    review: PublicReview | None
    computed_at: datetime

    @property
    def party_members(self) -> int:
        return sum(1 for p in self.people if p.is_party_member)


def _stamp() -> str:
    return cache.get(PUBLIC_STAMP_KEY) or "0"


def public_page(code: str, *, settings: PublicSettings | None = None, use_cache: bool = True) -> PublicPage | None:
    """The page of the department with this code, or None when it has none (unknown, closed,
    switched off). Assumes the public pages are published (the view checks that first)."""
    settings = settings or public_settings()
    code = (code or "").strip()[:32]
    key = f"commitments:public:{settings.version}:{int(settings.show_staff_no)}:{_stamp()}:{code}"
    if use_cache:
        found = cache.get(key)
        if found == _MISSING:
            return None
        if found is not None:
            return found
    page = _compute(code, settings=settings)
    if use_cache:
        cache.set(key, page if page is not None else _MISSING, PUBLIC_SECONDS)
    return page


def _compute(code: str, *, settings: PublicSettings) -> PublicPage | None:
    department = (
        Department.objects.select_related("commitment_page").filter(code=code, is_active=True).first() if code else None
    )
    if department is None:
        return None
    switch = getattr(department, "commitment_page", None)
    if switch is not None and not switch.enabled:
        return None
    year = hospital_today().year
    people = head_first(list(people_in_post(department)), department)
    standards, pledges, by_staff = [], [], {}
    rows = Commitment.objects.filter(year=year).filter(department=department, staff__isnull=True) | (
        Commitment.objects.filter(year=year, staff_id__in=[p.pk for p in people])
    )
    for row in rows.order_by("kind", "sort_order", "pk"):
        if row.staff_id is not None:
            by_staff.setdefault(row.staff_id, []).append(row.text)
        elif row.kind == Kind.STANDARD:
            standards.append(row.text)
        else:
            pledges.append(row.text)
    code_row = (
        RatingCode.objects.filter(kind=CodeKind.DEPARTMENT, department=department, active=True)
        .values_list("code", flat=True)
        .first()
    )
    review = (
        CommitmentReview.objects.filter(department=department, status=ReviewStatus.PUBLISHED)
        .order_by("-period_key")
        .first()
    )
    return PublicPage(
        code=department.code,
        name=department.name,
        year=year,
        standards=tuple(standards),
        pledges=tuple(pledges),
        people=tuple(
            PublicPerson(
                name=p.name,
                staff_no=p.staff_no if settings.show_staff_no else "",
                title=p.title,
                post=p.post,
                is_party_member=p.is_party_member,
                branch=p.party_branch.name if p.is_party_member and p.party_branch_id else "",
                is_head=p.pk == department.head_id,
                pledges=tuple(by_staff.get(p.pk, ())),
            )
            for p in people
        ),
        rate_url=reverse("rate:rate", args=[code_row]) if code_row else "",
        review=PublicReview(
            period_key=review.period_key,
            conclusion=review.conclusion,
            reason=review.reason,
            patient_n=review.patient_n,
            patient_rate=review.patient_rate,
            peer_score=review.peer_score,
            peer_raters=review.peer_raters,
            published_at=review.published_at,
        )
        if review
        else None,
        computed_at=timezone.now(),
    )
