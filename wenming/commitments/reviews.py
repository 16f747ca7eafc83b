"""The quarterly review of how departments kept their commitments (承诺践诺评议).

For a quarter (``2026-Q3``) the office generates one draft :class:`CommitmentReview` per active
department (:func:`reviews_generate`; generating again refreshes the drafts' figures and leaves
published reviews alone). Each holds two parts:

* **Patients** — the valid feedback of the department in the quarter, counted exactly as the
  satisfaction pages and the scoring engine count it
  (:func:`wenming.satisfaction.selectors.department_rates`: ``n``, satisfied, rate).
* **Peers** — the score of the latest published multi-source round with purpose ``commitment``
  for the quarter (:func:`wenming.rounds.selectors.department_round_results`), with its title and
  number of raters. Without such a round (or without the rounds app) the part stays empty.

The office then records a conclusion — 践诺良好 / 基本践诺 / 未践诺, with a reason (required unless
the commitments were well kept) — and publishes (:func:`review_publish`, only once the quarter has
ended). A published review shows on the department's public page and on the heads' list; it can be
withdrawn to a draft with a reason. Every write locks the row, checks ``expected_version``, bumps it
and writes one audit entry; publishing notifies the department's heads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot
from wenming.notifications.selectors import heads_of
from wenming.notifications.services import notify
from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.satisfaction.selectors import department_rates
from wenming.scoring.periods import Period, parse_period, period_of
from wenming.standards.definition import Cycle

from .models import CommitmentReview, Conclusion, ReviewStatus
from .services import (
    CommitmentConflict,
    CommitmentError,
    CommitmentNotAllowed,
    _ensure_office,
    _ensure_version,
    _user,
    public_changed,
)

__all__ = ["CommitmentConflict", "CommitmentError", "CommitmentNotAllowed"]

logger = logging.getLogger(__name__)

PURPOSE = "commitment"
MAX_REASON = 1000


@dataclass(frozen=True)
class PeerPart:
    round_id: int
    title: str
    score: Decimal
    raters: int
    published_at: datetime | None


def quarter(period_key: str) -> Period:
    """The quarter a key names (``2026-Q3``), or a CommitmentError."""
    try:
        return parse_period(period_key, Cycle.QUARTER)
    except (ValueError, TypeError):
        raise CommitmentError({"period": _("Choose a quarter such as 2026-Q3.")}) from None


def last_finished_quarter(today: date) -> Period:
    return period_of(today, Cycle.QUARTER).previous()


def round_results(*, department: Department, period_key: str) -> list | None:
    """The published commitment rounds' results of the department for the quarter
    (``DepartmentRoundResult``: round_id, title, period_key, published_at, score, ratees, raters),
    or None when the rounds app is not there. ``wenming.rounds`` is imported here, when needed,
    so this app works without it."""
    try:
        from wenming.rounds.selectors import department_round_results
    except ImportError:
        return None
    return list(department_round_results(department=department, purpose=PURPOSE, period_key=period_key))


def peer_part(*, department: Department, period_key: str) -> PeerPart | None:
    """The latest published commitment round of the quarter that scored the department, if any."""
    results = [r for r in round_results(department=department, period_key=period_key) or () if r.score is not None]
    if not results:
        return None
    latest = max(results, key=lambda r: (r.published_at or timezone.now(), r.round_id))
    return PeerPart(
        round_id=latest.round_id,
        title=latest.title,
        score=Decimal(latest.score).quantize(Decimal("0.01")),
        raters=int(latest.raters or 0),
        published_at=latest.published_at,
    )


def _patients(department_ids: list[int], period: Period) -> dict:
    rows = department_rates(department_ids=department_ids, start=period.start, end=period.end - timedelta(days=1))
    return {row.department.pk: row.tally for row in rows}


def _fill(review: CommitmentReview, *, tally, peer: PeerPart | None) -> None:
    review.patient_n = tally.n if tally else 0
    review.patient_satisfied = tally.satisfied if tally else 0
    review.patient_rate = tally.rate if tally and tally.n else None
    review.peer_score = peer.score if peer else None
    review.peer_round_id = peer.round_id if peer else None
    review.peer_round_title = peer.title[:200] if peer else ""
    review.peer_raters = peer.raters if peer else 0
    review.computed_at = timezone.now()


FIGURES = ["patient_n", "patient_satisfied", "patient_rate", "peer_score", "peer_round_id", "peer_raters"]


@transaction.atomic
def reviews_generate(*, by, period_key: str, today: date | None = None) -> dict[str, int]:
    """A draft review of the quarter for every active department, or its figures refreshed.
    Published reviews are left as they are. Returns the counts."""
    _ensure_office(by)
    period = quarter(period_key)
    today = today or hospital_today()
    if period.start > today:
        raise CommitmentError({"period": _("This quarter has not begun yet.")})
    departments = list(Department.objects.filter(is_active=True).order_by("path"))
    existing = {
        review.department_id: review
        for review in CommitmentReview.objects.select_for_update().filter(period_key=period.key)
    }
    tallies = _patients([d.pk for d in departments], period)
    created = refreshed = kept = 0
    creating = []
    for department in departments:
        review = existing.get(department.pk)
        if review is not None and review.is_published:
            kept += 1
            continue
        peer = peer_part(department=department, period_key=period.key)
        if review is None:
            review = CommitmentReview(department=department, period_key=period.key)
            _fill(review, tally=tallies.get(department.pk), peer=peer)
            creating.append(review)
            created += 1
            continue
        before = snapshot(review, FIGURES)
        _fill(review, tally=tallies.get(department.pk), peer=peer)
        if changes(before, snapshot(review, FIGURES)):
            review.version += 1
        review.save()
        refreshed += 1
    CommitmentReview.objects.bulk_create(creating, batch_size=500)
    counts = {"created": created, "refreshed": refreshed, "published": kept}
    audit_log(
        actor=by,
        action="commitments.review.generated",
        target_repr=period.key,
        data={"period": period.key, **counts},
    )
    return counts


def _locked(review: CommitmentReview) -> CommitmentReview:
    return CommitmentReview.objects.select_for_update(of=("self",)).select_related("department").get(pk=review.pk)


def _reason(value) -> str:
    text = (value or "").strip()
    if len(text) > MAX_REASON:
        raise CommitmentError({"reason": _("Keep the text under %(max)d characters.") % {"max": MAX_REASON}})
    return text


def _audit(review: CommitmentReview, *, by, action: str, data: dict) -> None:
    audit_log(
        actor=by,
        action=action,
        target=review,
        target_repr=f"{review.department.name} {review.period_key}",
        department=review.department,
        data=data,
    )


@transaction.atomic
def review_update(
    *, by, review: CommitmentReview, expected_version: int, conclusion: str, reason: str
) -> CommitmentReview:
    """The office's conclusion and reason on a draft."""
    _ensure_office(by)
    review = _locked(review)
    _ensure_version(review, expected_version)
    if review.is_published:
        raise CommitmentError(_("A published review cannot be changed; withdraw it first."))
    if conclusion and conclusion not in Conclusion.values:
        raise CommitmentError({"conclusion": _("Choose a conclusion.")})
    before = snapshot(review, ["conclusion", "reason"])
    review.conclusion = conclusion or ""
    review.reason = _reason(reason)
    diff = changes(before, snapshot(review, ["conclusion", "reason"]))
    if not diff:
        return review
    review.version += 1
    review.save()
    _audit(review, by=by, action="commitments.review.updated", data=diff)
    return review


