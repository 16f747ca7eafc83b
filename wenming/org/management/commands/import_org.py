"""``manage.py import_org DEPARTMENTS STAFF``: the organisation import of shared/spec/interchange.md.

A good pair of files prints a one-line summary and exits 0. Any bad row: nothing changes, every
problem is printed on standard error as ``line N: message`` (``sheet S row N: message`` for .xlsx),
and the exit status is 1. Messages are in settings.LANGUAGE_CODE (Chinese) unless ``--language``
says otherwise (or a caller of ``call_command`` has activated another language).
"""

from __future__ import annotations

import sys

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.commands import TranslatedCommand
from wenming.core.tabular import Problem
from wenming.org.importing import OrgImportError, org_import_apply, org_import_plan_files


class Command(TranslatedCommand):
    help = (
        "Import departments and staff from two files (.csv in UTF-8 or GB18030, or .xlsx). "
        "All or nothing: a file with any bad row changes nothing. Staff missing from the staff file "
        "are marked as left."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("departments", metavar="DEPARTMENTS", help="departments table (.csv or .xlsx)")
        parser.add_argument("staff", metavar="STAFF", help="staff table (.csv or .xlsx)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the files and print what would change, without writing"
        )

    def handle(self, *args, **options):
        self._run(options["departments"], options["staff"], dry_run=options["dry_run"])

    def _refuse(self, problems: list[Problem]) -> None:
        for problem in problems:
            text = str(problem)
            if problem.position is None and problem.file:
                text = f"{problem.file}: {text}"
            self.stderr.write(text, style_func=str)
        count = len(problems)
        message = ngettext(
            "Nothing was imported: %(count)s problem found.", "Nothing was imported: %(count)s problems found.", count
        )
        self.stderr.write(message % {"count": count})
        sys.exit(1)

    def _run(self, departments: str, staff: str, *, dry_run: bool) -> None:
        plan = org_import_plan_files(departments=departments, staff=staff)
        if not plan.is_valid:
            self._refuse(plan.problems)
        if dry_run:
            for line in plan.describe():
                self.stdout.write(line)
            self.stdout.write(_("Dry run, nothing was written: %(summary)s") % {"summary": plan.summary_text()})
            return
        try:
            summary = org_import_apply(plan=plan, by=None)
        except OrgImportError as exc:
            self._refuse(exc.problems)
        self.stdout.write(summary["text"])
