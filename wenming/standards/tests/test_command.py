"""``manage.py import_standard FILE.yaml``: one line and exit 0, or every problem on stderr and exit 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.core.models import AuditEntry
from wenming.org.tests.test_import_command import database_url
from wenming.standards.models import Standard, StandardVersion

from .yaml_cases import BASE, MONTH, QUARTER, YEAR, bend, line_of

pytestmark = pytest.mark.django_db


def run(*args, language=None):
    """call_command, returning (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if language:
        options["language"] = language
    try:
        call_command("import_standard", *map(str, args), **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def counts():
    return Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def write(tmp_path):
    def make(text: str, name: str = "standard.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def test_a_good_file_prints_one_line_and_exits_0(write):
    assert run(MONTH, language="en") == (0, "WMKS-M-2026: version 1 created\n", "")
    assert run(MONTH, language="en") == (0, "WMKS-M-2026: unchanged, still version 1\n", "")
    changed = write(MONTH.read_text(encoding="utf-8").replace("bonus_cap: 5", "bonus_cap: 6"), "month-v2.yaml")
    assert run(changed, language="en") == (0, "WMKS-M-2026: version 2 created\n", "")
    assert StandardVersion.objects.get(standard__code="WMKS-M-2026", number=2).source_filename == "month-v2.yaml"
    assert run(QUARTER, language="en") == (0, "WMKS-Q-2026: version 1 created\n", "")
    assert run(YEAR, language="en") == (0, "YDKP-2026: version 1 created\n", "")
    assert counts() == (3, 4, 4)


def test_the_quarterly_one_before_the_monthly_one_is_refused(write):
    code, out, err = run(QUARTER, language="en")
    assert (code, out) == (1, "")
    text = QUARTER.read_text(encoding="utf-8")
    assert err.splitlines() == [
        f"line {line_of(text, 'code: M')}: item M: the source standard WMKS-M-2026 does not exist; import it first",
        "Nothing was imported: 1 problem found.",
    ]
    assert counts() == (0, 0, 0)


def test_a_bad_file_prints_every_problem_and_stores_nothing(write):
    run(write(BASE), language="en")
    before = counts()
    bad = bend("full_score: 100", "full_score: 101", bend("{name: Poor, min: 0}", "{name: Poor, min: 1}"))
    code, out, err = run(write(bad), language="en")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"line {line_of(bad, 'full_score')}: "
        "full_score (101) must equal the sum of the points of the top-level items (100)",
        f"line {line_of(bad, 'Poor, min')}: grade Poor: the last grade must have min 0, not 1",
        "Nothing was imported: 2 problems found.",
    ]
    assert counts() == before


def test_a_yaml_syntax_error(write):
    code, out, err = run(write("code: T-1\nname: [unclosed\n"), language="en")
    assert (code, out) == (1, "")
    assert err.splitlines()[0].startswith("line 3: the file is not valid YAML: ")


def test_a_missing_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    assert run(missing, language="en") == (
        1,
        "",
        f"{missing}: The file does not exist.\nNothing was imported: 1 problem found.\n",
    )


def test_dry_run_shows_the_changes_without_writing(write):
    code, out, err = run(write(BASE), "--dry-run", language="en")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "new standard T-1 “Test standard”: 6 items, full score 100"
    assert lines[-1] == "Dry run, nothing was written: T-1 would become version 1"
    assert counts() == (0, 0, 0)
    run(write(BASE), language="en")
    changed = write(bend("{code: A1a, name: First, points: 3}", "{code: A1a, name: First, points: 2}"), "v2.yaml")
    assert run(changed, "--dry-run", language="en") == (
        0,
        "deduction A1a: points 3 → 2\nDry run, nothing was written: T-1 would become version 2\n",
        "",
    )
    assert run(write(BASE), "--dry-run", language="en") == (0, "Dry run: T-1 is unchanged, still version 1\n", "")
    assert counts() == (1, 1, 1)


def test_verbose_import_shows_the_changes(write):
    run(write(BASE), language="en")
    changed = write(bend("bonus_cap: 5", "bonus_cap: 4"), "v2.yaml")
    assert run(changed, "-v", "2", language="en") == (0, "bonus cap: 5 → 4\nT-1: version 2 created\n", "")


def test_messages_are_chinese_by_default(write):
    code, out, _err = run(write(BASE))  # no --language: settings.LANGUAGE_CODE
    with translation.override(settings.LANGUAGE_CODE):
        expected = _("%(code)s: version %(number)s created") % {"code": "T-1", "number": 1}
    assert (code, out) == (0, expected + "\n")
    bad = write(bend("cycle: month", "cycle: week"), "bad.yaml")
    code, _out, err = run(bad)
    with translation.override(settings.LANGUAGE_CODE):
        first = _("line %(line)s: %(message)s") % {
            "line": line_of(BASE, "cycle"),
            "message": _("%(field)s %(value)s is not one of: %(choices)s")
            % {"field": "cycle", "value": "“week”", "choices": "month, quarter, year"},
        }
    assert code == 1 and err.splitlines()[0] == first


@pytest.mark.django_db(transaction=True)
def test_the_real_command_exits_non_zero_on_a_bad_file_and_0_on_a_good_one(write):
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_standard"]
    bad = write(bend("full_score: 100", "full_score: 99"), "bad.yaml")
    result = subprocess.run(
        [*manage, str(bad), "--language", "en"], env=env, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert "full_score (99) must equal" in result.stderr
    result = subprocess.run(
        [*manage, str(MONTH), "--language", "en"], env=env, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "WMKS-M-2026: version 1 created\n", "")
    assert StandardVersion.objects.filter(standard__code="WMKS-M-2026", number=1).exists()
