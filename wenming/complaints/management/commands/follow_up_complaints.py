"""``manage.py follow_up_complaints``: what Celery beat runs every morning for cases (reminders
before the deadline, overdue notices), for set-ups without beat (the embedded demo, a cron job)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wenming.complaints.deadlines import deadlines_follow_up
from wenming.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = "Send the deadline reminders and overdue notices of complaints, praise and petitions."

    def handle(self, *args, **options):
        done = deadlines_follow_up()
        self.stdout.write(
            _("Case reminders: %(reminded)d, overdue notices: %(overdue)d.")
            % {"reminded": done.reminded, "overdue": done.overdue}
        )
