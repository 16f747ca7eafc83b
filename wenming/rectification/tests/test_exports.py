"""The ledger's XLSX export, read back with openpyxl: the offices' layout, the filters and scope of
the page, Chinese or translated headers, print set-up; and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from wenming.org.selectors import hospital_today
from wenming.rectification.exports import OFFICE_HEADERS
from wenming.rectification.models import ItemState, RectificationItem, Source

pytestmark = pytest.mark.django_db

EXPORT = "/rectification/export.xlsx"


def today() -> dt.date:
    return hospital_today()


@pytest.fixture
def items(scenario):
    closed_at = timezone.now()
    return [
        RectificationItem.objects.create(
            department=scenario.ward,
            problem="护士站物品摆放杂乱，治疗车未归位",
            source=Source.FINDING,
            deadline=today() - dt.timedelta(days=2),
            state=ItemState.IN_PROGRESS,
            responsible=scenario.employee_staff,
            measures="每日交班前整理",
        ),
        RectificationItem.objects.create(
            department=scenario.ortho,
            problem="候诊区卫生差",
            source=Source.COMPLAINT,
            deadline=today() + dt.timedelta(days=5),
            state=ItemState.CLOSED,
            closed_at=closed_at,
        ),
    ]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_offices_layout_in_chinese(scenario, items, client_for):
    response = client_for(scenario.office).get(EXPORT)
    assert "attachment;" in response["Content-Disposition"]
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6-" in response["Content-Disposition"]
    book = workbook(response)
    sheet = book.active
    assert sheet.title == "整改台账"
    day = today()
    assert sheet["A1"].value == f"测试人民医院整改台账（{day.year}年{day.month}月{day.day}日）"
    assert sheet["A1"].font.bold
    assert "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == ["序号", "问题", "责任科室", "责任人", "整改措施", "时限", "状态", "销号日期"]
    assert list(OFFICE_HEADERS) == [c.value for c in sheet[2]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert rows == [
        [
            1,
            "护士站物品摆放杂乱，治疗车未归位",
            "心内一病区",
            "郑爽",
            "每日交班前整理",
            dt.datetime.combine(today() - dt.timedelta(days=2), dt.time()),
            "整改中",
            None,
        ],
        [
            2,
            "候诊区卫生差",
            "骨科",
            None,
            None,
            dt.datetime.combine(today() + dt.timedelta(days=5), dt.time()),
            "已销号",
            dt.datetime.combine(timezone.localdate(items[1].closed_at), dt.time()),
        ],
    ]
    # The overdue deadline stands out; dates are dates; text wraps.
    assert sheet["F3"].font.color.rgb.endswith("B3261E") and sheet["F3"].number_format == "yyyy-mm-dd"
    assert not sheet["F4"].font.bold
    assert sheet["B3"].alignment.wrap_text


def test_print_set_up_widths_and_frozen_header(scenario, items, client_for):
    sheet = workbook(client_for(scenario.office).get(EXPORT)).active
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["B"].width == 46 and sheet.column_dimensions["E"].width == 40
    assert sheet.column_dimensions["A"].width == 6


def test_translated_headers_in_english(scenario, items, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    sheet = workbook(client.get(EXPORT)).active
    assert sheet.title == "Rectification ledger"
    assert sheet["A1"].value == f"测试人民医院 rectification ledger ({today().isoformat()})"
    assert [c.value for c in sheet[2]] == [
        "No.",
        "Problem",
        "Responsible department",
        "Responsible person",
        "Rectification measures",
        "Deadline",
        "State",
        "Closed out on",
    ]
    assert sheet["G3"].value == "Being rectified"


def test_the_export_follows_the_filters_and_the_persons_scope(scenario, items, client_for):
    sheet = workbook(client_for(scenario.office).get(EXPORT, {"overdue": "yes"})).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == ["护士站物品摆放杂乱，治疗车未归位"]
    sheet = workbook(client_for(scenario.office).get(EXPORT, {"state": "closed", "page": "2"})).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == ["候诊区卫生差"]
    sheet = workbook(client_for(scenario.head_ortho).get(EXPORT)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == ["候诊区卫生差"]
    sheet = workbook(client_for(scenario.head_cardio).get(EXPORT, {"department": "D02"})).active
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == ["护士站物品摆放杂乱，治疗车未归位"]


def test_an_empty_export_still_has_its_title_and_header(scenario, client_for):
    sheet = workbook(client_for(scenario.office).get(EXPORT)).active
    assert sheet.max_row == 2


def test_the_query_count_does_not_grow_with_the_rows(scenario, client_for):
    client = client_for(scenario.office)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(EXPORT)
            b"".join(response.streaming_content)
        return len(context.captured_queries)

    def grow(count: int) -> None:
        RectificationItem.objects.bulk_create(
            [
                RectificationItem(
                    department=scenario.ward,
                    problem=f"问题{i}",
                    source=Source.OTHER,
                    deadline=today(),
                    responsible=scenario.employee_staff,
                )
                for i in range(count)
            ]
        )

    grow(3)
    few = queries()
    grow(500)
    assert queries() == few
    assert few <= 10
