"""The ledger as an XLSX workbook in the offices' layout (整改台账).

A title row (the hospital, 整改台账, the date), then 序号、问题、责任科室、责任人、整改措施、时限、
状态、销号日期 — in Chinese, word for word the offices' columns, when the interface language is
Chinese; translated headers otherwise. Wrapped text, frozen header, printed A4 landscape fitted to
the page width with the header repeated on every page; overdue deadlines in red.

Streamed: rows come from ``selectors.export_rows`` (plain tuples, read in chunks), go through a
write-only workbook (openpyxl keeps them in a temporary file, not in memory) into a temporary file,
which the response sends in blocks. 10,000 rows take about 3 s on the benchmark machine
(``bench/ledger.py``), nearly all of it openpyxl writing 80,000 styled cells.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

from wenming.core.exports import XLSX_TYPE

from .models import ItemState
from .selectors import export_rows, local_date

OFFICE_HEADERS = ("序号", "问题", "责任科室", "责任人", "整改措施", "时限", "状态", "销号日期")
WIDTHS = (6, 46, 14, 10, 40, 12, 14, 12)
DATE_FORMAT = "yyyy-mm-dd"
PAPER_A4 = 9  # openpyxl's Worksheet.PAPERSIZE_A4

_thin = Side(style="thin", color="999999")
_border = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_wrap = Alignment(wrap_text=True, vertical="top")
_centre = Alignment(horizontal="center", vertical="top", wrap_text=True)


def _styles() -> dict[str, NamedStyle]:
    """The cell styles of the sheet, as named styles: assigning one is a lookup, where setting a
    cell's font, border and alignment one by one costs a hash of each (seconds for 10,000 rows)."""
    return {
        "header": NamedStyle(
            name="ledger-header",
            font=Font(bold=True),
            alignment=_centre,
            border=_border,
            fill=PatternFill("solid", fgColor="F2E6E4"),
        ),
        "text": NamedStyle(name="ledger-text", alignment=_wrap, border=_border),
        "centre": NamedStyle(name="ledger-centre", alignment=_centre, border=_border),
        "date": NamedStyle(name="ledger-date", alignment=_centre, border=_border, number_format=DATE_FORMAT),
        "overdue": NamedStyle(
            name="ledger-overdue",
            alignment=_centre,
            border=_border,
            number_format=DATE_FORMAT,
            font=Font(color="B3261E", bold=True),
        ),
    }


def _chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


def ledger_headers(language: str | None = None) -> list[str]:
    if _chinese(language if language is not None else get_language()):
        return list(OFFICE_HEADERS)
    return [
        _("No."),
        _("Problem"),
        _("Responsible department"),
        _("Responsible person"),
        _("Rectification measures"),
        _("Deadline"),
        _("State"),
        _("Closed out on"),
    ]


def ledger_title(hospital_name: str, today: date, language: str | None = None) -> str:
    if _chinese(language if language is not None else get_language()):
        return f"{hospital_name}整改台账（{today.year}年{today.month}月{today.day}日）"
    return _("%(hospital)s rectification ledger (%(date)s)") % {"hospital": hospital_name, "date": today.isoformat()}


def sheet_title(language: str | None = None) -> str:
    return "整改台账" if _chinese(language if language is not None else get_language()) else _("Rectification ledger")


def write_ledger(target: BinaryIO | str, rows: Iterable[tuple], *, hospital_name: str, today: date) -> int:
    """Write the ledger workbook to ``target`` (a file or a path) from ``export_rows`` tuples;
    returns the number of items written. Headers and state names in the active language."""
    states = {value: str(label) for value, label in ItemState.choices}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title())
    columns = len(OFFICE_HEADERS)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 30
    sheet.merged_cells.add(CellRange(min_col=1, min_row=1, max_col=columns, max_row=1))
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True

    styles = _styles()
    for style in styles.values():
        workbook.add_named_style(style)

    def cell(value, style: str = "text") -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        c.style = styles[style].name
        return c

    title = WriteOnlyCell(sheet, value=ledger_title(hospital_name, today))
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    sheet.append([cell(str(text), "header") for text in ledger_headers()])
    written = 0
    for problem, department, responsible, measures, deadline, state, closed_at, overdue in rows:
        written += 1
        sheet.append(
            [
                cell(written, "centre"),
                cell(problem),
                cell(department),
                cell(responsible or ""),
                cell(measures or ""),
                cell(deadline, "overdue" if overdue else "date"),
                cell(states.get(state, state), "centre"),
                cell(local_date(closed_at), "date"),
            ]
        )
    workbook.save(target)
    return written


def ledger_filename(today: date) -> str:
    return f"{sheet_title()}-{today:%Y%m%d}.xlsx"


def ledger_response(items, *, hospital_name: str, today: date) -> FileResponse:
    """The workbook of ``items`` (a ledger queryset) as a download, written to a temporary file
    and sent from it in blocks."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    write_ledger(handle, export_rows(items), hospital_name=hospital_name, today=today)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_TYPE)
    filename = ledger_filename(today)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response
