"""import_records: every refusal rule with its line number, nothing written on any problem, ids."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from wenming.feedback.models import Feedback
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.services import period_compute, period_finalize
from wenming.scoring.tests.helpers import EXAMPLES, import_records, load_month, run, write_jsonl
from wenming.standards.selectors import newest_version

pytestmark = pytest.mark.django_db

STD = "WMKS-M-2026"
GOOD = {"kind": "finding", "standard": STD, "subject": "D01", "code": "A1a", "date": "2026-10-03", "id": "g-1"}


@pytest.fixture
def month():
    load_month()


def test_good_file_imports_every_kind_and_counts_at_once(month, tmp_path):
    rows = [
        GOOD,
        {"kind": "bonus", "standard": STD, "subject": "D04", "code": "F1", "date": "2026-10-12", "count": 3},
        {"kind": "veto", "standard": STD, "subject": "D09", "code": "V3", "date": "2026-10-25", "note": "舆情"},
        {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-10", "value": 8.5,
         "assessor": "E1009"},
        {"kind": "feedback", "department": "D01", "staff": "E1001", "at": "2026-10-03T09:12:00+08:00", "overall": 5,
         "answers": {"Q1": 5}, "comment": "好"},
    ]  # fmt: skip
    status, out, err = import_records(write_jsonl(tmp_path / "r.jsonl", rows))
    assert (status, err) == (0, "")
    assert out.strip() == "5 records imported, 0 already present"
    assert Record.objects.count() == 4
    assert set(Record.objects.values_list("status", flat=True)) == {RecordStatus.COUNTS}
    manual = Record.objects.get(kind=RecordKind.MANUAL)
    assert (manual.period_key, str(manual.value), manual.assessor.staff_no) == ("2026-10", "8.50", "E1009")
    assert Record.objects.get(kind=RecordKind.BONUS).count == 3
    feedback = Feedback.objects.get()
    assert (feedback.local_date, feedback.staff.staff_no, feedback.answers) == (
        dt.date(2026, 10, 3),
        "E1001",
        {"Q1": 5},
    )


BAD = [
    ("not valid JSON", "{kind: finding"),
    ("a JSON object", "[1, 2]"),
    ("unknown kind", {**GOOD, "kind": "praise"}),
    ("unknown standard", {**GOOD, "standard": "NOPE"}),
    ("not a department code", {**GOOD, "subject": "E1001"}),
    ("does not belong to standard", {**GOOD, "code": "ZZ9"}),
    ("does not fit a finding", {**GOOD, "code": "F1"}),
    ("does not fit a bonus", {**GOOD, "kind": "bonus", "code": "A1a"}),
    ("does not fit a veto", {**GOOD, "kind": "veto", "code": "F1"}),
    ("not a manual item", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A1", "period": "2026-10",
                           "value": 1}),
    ("positive integer", {**GOOD, "count": 0}),
    ("positive integer", {**GOOD, "count": 1.5}),
    ("positive integer", {**GOOD, "count": "2"}),
    ("too large", {**GOOD, "count": 10**10}),
    ("longer than 100", {**GOOD, "id": "x" * 101}),
    ("is not between 0 and", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-10",
                              "value": 99}),
    ("is not between 0 and", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-10",
                              "value": -1}),
    ("value must be a number", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2",
                                "period": "2026-10"}),
    ("YYYY-MM-DD", {**GOOD, "date": "2026/10/03"}),
    ("YYYY-MM-DD", {**GOOD, "date": "2026-02-30"}),
    ("period", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-Q4", "value": 1}),
    ("not a department code", {"kind": "feedback", "department": "D99", "at": "2026-10-03T09:00:00+08:00",
                               "overall": 5}),
    ("not a staff number", {"kind": "feedback", "department": "D01", "staff": "E9999",
                            "at": "2026-10-03T09:00:00+08:00", "overall": 5}),
    ("1 to 5", {"kind": "feedback", "department": "D01", "at": "2026-10-03T09:00:00+08:00", "overall": 6}),
    ("1 to 5", {"kind": "feedback", "department": "D01", "at": "2026-10-03T09:00:00+08:00", "overall": 4.5}),
    ("ISO 8601", {"kind": "feedback", "department": "D01", "at": "yesterday", "overall": 5}),
    ("assessor", {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-10", "value": 1,
                  "assessor": "E9999"}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "row"), BAD, ids=[f"{i}-{m}" for i, (m, _r) in enumerate(BAD)])
def test_each_rule_refuses_the_whole_file_with_its_line(month, tmp_path, message, row):
    if isinstance(row, dict) and row.get("id") == GOOD["id"]:
        row = {key: value for key, value in row.items() if key != "id"}
    path = write_jsonl(tmp_path / "r.jsonl", [GOOD, row])
    status, out, err = import_records(path)
    assert status == 1
    assert out == ""
    assert "line 2: " in err
    assert message in err
    assert "line 1:" not in err
    assert Record.objects.count() == 0
    assert Feedback.objects.count() == 0


def test_staff_standard_wants_staff_numbers(month, tmp_path):
    run("import_standard", str(EXAMPLES / "ethics-year.yaml"))
    version = newest_version("YDKP-2026")
    item = next(i for i in version.definition.walk() if i.deductions)
    row = {"kind": "finding", "standard": "YDKP-2026", "subject": "D01", "code": item.deductions[0].code,
           "date": "2026-10-03"}  # fmt: skip
    status, _out, err = import_records(write_jsonl(tmp_path / "r.jsonl", [row]))
    assert status == 1
    assert "line 1: subject D01 is not a staff number" in err
    good = write_jsonl(tmp_path / "s.jsonl", [{**row, "subject": "E1001"}])
    assert import_records(good)[0] == 0
    assert Record.objects.get().staff.staff_no == "E1001"


def test_every_problem_is_reported_in_order(month, tmp_path):
    path = write_jsonl(
        tmp_path / "r.jsonl", [{**GOOD, "id": "z", "code": "ZZ"}, GOOD, "", "oops", {**GOOD, "id": "x", "count": -1}]
    )
    status, _out, err = import_records(path)
    lines = [line for line in err.splitlines() if line.startswith("line ")]
    assert status == 1
    assert [line.split(":")[0] for line in lines] == ["line 1", "line 4", "line 5"]
    assert "3 problems" in err


def test_messages_follow_the_active_language(month, tmp_path):
    import io

    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_records", str(write_jsonl(tmp_path / "r.jsonl", ["{"])), stderr=err)
    assert "第 1 行" in err.getvalue() or "line 1" in err.getvalue()


def test_ids_are_idempotent(month, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [GOOD, {**GOOD, "id": "g-2", "code": "A1b"}])
    assert import_records(path)[:2] == (0, "2 records imported, 0 already present\n")
    more = write_jsonl(tmp_path / "s.jsonl", [GOOD, {**GOOD, "id": "g-3"}, {**GOOD, "id": None}])
    assert import_records(more)[:2] == (0, "2 records imported, 1 already present\n")
    assert Record.objects.count() == 4


def test_same_id_twice_in_a_file(month, tmp_path):
    same = write_jsonl(tmp_path / "same.jsonl", [GOOD, GOOD])
    assert import_records(same)[:2] == (0, "1 records imported, 1 already present\n")
    Record.objects.all().delete()
    different = write_jsonl(tmp_path / "diff.jsonl", [GOOD, {**GOOD, "count": 2}])
    status, _out, err = import_records(different)
    assert status == 1
    assert "line 2: id g-1 is used on line 1 with different content" in err
    assert Record.objects.count() == 0


def test_feedback_time_zones(month, tmp_path):
    rows = [
        {"kind": "feedback", "department": "D01", "at": "2026-10-31T20:00:00Z", "overall": 5, "id": "utc"},
        {"kind": "feedback", "department": "D01", "at": "2026-10-31T23:30:00", "overall": 5, "id": "local"},
    ]
    assert import_records(write_jsonl(tmp_path / "r.jsonl", rows))[0] == 0
    assert Feedback.objects.get(external_id="utc").local_date == dt.date(2026, 11, 1)
    local = Feedback.objects.get(external_id="local")
    assert local.local_date == dt.date(2026, 10, 31)
    assert local.at == dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC)


def test_records_in_a_finalized_period_are_refused(month, tmp_path):
    assert import_records(write_jsonl(tmp_path / "a.jsonl", [GOOD]))[0] == 0
    period_compute(standard_code=STD, period_key="2026-10")
    period_finalize(standard_code=STD, period_key="2026-10", reason="A2 not scored this month")
    rows = [
        {**GOOD, "id": "late"},
        {"kind": "manual", "standard": STD, "subject": "D01", "code": "A2", "period": "2026-10", "value": 5},
        {**GOOD, "id": "nov", "date": "2026-11-02"},
    ]
    status, _out, err = import_records(write_jsonl(tmp_path / "b.jsonl", rows))
    assert status == 1
    assert "line 1: period 2026-10 of WMKS-M-2026 is finalized" in err
    assert "line 2: period 2026-10 of WMKS-M-2026 is finalized" in err
    assert "line 3" not in err
    assert Record.objects.count() == 1


def test_reimporting_after_finalizing_is_a_no_op(month, tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [GOOD, {**GOOD, "id": "g-2", "code": "A1b"}])
    assert import_records(first)[0] == 0
    period_compute(standard_code=STD, period_key="2026-10")
    period_finalize(standard_code=STD, period_key="2026-10", reason="test")
    assert import_records(first)[:2] == (0, "0 records imported, 2 already present\n")


def test_line_separators_inside_strings_and_crlf(month, tmp_path):
    path = tmp_path / "r.jsonl"
    row = json.dumps({**GOOD, "note": "a\u2028b"}, ensure_ascii=False)
    path.write_text(row + "\r\n" + json.dumps({**GOOD, "id": "g-2"}) + "\r\n", encoding="utf-8")
    assert import_records(path)[:2] == (0, "2 records imported, 0 already present\n")
    assert Record.objects.get(external_id="g-1").note == "a\u2028b"
