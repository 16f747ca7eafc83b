"""The example standards the demo hospital starts with (copies of shared/data/standards/):
the monthly 文明科室 standard, its quarterly rollup and the yearly 医德考评 standard for staff."""

from __future__ import annotations

from pathlib import Path

from .services import ImportOutcome, standard_import

EXAMPLES = Path(__file__).resolve().parent / "examples"
# The monthly standard first: the quarterly one rolls it up.
EXAMPLE_FILES = ("wmks-month.yaml", "wmks-quarter.yaml", "ethics-year.yaml")


def load_example_standards() -> list[ImportOutcome]:
    """Import the examples (idempotent: unchanged files create no new version)."""
    return [
        standard_import(text=(EXAMPLES / name).read_text(encoding="utf-8"), filename=name) for name in EXAMPLE_FILES
    ]
