"""``manage.py compute_scores STANDARD PERIOD``: (re)compute and store one period's results."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.scoring.services import ScoringError, period_compute


class Command(BaseCommand):
    help = "Compute (or recompute) the results of one period of a standard, e.g. WMKS-M-2026 2026-10."

    def add_arguments(self, parser):
        parser.add_argument("standard", metavar="STANDARD", help="the standard's code")
        parser.add_argument("period", metavar="PERIOD", help="2026-10 (month), 2026-Q4 (quarter) or 2026 (year)")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help=f"language of the messages (default: {settings.LANGUAGE_CODE})",
        )

    def handle(self, *args, **options):
        language = options["language"] or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                period = period_compute(standard_code=options["standard"], period_key=options["period"], by=None)
            except ScoringError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            count = period.results.count()
            self.stdout.write(
                _("%(standard)s %(period)s: %(count)s results computed with version %(version)s")
                % {
                    "standard": period.standard.code,
                    "period": period.key,
                    "count": count,
                    "version": period.version.number,
                }
            )
