"""The report's workbook, read back."""

import io
from datetime import datetime
from urllib.parse import unquote

from django.urls import reverse
from openpyxl import load_workbook

from wenming.core.exports import XLSX_TYPE


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    return load_workbook(io.BytesIO(response.content))


def values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_a_sheet_per_table_with_the_pages_numbers(scenario, client_for, today, march):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(reverse("supervision:xlsx", args=["2026-03"]))
    book = workbook(response)

    assert "supervision-report-2026-03.xlsx" in unquote(response["Content-Disposition"])
    assert book.sheetnames == ["Summary", "By department", "By problem", "Repeat problems", "Overdue items", "Trend"]

    summary = dict(values(book["Summary"])[1:])
    assert summary["Departments covered"] == "The whole hospital"
    assert summary["Inspection rounds"] == 6
    assert summary["Of which unannounced"] == 2
    assert summary["Departments inspected"] == 3
    assert summary["Findings (occurrences)"] == 9
    assert summary["Points deducted"] == 8
    assert summary["Pending findings (occurrences)"] == 1
    assert summary["Appeals filed"] == 3
    assert summary["Rectification items opened"] == 5
    assert summary["Closure rate (%)"] == 40
    assert summary["Average days to close"] == 7.2
    assert summary["Items open at the month's end"] == 4
    assert summary["Items overdue"] == 3

    departments = values(book["By department"])
    assert departments[0][:3] == ["Department code", "Department", "Rounds"]
    assert departments[1:] == [
        ["D0101", "心内一病区", 3, 1, 2, 5, 3.5, 1],
        ["D02", "骨科", 2, 1, 3, 4, 4.5, 0],
        ["D01", "心血管内科", 1, 0, 0, 0, 0, 0],
    ]

    problems = values(book["By problem"])
    assert problems[1] == ["WMKS-M-2026", "D1a", "未佩戴工作牌（每人次）", "D1 亮牌上岗、公开承诺", 0.5, 2, 3, 6, 3, 0]
    assert [row[1] for row in problems[1:]] == ["D1a", "E1", "C1", "B2"]

    repeats = values(book["Repeat problems"])[1:]
    assert [(r[0], r[3], r[5], r[6], r[7], r[8]) for r in repeats] == [
        ("D0101", "D1a", 1, 3, 1, datetime(2026, 1, 15)),
        ("D0101", "E1", 1, 2, 1, datetime(2026, 2, 10)),
        ("D02", "D1a", 2, 3, 0, None),
    ]

    overdue = values(book["Overdue items"])[1:]
    assert [(r[0], r[1], r[3], r[5], r[6]) for r in overdue] == [
        (march.f.pk, "D0101", "F 查房无记录", datetime(2026, 2, 1), 58),
        (march.c.pk, "D0101", "C 环境脏乱", datetime(2026, 3, 25), 6),
        (march.e.pk, "D02", "E 物品摆放", datetime(2026, 3, 30), 1),
    ]

    trend = values(book["Trend"])
    assert trend[0] == [
        "Month",
        "Findings (occurrences)",
        "Rectification items opened",
        "Of those, closed by the month's end",
        "Closure rate (%)",
    ]
    assert [row[1:] for row in trend[1:]] == [
        [0, 0, 0, None],
        [0, 0, 0, None],
        [1, 0, 0, None],
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [9, 5, 2, 40],
    ]


def test_a_heads_workbook_covers_their_departments(scenario, client_for, today, march):
    book = workbook(client_for(scenario.head_ortho).get(reverse("supervision:xlsx", args=["2026-03"])))

    sheets = book.worksheets  # in Chinese: Summary, By department, By problem, Repeats, Overdue, Trend
    assert [row[0] for row in values(sheets[1])[1:]] == ["D02"]
    assert [row[1] for row in values(sheets[4])[1:]] == ["D02"]
    summary = dict(values(sheets[0])[1:])
    assert "骨科" in [value for value in summary.values() if isinstance(value, str)]


def test_an_empty_month_gives_headers_only(scenario, client_for, today, standard):
    book = workbook(client_for(scenario.office).get(reverse("supervision:xlsx", args=["2026-03"])))

    for name in book.sheetnames[1:5]:
        assert len(values(book[name])) == 1
    assert len(values(book.worksheets[5])) == 7
