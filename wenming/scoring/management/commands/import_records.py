"""``manage.py import_records FILE.jsonl``: the records import of shared/spec/interchange.md.

A good file prints a one-line summary and exits 0. Any bad line: nothing is written, every problem
is printed on standard error as ``line N: message`` and the exit status is 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.commands import TranslatedCommand
from wenming.core.tabular import Problem
from wenming.scoring.importing import RecordsImportError, records_import_apply, records_import_plan


class Command(TranslatedCommand):
    help = "Import findings, bonuses, vetoes, manual scores and feedback from a JSONL file. All or nothing."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", metavar="FILE.jsonl", help="one JSON object per line (UTF-8)")

    def handle(self, *args, **options):
        self._run(Path(options["file"]))

    def _refuse(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.stderr.write(str(problem), style_func=str)
        count = len(problems)
        message = ngettext(
            "Nothing was imported: %(count)s problem found.", "Nothing was imported: %(count)s problems found.", count
        )
        self.stderr.write(message % {"count": count})
        sys.exit(1)

    def _run(self, path: Path) -> None:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            self.stderr.write(_("Cannot read %(file)s: %(problem)s") % {"file": path, "problem": exc.strerror})
            sys.exit(1)
        except UnicodeDecodeError:
            self.stderr.write(_("%(file)s is not UTF-8 text") % {"file": path})
            sys.exit(1)
        plan = records_import_plan(text=text)
        if not plan.is_valid:
            self._refuse(plan.problems)
        try:
            counts = records_import_apply(plan=plan, by=None)
        except RecordsImportError as exc:
            self._refuse(exc.problems)
        self.stdout.write(_("%(imported)s records imported, %(present)s already present") % counts)
