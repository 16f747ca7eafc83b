"""``manage.py import_standard FILE.yaml``: the standards import of shared/spec/interchange.md.

A good file prints one line and exits 0: ``WMKS-M-2026: version 2 created`` or
``WMKS-M-2026: unchanged, still version 1``. A bad file changes nothing, prints every problem on
standard error (one per line, then how many) and exits 1. ``--dry-run`` checks the file and prints
what would change (the lines a reviewer confirms) without writing; ``-v 2`` prints those lines on
a real import too. Messages are in settings.LANGUAGE_CODE (Chinese) unless ``--language`` says
otherwise (or a caller of ``call_command`` has activated another language).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.commands import TranslatedCommand
from wenming.standards.parse import StandardError
from wenming.standards.services import standard_import, standard_import_plan


class Command(TranslatedCommand):
    help = (
        "Import an assessment standard from a YAML file. A file whose content differs from the newest "
        "version of its code becomes a new version; an identical one changes nothing. All or nothing."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", metavar="FILE.yaml", help="the standard file (YAML, UTF-8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and print what would change, without writing"
        )

    def handle(self, *args, **options):
        self._run(Path(options["file"]), dry_run=options["dry_run"], verbosity=options["verbosity"])

    def _refuse(self, problems: list[str]) -> None:
        for problem in problems:
            self.stderr.write(problem, style_func=str)
        count = len(problems)
        message = ngettext(
            "Nothing was imported: %(count)s problem found.", "Nothing was imported: %(count)s problems found.", count
        )
        self.stderr.write(message % {"count": count})
        sys.exit(1)

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            self._refuse([f"{path}: {_('The file does not exist.')}"])
        except OSError as exc:
            self._refuse([_("%(file)s: the file cannot be read (%(error)s)") % {"file": path, "error": exc.strerror}])
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(self, path: Path, *, dry_run: bool, verbosity: int) -> None:
        data = self._read(path)
        try:
            if dry_run:
                plan = standard_import_plan(text=data)
            else:
                outcome = standard_import(text=data, filename=path.name)
        except StandardError as exc:
            self._refuse(exc.problems)
        if dry_run:
            for change in plan.changes:
                self.stdout.write(change.text)
            values = {"code": plan.definition.code, "number": plan.number}
            if plan.unchanged:
                self.stdout.write(_("Dry run: %(code)s is unchanged, still version %(number)s") % values)
            else:
                self.stdout.write(_("Dry run, nothing was written: %(code)s would become version %(number)s") % values)
            return
        values = {"code": outcome.version.standard.code, "number": outcome.version.number}
        if not outcome.created:
            self.stdout.write(_("%(code)s: unchanged, still version %(number)s") % values)
            return
        if verbosity >= 2:
            for change in outcome.diff:
                self.stdout.write(change.text)
        self.stdout.write(_("%(code)s: version %(number)s created") % values)
