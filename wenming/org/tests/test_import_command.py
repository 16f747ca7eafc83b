"""``manage.py import_org DEPARTMENTS STAFF``: summary and exit 0, or every problem on stderr and exit 1."""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.core.models import AuditEntry
from wenming.org.models import Department, Staff

DATA = Path(__file__).parent / "data"
SAMPLE = Path("/work/shared/data/sample")
BAD_DEPARTMENTS = "code,name,parent,category\nD01,心血管内科,,临床\nD02,,D99,临床\n"
BAD_STAFF = "staff_no,name,department,phone\nE1,张三,D01,13800138000\nE1,李四,D01,123\n"


def database_url() -> str:
    """A DATABASE_URL for another process to use the test database of this one."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{credentials}@" if credentials else ""
    return f"postgres://{host}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def run(*args, language=None):
    """call_command, returning (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if language:
        options["language"] = language
    try:
        call_command("import_org", *map(str, args), **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def bad_files(tmp_path):
    departments, staff = tmp_path / "departments.csv", tmp_path / "staff.csv"
    departments.write_text(BAD_DEPARTMENTS, encoding="utf-8")
    staff.write_text(BAD_STAFF, encoding="gb18030")
    return departments, staff


@pytest.mark.django_db
def test_good_files_print_a_one_line_summary_and_exit_0():
    code, out, err = run(SAMPLE / "departments.csv", SAMPLE / "staff.csv", language="en")
    assert (code, err) == (0, "")
    assert out == (
        "Departments: 10 created, 0 updated, 0 unchanged; staff: 12 created, 0 updated, 0 marked as left, 0 unchanged\n"
    )
    assert Staff.objects.count() == 12
    code, out, _err = run(SAMPLE / "departments.csv", SAMPLE / "staff.csv", language="en")
    assert code == 0
    assert out.startswith("Departments: 0 created, 0 updated, 10 unchanged; staff: 0 created")


@pytest.mark.django_db
def test_bad_files_change_nothing_and_print_every_problem_on_stderr(scenario, bad_files):
    before = (Department.objects.count(), Staff.objects.count(), AuditEntry.objects.count())
    code, out, err = run(*bad_files, language="en")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "line 3: the department name is empty",
        "line 3: the parent department “D99” is neither in this file nor in the system",
        "line 3: the staff number “E1” appears more than once (first on line 2)",
        "line 3: the mobile number “123” is not an 11-digit mainland mobile number",
        "Nothing was imported: 4 problems found.",
    ]
    assert (Department.objects.count(), Staff.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_messages_follow_the_language_chinese_by_default(scenario, bad_files):
    _code, _out, err = run(*bad_files)  # no --language: settings.LANGUAGE_CODE
    with translation.override(settings.LANGUAGE_CODE):
        first = _("line %(line)s: %(message)s") % {"line": 3, "message": _("the department name is empty")}
    assert err.splitlines()[0] == first


@pytest.mark.django_db
def test_unreadable_files_are_named(tmp_path):
    (tmp_path / "d.csv").write_text("code,name\n", encoding="utf-8")
    code, _out, err = run(tmp_path / "d.csv", tmp_path / "missing.csv", language="en")
    assert code == 1
    assert err.splitlines() == [
        f"{tmp_path / 'missing.csv'}: The file does not exist.",
        "line 1: the departments file has no rows below the header",
        "Nothing was imported: 2 problems found.",
    ]


@pytest.mark.django_db
def test_dry_run_checks_and_shows_changes_without_writing(scenario):
    before = (Department.objects.count(), Staff.objects.count(), AuditEntry.objects.count())
    code, out, _err = run(DATA / "departments_utf8_bom.csv", DATA / "staff.xlsx", "--dry-run", language="en")
    assert code == 0
    lines = out.splitlines()
    assert "new department D06 放射科" in lines
    assert "new staff member E0601 李雷 in D06" in lines
    assert lines[-1] == (
        "Dry run, nothing was written: Departments: 1 created, 0 updated, 4 unchanged; "
        "staff: 1 created, 4 updated, 0 marked as left, 2 unchanged"
    )
    assert (Department.objects.count(), Staff.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_the_real_command_exits_non_zero_and_speaks_chinese_by_default(tmp_path, bad_files):
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_org"]
    result = subprocess.run([*manage, *map(str, bad_files)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    with translation.override("zh-hans"):
        expected = _("line %(line)s: %(message)s") % {"line": 3, "message": _("the department name is empty")}
    assert result.stderr.splitlines()[0] == expected
    assert len(result.stderr.splitlines()) == 5

    good = [str(SAMPLE / "departments.csv"), str(SAMPLE / "staff.csv"), "--language", "en"]
    result = subprocess.run([*manage, *good], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Departments: 10 created")
    assert Staff.objects.filter(staff_no="E1012", department__code="D02").exists()
