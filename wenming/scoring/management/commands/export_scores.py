"""``manage.py export_scores STANDARD PERIOD``: the stored results as JSON (or ``--format xlsx``)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from wenming.core.commands import TranslatedCommand
from wenming.core.exports import xlsx_bytes
from wenming.scoring.selectors import export_rows, period_export, stored_period
from wenming.scoring.services import ScoringError


class Command(TranslatedCommand):
    help = "Print the stored results of one period as JSON, or write them to a workbook with --format xlsx."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("standard", metavar="STANDARD", help="the standard's code")
        parser.add_argument("period", metavar="PERIOD", help="2026-10 (month), 2026-Q4 (quarter) or 2026 (year)")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json", help="output format")
        parser.add_argument("--output", metavar="FILE", help="file to write (required for xlsx)")

    def handle(self, *args, **options):
        self._run(options)

    def _run(self, options) -> None:
        try:
            scoring_period = stored_period(standard_code=options["standard"], period_key=options["period"])
        except ScoringError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        export = period_export(scoring_period=scoring_period)
        if options["format"] == "json":
            text = json.dumps(export, ensure_ascii=False, indent=2)
            if options["output"]:
                Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        if not options["output"]:
            raise CommandError(_("--format xlsx needs --output FILE"))
        rows = list(export_rows(scoring_period=scoring_period, export=export))
        content = xlsx_bytes(title=f"{export['standard']} {export['period']}", headers=rows[0], rows=rows[1:])
        Path(options["output"]).write_bytes(content)
        self.stdout.write(
            _("%(count)s results written to %(file)s") % {"count": len(rows) - 1, "file": options["output"]}
        )
