"""Fail when the Chinese catalogue is incomplete: a msgid in the code without a translation,
a fuzzy entry, or a compiled .mo that is out of date with its .po. Leaves the tree unchanged.

Run by `make test`; fix with `make catalogue-update` and translating the new entries."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")
PY = sys.executable


def entries(po_text: str, *flags: str) -> list[str]:
    """msgids that ``msgattrib FLAGS`` selects from a catalogue (header excluded)."""
    result = subprocess.run(["msgattrib", *flags, "-"], input=po_text, capture_output=True, text=True, check=True)
    return [line[6:].strip() for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def main() -> int:
    problems = []
    if not PO.exists():
        print(f"missing catalogue {PO}")
        return 1
    original = PO.read_bytes()
    try:
        subprocess.run(
            [
                PY,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "--no-location",
                "--ignore=.venv",
                "--ignore=node_modules",
                "--ignore=var",
                "--ignore=bench",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        merged = PO.read_text(encoding="utf-8")
    finally:
        PO.write_bytes(original)
    problems += [f"untranslated: {msgid}" for msgid in entries(merged, "--untranslated", "--no-obsolete")]
    problems += [f"fuzzy: {msgid}" for msgid in entries(merged, "--only-fuzzy", "--no-obsolete")]
    # The committed .mo must be what the .po compiles to.
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "django.mo"
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            problems.append("msgfmt (gettext) is not installed")
        else:
            subprocess.run([msgfmt, "--check", "-o", str(fresh), str(PO)], check=True)
            with open(fresh, "rb") as a, open(MO, "rb") as b:
                if gettext.GNUTranslations(a)._catalog != gettext.GNUTranslations(b)._catalog:
                    problems.append("locale/zh_Hans/LC_MESSAGES/django.mo is out of date: run `make catalogue-update`")
    if problems:
        print(f"The zh_Hans catalogue is incomplete ({len(problems)} problems):")
        for line in problems[:200]:
            print("  " + line)
        print("Run `make catalogue-update`, translate the new entries, and commit the .po and .mo.")
        return 1
    print("zh_Hans catalogue complete")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
