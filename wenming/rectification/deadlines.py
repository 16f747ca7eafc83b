"""Following up deadlines (run daily by Celery beat, see ``tasks.py``):

- **reminder**: an open item due within ``REMIND_DAYS`` days → its department's heads and the
  responsible person are notified, once per deadline;
- **escalation**: an open item past its deadline → the heads, the office and the leadership group
  are notified, once per deadline (an approved extension moves the deadline, so both can come again);
- **overdue deduction** (optional, :class:`~.models.OverdueRule`): an open item more than ``days``
  days past its deadline records one deduction finding against its department, once per item.
  A period that has been finalized is left alone (the office enters a correction if it wants one).

Each item is handled in its own transaction with its row locked, so two workers (or a rerun)
never send twice or deduct twice. Everything is audited with no actor (the system did it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.models import Role
from wenming.org.selectors import hospital_today
from wenming.scoring.models import RecordKind, RecordStatus
from wenming.scoring.services.records import record_create

from .models import OPEN_STATES, OverdueRule, RectificationItem

log = logging.getLogger(__name__)

REMIND_DAYS = 2


@dataclass
class FollowUp:
    reminded: int = 0
    escalated: int = 0
    deducted: int = 0
    skipped: int = 0  # overdue deductions refused (a finalized period, a code no longer in the standard)


def item_label(item: RectificationItem) -> str:
    problem = item.problem.replace("\n", " ")
    return f"#{item.pk} {problem[:30]}{'…' if len(problem) > 30 else ''}"


def _item_url(item: RectificationItem) -> str:
    return f"/rectification/{item.pk}/"


def _locked(pk: int) -> RectificationItem:
    return (
        RectificationItem.objects.select_for_update(of=("self",))
        .select_related("department", "responsible", "responsible__user")
        .get(pk=pk)
    )


def _params(item: RectificationItem) -> dict:
    return {"item": item_label(item), "department": item.department.name, "deadline": item.deadline.isoformat()}


def _remind(pk: int, today: date) -> bool:
    with transaction.atomic():
        item = _locked(pk)
        if item.state not in OPEN_STATES or item.reminded_for == item.deadline or item.deadline < today:
            return False
        recipients = list(heads_of(item.department))
        if item.responsible is not None and item.responsible.user is not None:
            recipients.append(item.responsible.user)
        notify(
            recipients=recipients,
            kind="rectification.item.due_soon",
            params=_params(item),
            url=_item_url(item),
            department=item.department,
        )
        item.reminded_for = item.deadline
        item.save(update_fields=["reminded_for"])
        audit_log(
            actor=None,
            action="rectification.item.reminded",
            target=item,
            department=item.department,
            data={"deadline": item.deadline},
        )
        return True


def _escalate(pk: int, today: date) -> bool:
    with transaction.atomic():
        item = _locked(pk)
        if item.state not in OPEN_STATES or item.escalated_for == item.deadline or item.deadline >= today:
            return False
        recipients = [*heads_of(item.department), *users_with_roles(Role.OFFICE, Role.LEADERSHIP)]
        notify(
            recipients=recipients,
            kind="rectification.item.overdue",
            params=_params(item),
            url=_item_url(item),
            department=item.department,
        )
        item.escalated_for = item.deadline
        item.save(update_fields=["escalated_for"])
        audit_log(
            actor=None,
            action="rectification.item.escalated",
            target=item,
            department=item.department,
            data={"deadline": item.deadline, "days": (today - item.deadline).days},
        )
        return True


def _deduct(pk: int, rule: OverdueRule, today: date) -> bool | None:
    """True when a deduction was recorded, False when nothing was to be done, None when refused."""
    try:
        with transaction.atomic():
            item = _locked(pk)
            overdue_days = (today - item.deadline).days
            if item.state not in OPEN_STATES or item.overdue_record_id is not None or overdue_days <= rule.days:
                return False
            record = record_create(
                standard=rule.standard,
                kind=RecordKind.FINDING,
                subject=item.department,
                code=rule.code,
                date=today,
                count=1,
                note=_("Rectification item %(item)s is %(days)d days overdue (deadline %(deadline)s).")
                % {"item": item_label(item), "days": overdue_days, "deadline": item.deadline.isoformat()},
                by=None,
                status=RecordStatus.COUNTS,
            )
            item.overdue_record = record
            item.save(update_fields=["overdue_record"])
            audit_log(
                actor=None,
                action="rectification.item.overdue_deducted",
                target=item,
                department=item.department,
                data={"code": rule.code, "days": overdue_days, "record": record.pk},
            )
            notify(
                recipients=heads_of(item.department),
                kind="rectification.item.overdue_deducted",
                params={**_params(item), "days": rule.days, "code": rule.code},
                url=_item_url(item),
                department=item.department,
            )
            return True
    except ValidationError as exc:
        log.warning("overdue deduction for rectification item %s refused: %s", pk, "; ".join(exc.messages))
        return None


def deadlines_follow_up(*, today: date | None = None) -> FollowUp:
    """Send the reminders and escalations that are due and record the overdue deductions."""
    today = today or hospital_today()
    done = FollowUp()
    with translation.override(settings.LANGUAGE_CODE):
        open_items = RectificationItem.objects.filter(state__in=OPEN_STATES)
        due_soon = open_items.filter(deadline__gte=today, deadline__lte=today + timedelta(days=REMIND_DAYS)).filter(
            Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline"))
        )
        for pk in due_soon.values_list("pk", flat=True):
            done.reminded += _remind(pk, today)
        overdue = open_items.filter(deadline__lt=today).filter(
            Q(escalated_for__isnull=True) | ~Q(escalated_for=F("deadline"))
        )
        for pk in overdue.values_list("pk", flat=True):
            done.escalated += _escalate(pk, today)
        rule = OverdueRule.objects.select_related("standard").first()
        if rule is not None and rule.active and rule.standard_id and rule.code:
            late = open_items.filter(overdue_record__isnull=True, deadline__lt=today - timedelta(days=rule.days))
            for pk in late.values_list("pk", flat=True):
                outcome = _deduct(pk, rule, today)
                if outcome is None:
                    done.skipped += 1
                else:
                    done.deducted += outcome
    return done
