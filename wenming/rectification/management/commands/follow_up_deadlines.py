"""``manage.py follow_up_deadlines``: what Celery beat runs every morning (reminders, overdue
escalation, the overdue deduction rule), for set-ups without beat (the embedded demo, a cron job)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wenming.core.commands import TranslatedCommand
from wenming.rectification.deadlines import deadlines_follow_up


class Command(TranslatedCommand):
    help = "Send deadline reminders and overdue escalations of the rectification ledger; apply the overdue rule."

    def handle(self, *args, **options):
        done = deadlines_follow_up()
        self.stdout.write(
            _(
                "Reminders: %(reminded)d, escalations: %(escalated)d, "
                "overdue deductions: %(deducted)d, refused: %(skipped)d."
            )
            % {
                "reminded": done.reminded,
                "escalated": done.escalated,
                "deducted": done.deducted,
                "skipped": done.skipped,
            }
        )
