"""``manage.py close_rounds``: what Celery beat runs every morning for evaluation rounds (close
those past their closing time, remind raters of the others), for set-ups without beat (the
embedded demo, a cron job)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wenming.core.commands import TranslatedCommand
from wenming.rounds.services import rounds_daily


class Command(TranslatedCommand):
    help = "Close the evaluation rounds past their closing time and remind raters with ballots to fill."

    def handle(self, *args, **options):
        done = rounds_daily()
        self.stdout.write(
            _("Rounds closed: %(closed)d, raters reminded: %(reminded)d.")
            % {"closed": done["closed"], "reminded": done["reminded"]}
        )
