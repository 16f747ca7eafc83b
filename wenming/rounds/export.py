"""The sealed export: the one place a rater and a score meet (system administrators only, with a
reason, audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.exports import xlsx_bytes
from wenming.org.access import access_for

from .models import Ballot, RaterGroup, Round
from .sealing import unseal
from .services import MAX_REASON, RoundError, RoundNotAllowed


@transaction.atomic
def sealed_export(*, round: Round, by, reason: str) -> bytes:
    """The one place a rater and a score meet: an XLSX of rater, person evaluated, group and score
    decrypted from the seals. System administrators only; the reason is required and audited."""
    if not access_for(by).is_system_admin:
        raise RoundNotAllowed(_("Only a system administrator can export the sealed ballots."))
    reason = (reason or "").strip()
    if not reason:
        raise RoundError({"reason": _("Give the reason for opening the sealed ballots.")})
    if len(reason) > MAX_REASON:
        raise RoundError({"reason": _("Keep the reason under %(max)d characters.") % {"max": MAX_REASON}})
    ballots = (
        Ballot.objects.filter(round=round, submitted_at__isnull=False)
        .select_related("rater__department", "ratee__department")
        .order_by("ratee__department__path", "ratee__staff_no", "group", "rater__staff_no")
    )
    rows = []
    for b in ballots:
        value = unseal(b.sealed)
        rows.append(
            [
                b.rater.staff_no,
                b.rater.name,
                b.rater.department.name,
                b.ratee.staff_no,
                b.ratee.name,
                b.ratee.department.name,
                str(RaterGroup(b.group).label),
                value if value is not None else _("unreadable"),
            ]
        )
    audit_log(
        actor=by,
        action="rounds.ballots.unsealed",
        target=round,
        target_repr=round.title,
        data={"reason": reason, "ballots": len(rows)},
    )
    headers = [
        _("Rater staff number"),
        _("Rater"),
        _("Rater's department"),
        _("Staff number"),
        _("Person evaluated"),
        _("Department"),
        _("Rater group"),
        _("Score"),
    ]
    return xlsx_bytes(title=_("Sealed ballots"), headers=headers, rows=rows, widths=(12, 10, 16, 12, 10, 16, 14, 8))
