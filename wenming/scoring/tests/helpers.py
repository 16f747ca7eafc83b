"""Shared set-up for the scoring database tests: the sample organisation, standards and records."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management import call_command

SAMPLE = Path("/work/shared/data/sample")
EXAMPLES = Path(__file__).resolve().parents[2] / "standards" / "examples"
MONTH = EXAMPLES / "wmks-month.yaml"
QUARTER = EXAMPLES / "wmks-quarter.yaml"


def run(*args, **options) -> str:
    """Run a management command and return what it printed on stdout."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def load_org() -> None:
    run("import_org", str(SAMPLE / "departments.csv"), str(SAMPLE / "staff.csv"))


def load_month() -> None:
    load_org()
    run("import_standard", str(MONTH))


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    """Write rows (dicts as JSON, strings as they are) one a line."""
    path.write_text(
        "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows),
        encoding="utf-8",
    )
    return path


def import_records(path: Path) -> tuple[int, str, str]:
    """Run import_records in English; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", str(path), "--language", "en", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