@transaction.atomic
def review_publish(
    *, by, review: CommitmentReview, expected_version: int, today: date | None = None
) -> CommitmentReview:
    """Publish a draft that has a conclusion (and a reason unless well kept), once its quarter ended."""
    _ensure_office(by)
    review = _locked(review)
    _ensure_version(review, expected_version)
    if review.is_published:
        raise CommitmentError(_("This review is already published."))
    period = quarter(review.period_key)
    if period.end > (today or hospital_today()):
        raise CommitmentError(_("A review can be published once its quarter has ended."))
    if not review.conclusion:
        raise CommitmentError({"conclusion": _("Choose a conclusion before publishing.")})
    if review.conclusion != Conclusion.KEPT and not review.reason:
        raise CommitmentError({"reason": _("Give the reason for this conclusion.")})
    review.status = ReviewStatus.PUBLISHED
    review.published_at = timezone.now()
    review.published_by = _user(by)
    review.version += 1
    review.save()
    _audit(
        review,
        by=by,
        action="commitments.review.published",
        data={"status": [ReviewStatus.DRAFT, ReviewStatus.PUBLISHED], "conclusion": review.get_conclusion_display()},
    )
    notify(
        recipients=heads_of(review.department),
        kind="commitments.review.published",
        params={
            "department": review.department.name,
            "quarter": period.label,
            "conclusion": review.get_conclusion_display(),
        },
        url=reverse("commitments:review", args=[review.pk]),
        department=review.department,
        exclude=by,
    )
    public_changed()
    return review


@transaction.atomic
def review_withdraw(*, by, review: CommitmentReview, expected_version: int, reason: str) -> CommitmentReview:
    """Take a published review back to a draft (it leaves the public page); a reason is required."""
    _ensure_office(by)
    review = _locked(review)
    _ensure_version(review, expected_version)
    if not review.is_published:
        raise CommitmentError(_("Only a published review can be withdrawn."))
    why = _reason(reason)
    if not why:
        raise CommitmentError({"withdraw_reason": _("Say why the review is withdrawn.")})
    review.status = ReviewStatus.DRAFT
    review.published_at = None
    review.published_by = None
    review.version += 1
    review.save()
    _audit(
        review,
        by=by,
        action="commitments.review.withdrawn",
        data={"status": [ReviewStatus.PUBLISHED, ReviewStatus.DRAFT], "reason": why},
    )
    public_changed()
    return review
