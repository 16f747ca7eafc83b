"""``manage.py compute_scores STANDARD PERIOD``: (re)compute and store one period's results."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from wenming.core.commands import TranslatedCommand
from wenming.scoring.services import ScoringError, period_compute


class Command(TranslatedCommand):
    help = "Compute (or recompute) the results of one period of a standard, e.g. WMKS-M-2026 2026-10."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("standard", metavar="STANDARD", help="the standard's code")
        parser.add_argument("period", metavar="PERIOD", help="2026-10 (month), 2026-Q4 (quarter) or 2026 (year)")

    def handle(self, *args, **options):
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
