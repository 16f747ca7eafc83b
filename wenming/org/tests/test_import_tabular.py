"""wenming.core.tabular: reading CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX tables."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from wenming.core.tabular import Column, Position, TableError, cell_text, read_table

COLUMNS = (
    Column("staff_no", ("staff_no", "工号"), required=True),
    Column("name", ("name", "姓名"), required=True),
    Column("phone", ("phone", "手机")),
)
# Chinese headers in a shuffled order, an unknown column, and a blank line (line 3).
ROWS_TEXT = "手机,备注,姓名,工号\r\n13800138000,新来的,张三,E0001\r\n\r\n,,李四,E0002\r\n"
EXPECTED = [
    (2, {"staff_no": "E0001", "name": "张三", "phone": "13800138000"}),
    (4, {"staff_no": "E0002", "name": "李四", "phone": ""}),
]


def rows(table):
    return [(row.position.line, row.values) for row in table.rows]


def xlsx_bytes(*rows, title="职工"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(ROWS_TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + ROWS_TEXT.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(ROWS_TEXT.encode("gb18030"), id="gb18030"),
    ],
)
def test_csv_in_each_encoding_reads_the_same(data):
    table = read_table(data, columns=COLUMNS, name="职工.csv")
    assert table.kind == "csv"
    assert rows(table) == EXPECTED
    assert table.columns == ["phone", "name", "staff_no"]
    assert table.ignored_columns == ["备注"]
    assert table.header == Position(line=1)


def test_xlsx_with_chinese_headers_and_numbers_as_excel_keeps_them():
    data = xlsx_bytes(
        ["手机", "备注", "姓名", "工号"],
        [13800138000, "新来的", "张三", "E0001"],
        [None, None, None, None],
        [None, None, "李四", "E0002"],
    )
    table = read_table(data, columns=COLUMNS, name="职工.xlsx")
    assert table.kind == "xlsx"
    assert rows(table) == EXPECTED
    assert table.rows[0].position == Position(line=2, sheet="职工")
    assert table.ignored_columns == ["备注"]


def test_headers_are_trimmed_case_insensitive_and_english_or_chinese():
    table = read_table(b" Staff_No ,NAME*,\xe6\x89\x8b\xe6\x9c\xba\nE1,a,1\n", columns=COLUMNS, name="x.csv")
    assert table.columns == ["staff_no", "name", "phone"]
    assert rows(table) == [(2, {"staff_no": "E1", "name": "a", "phone": "1"})]


def test_a_quoted_cell_spanning_lines_keeps_the_numbering_true():
    data = b'staff_no,name\nE1,"two\nlines"\nE2,b\n'
    assert [r.position.line for r in read_table(data, columns=COLUMNS, name="x.csv").rows] == [2, 4]


def test_blank_lines_before_the_header_are_skipped_but_counted():
    table = read_table(b"\n,,\nstaff_no,name\nE1,a\n", columns=COLUMNS, name="x.csv")
    assert table.header.line == 3
    assert rows(table) == [(4, {"staff_no": "E1", "name": "a"})]


def test_cell_text_of_spreadsheet_values():
    assert cell_text(13800138000) == "13800138000"
    assert cell_text(13800138000.0) == "13800138000"
    assert cell_text(1.0) == "1"
    assert cell_text(1.5) == "1.5"
    assert cell_text(True) == "true"
    assert cell_text(dt.datetime(2026, 10, 3)) == "2026-10-03"
    assert cell_text(dt.date(2026, 10, 3)) == "2026-10-03"
    assert cell_text(None) == ""
    assert cell_text("  张三 ") == "张三"


def test_xlsx_dates_become_iso():
    data = xlsx_bytes(["工号", "姓名", "手机"], ["E1", "a", dt.datetime(2026, 10, 3)])
    assert read_table(data, columns=COLUMNS, name="x.xlsx").rows[0]["phone"] == "2026-10-03"


def messages_of(excinfo):
    with translation.override("en"):
        return [str(problem) for problem in excinfo.value.problems]


def test_missing_and_doubled_columns_are_refused_together():
    with translation.override("en"), pytest.raises(TableError) as excinfo:
        read_table("姓名,name,手机\n张三,张三,1\n".encode(), columns=COLUMNS, name="x.csv")
    assert messages_of(excinfo) == [
        "line 1: the column 姓名 (name) is given twice (“姓名” and “name”); keep only one",
        "line 1: the required column 工号 (staff_no) is missing (accepted headers: staff_no / 工号)",
    ]


def test_problems_in_a_workbook_name_the_sheet_and_row():
    data = xlsx_bytes([], ["姓名"], ["张三"], title="名单")
    with translation.override("en"), pytest.raises(TableError) as excinfo:
        read_table(data, columns=COLUMNS, name="x.xlsx")
    assert messages_of(excinfo) == [
        "sheet 名单 row 2: the required column 工号 (staff_no) is missing (accepted headers: staff_no / 工号)"
    ]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "The file is empty."),
        (b"\n , \n", "x.csv", "The file is empty."),
        ("工号,姓名\n".encode("utf-16"), "x.csv", "The file is neither UTF-8 nor GB18030 text."),
        (b"PK\x03\x04rest", "x.csv", "This is an Excel workbook; its name should end in .xlsx."),
        (b"not a workbook", "x.xlsx", "The file cannot be opened as an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0rest", "x.xls", "The old Excel format (.xls) cannot be read"),
        (b"a,b", "x.txt", "Only .csv and .xlsx files can be read; “x.txt” is neither."),
    ],
)
def test_unreadable_files_get_a_clear_message(data, name, message):
    with translation.override("en"), pytest.raises(TableError) as excinfo:
        read_table(data, columns=COLUMNS, name=name)
    assert len(excinfo.value.problems) == 1
    assert str(excinfo.value.problems[0]).startswith(message)
    assert excinfo.value.problems[0].file == name


def test_too_many_rows_are_refused():
    data = ("工号,姓名\n" + "E1,a\n" * 4).encode()
    with translation.override("en"), pytest.raises(TableError) as excinfo:
        read_table(data, columns=COLUMNS, name="x.csv", max_rows=3)
    assert messages_of(excinfo) == ["line 5: The file has more than 3 rows; please split it."]


def test_positions_follow_the_active_language():
    position = Position(line=4)
    with translation.override("en"):
        assert position.format("bad") == "line 4: bad"
        assert Position(line=4, sheet="职工").format("bad") == "sheet 职工 row 4: bad"
    with translation.override("zh-hans"):
        text = position.format("bad")
        assert text.endswith("bad")
        assert "4" in text
        assert "４" not in text  # the number stays a plain number


def test_read_from_a_path_uses_its_name(tmp_path):
    path = tmp_path / "职工.csv"
    path.write_bytes(ROWS_TEXT.encode("gb18030"))
    table = read_table(path, columns=COLUMNS)
    assert table.name == "职工.csv"
    assert rows(table) == EXPECTED
