"""The monthly supervision report as a workbook: one sheet a table, in the active language.

Pure: :func:`report_xlsx` turns a :class:`~.selectors.Report` into XLSX bytes; no database.
Numbers stay numbers (points as exact decimals, rates in per cent), dates stay dates, so the
office can sort, sum and chart them in Excel or WPS.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .selectors import Report

DATE_FORMAT = "yyyy-mm-dd"


def _sheet(workbook: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]):
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value="" if value is None else value)
            if hasattr(value, "isoformat"):
                cell.number_format = DATE_FORMAT
            cells.append(cell)
        sheet.append(cells)


def _summary_rows(report: Report) -> list[tuple[str, object]]:
    h, r = report.headline, report.rectification
    if report.scope.whole_hospital:
        scope = _("The whole hospital")
    else:
        scope = "、".join(department.name for department in report.scope.departments)
    return [
        (_("Month"), report.period.label),
        (_("Departments covered"), scope),
        (_("Inspection rounds"), h.rounds),
        (_("Of which unannounced"), h.unannounced),
        (_("Departments inspected"), h.departments_inspected),
        (_("Findings (occurrences)"), h.occurrences),
        (_("Finding records"), h.records),
        (_("Points deducted"), h.points),
        (_("Pending findings (occurrences)"), h.pending_occurrences),
        (_("Appeals filed"), h.appeals_filed),
        (_("Appeals decided: finding upheld"), h.appeals_upheld),
        (_("Appeals decided: finding voided"), h.appeals_voided),
        (_("Appeals pending"), h.appeals_pending),
        (_("Rectification items opened"), r.opened),
        (_("Of those, closed by the month's end"), r.opened_closed),
        (_("Closure rate (%)"), r.closure_rate),
        (_("Rectification items closed in the month"), r.closed),
        (_("Average days to close"), r.average_days),
        (_("Items open at the month's end"), r.open_at_end),
        (_("Items overdue"), len(report.overdue)),
    ]


def report_xlsx(report: Report) -> bytes:
    workbook = Workbook(write_only=True)
    _sheet(workbook, _("Summary"), [_("Figure"), _("Value")], _summary_rows(report), [36, 30])
    _sheet(
        workbook,
        _("By department"),
        [
            _("Department code"),
            _("Department"),
            _("Rounds"),
            _("Unannounced"),
            _("Finding records"),
            _("Findings (occurrences)"),
            _("Points deducted"),
            _("Pending (occurrences)"),
        ],
        (
            (
                row.code,
                row.name,
                row.rounds,
                row.unannounced,
                row.records,
                row.occurrences,
                row.points,
                row.pending,
            )
            for row in report.departments
        ),
        [12, 20, 8, 10, 12, 14, 12, 14],
    )
    _sheet(
        workbook,
        _("By problem"),
        [
            _("Standard"),
            _("Deduction code"),
            _("Deduction"),
            _("Item"),
            _("Points each"),
            _("Departments"),
            _("Finding records"),
            _("Findings (occurrences)"),
            _("Points deducted"),
            _("Pending (occurrences)"),
        ],
        (
            (
                row.standard_code,
                row.code,
                row.name,
                row.item,
                row.points_each,
                row.department_count,
                row.records,
                row.occurrences,
                row.points,
                row.pending,
            )
            for row in report.problems
        ),
        [14, 10, 36, 28, 10, 10, 12, 14, 12, 14],
    )
    _sheet(
        workbook,
        _("Repeat problems"),
        [
            _("Department code"),
            _("Department"),
            _("Standard"),
            _("Deduction code"),
            _("Deduction"),
            _("Records this month"),
            _("Occurrences this month"),
            _("Records in the two months before"),
            _("Last found before"),
        ],
        (
            (
                row.department_code,
                row.department_name,
                row.standard_code,
                row.code,
                row.name,
                row.records,
                row.occurrences,
                row.earlier_records,
                row.last_earlier,
            )
            for row in report.repeats
        ),
        [12, 20, 14, 10, 36, 12, 14, 16, 14],
    )
    _sheet(
        workbook,
        _("Overdue items"),
        [
            _("Number"),
            _("Department code"),
            _("Department"),
            _("Problem"),
            _("Source"),
            _("Deadline"),
            _("Days overdue"),
            _("State now"),
        ],
        (
            (
                row.pk,
                row.department_code,
                row.department_name,
                row.problem,
                row.source,
                row.deadline,
                row.days_overdue,
                row.state,
            )
            for row in report.overdue
        ),
        [8, 12, 20, 48, 14, 12, 10, 16],
    )
    _sheet(
        workbook,
        _("Trend"),
        [
            _("Month"),
            _("Findings (occurrences)"),
            _("Rectification items opened"),
            _("Of those, closed by the month's end"),
            _("Closure rate (%)"),
        ],
        (
            (point.period.label, point.occurrences, point.opened, point.closed, point.closure_rate)
            for point in report.trend
        ),
        [14, 14, 16, 18, 12],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
