"""``manage.py check_alerts``: what Celery beat runs every Monday (departments below their
satisfaction target for weeks running), for set-ups without beat (the embedded demo, a cron job)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wenming.alerts.services import weekly_check
from wenming.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = "Raise the alerts for departments below their satisfaction target for weeks running."

    def handle(self, *args, **options):
        raised = weekly_check()
        self.stdout.write(_("Alerts raised: %(count)d.") % {"count": len(raised)})
