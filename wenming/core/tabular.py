"""Reading the tables people keep in Excel: a ``.csv`` (UTF-8 with or without BOM, or GB18030 as
Chinese Excel saves it) or the first sheet of an ``.xlsx`` workbook.

The caller describes the columns it understands (:class:`Column`, with every header spelling it
accepts, Chinese or English); :func:`read_table` maps the file's headers onto them in any order and
returns a :class:`Table` of :class:`Row` objects whose values are trimmed strings. Each row knows
where it came from (:class:`Position`: ``line N`` for CSV, ``sheet S row N`` for XLSX, numbered as
the file is, blank rows included), so every problem can name the place to fix.

A file that cannot be read as a table at all raises :class:`TableError` with every problem found
(an unknown encoding, a missing or doubled column …). Checking the values is the caller's job.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

#: More rows than this is not a hospital's staff list; refuse rather than exhaust memory.
DEFAULT_MAX_ROWS = 200_000

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Excel format (OLE2)
_UTF8_BOM = b"\xef\xbb\xbf"


def normalise_header(text: str) -> str:
    """How headers are compared: trimmed, case-insensitive, spaces/hyphens as underscores,
    a trailing required-marker (``*``) dropped. ``" Staff No* "`` → ``"staff_no"``."""
    text = str(text).replace("\ufeff", "").strip().rstrip("*＊").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


@dataclass(frozen=True)
class Column:
    """A column the caller understands: its key, the headers that name it, whether it must be there.

    ``headers`` lists every accepted spelling; the first Chinese and the first English one are
    what messages show (``工号 (staff_no)``)."""

    key: str
    headers: tuple[str, ...]
    required: bool = False

    @property
    def title(self) -> str:
        chinese = next((h for h in self.headers if not h.isascii()), "")
        english = next((h for h in self.headers if h.isascii()), self.key)
        return f"{chinese} ({english})" if chinese else english


@dataclass(frozen=True)
class Position:
    """Where a row is: ``line`` counts the file's lines from 1 (CSV) or is the sheet's row number
    (XLSX, when ``sheet`` is set)."""

    line: int
    sheet: str | None = None

    @property
    def label(self) -> str:
        """``line 4`` / ``sheet 职工 row 4``, in the active language."""
        if self.sheet is not None:
            return _("sheet %(sheet)s row %(row)s") % {"sheet": self.sheet, "row": self.line}
        return _("line %(line)s") % {"line": self.line}

    def format(self, message: str) -> str:
        """``line 4: message`` / ``sheet 职工 row 4: message``, in the active language."""
        if self.sheet is not None:
            return _("sheet %(sheet)s row %(row)s: %(message)s") % {
                "sheet": self.sheet,
                "row": self.line,
                "message": message,
            }
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": message}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. ``message`` is already in the language that was active when the
    problem was found; ``position`` is None for problems with the whole file."""

    message: str
    position: Position | None = None
    file: str = ""

    @property
    def where(self) -> str:
        return self.position.label if self.position else ""

    def __str__(self) -> str:
        return self.position.format(self.message) if self.position else self.message

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe form, for storing with an import."""
        return {
            "file": self.file,
            "where": self.where,
            "line": self.position.line if self.position else None,
            "sheet": self.position.sheet if self.position else None,
            "message": self.message,
            "text": str(self),
        }


class TableError(Exception):
    """The file cannot be read as the expected table; ``problems`` says every reason found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Row:
    """One non-empty row: ``values`` has a trimmed string for every column key the table has."""

    position: Position
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    """A table read from a file. ``columns`` are the keys present (in file order); ``ignored_columns``
    the headers nobody asked for, as written in the file."""

    name: str
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    rows: list[Row]
    header: Position
    ignored_columns: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.columns

    def __len__(self) -> int:
        return len(self.rows)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole numbers without ``.0`` (a mobile stored as a number stays
    ``13800138000``), dates as ISO ``2026-10-03``, booleans as ``true``/``false``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def decode_text(data: bytes) -> str:
    """CSV bytes as text: a UTF-8 BOM → UTF-8; else strict UTF-8; else strict GB18030 (Chinese Excel's
    "CSV (逗号分隔)"). Raises ValueError when none fits."""
    if data.startswith(_UTF8_BOM):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValueError("neither UTF-8 nor GB18030") from None


def _read_bytes(source: str | os.PathLike | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read()


def read_table(
    source: str | os.PathLike | bytes | IO[bytes],
    *,
    columns: Sequence[Column],
    name: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Table:
    """Read a ``.csv`` or ``.xlsx`` table (chosen by the file name's extension) into a :class:`Table`.

    ``source`` is a path, the file's bytes or a binary file; ``name`` is the file name shown in
    messages and used for the extension (default: the path's name). Headers are matched to
    ``columns`` case-insensitively in any order; unknown headers are ignored and listed; a missing
    required column, a column given twice, an unreadable file, or more than ``max_rows`` rows raise
    :class:`TableError` listing every such problem. Completely empty rows are skipped, but positions
    keep the file's own numbering."""
    if name is None:
        name = Path(str(source)).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    name = Path(name or "").name
    extension = Path(name).suffix.lower()
    if extension not in {".csv", ".xlsx"}:
        if extension == ".xls":
            message = _("The old Excel format (.xls) cannot be read; please save the file as .xlsx in Excel.")
        else:
            message = _("Only .csv and .xlsx files can be read; “%(name)s” is neither.") % {"name": name}
        raise TableError([Problem(message, file=name)])
    data = _read_bytes(source)
    if not data.strip():
        raise TableError([Problem(_("The file is empty."), file=name)])
    if extension == ".csv":
        if data.startswith(_XLSX_MAGIC):
            raise TableError([Problem(_("This is an Excel workbook; its name should end in .xlsx."), file=name)])
        if data.startswith(_XLS_MAGIC):
            raise TableError(
                [Problem(_("This is an old Excel workbook (.xls); please save it as .xlsx or as CSV."), file=name)]
            )
        raw_rows, kind, sheet = _csv_rows(data, name), "csv", None
    else:
        sheet, raw_rows = _xlsx_rows(data, name)
        kind = "xlsx"
    return _build_table(raw_rows, name=name, kind=kind, sheet=sheet, columns=columns, max_rows=max_rows)


def _csv_rows(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) for every record of a CSV file; a quoted cell may span lines."""
    try:
        text = decode_text(data)
    except ValueError:
        raise TableError(
            [
                Problem(
                    _(
                        "The file is neither UTF-8 nor GB18030 text. In Excel, choose “Save as” → "
                        "“CSV UTF-8 (comma delimited)” or save it as an .xlsx workbook."
                    ),
                    file=name,
                )
            ]
        ) from None
    if "\x00" in text:
        raise TableError([Problem(_("The file contains binary data and is not a CSV table."), file=name)])
    reader = csv.reader(io.StringIO(text, newline=""))

    def records() -> Iterator[tuple[int, list[str]]]:
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            position = Position(line=start)
            raise TableError(
                [Problem(_("the CSV text cannot be read: %(error)s") % {"error": exc}, position, name)]
            ) from None

    return records()


def _xlsx_rows(data: bytes, name: str) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The first sheet's title and (row number, cells) for each of its rows."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if data.startswith(_XLS_MAGIC):
        raise TableError(
            [
                Problem(
                    _("The old Excel format (.xls) cannot be read; please save the file as .xlsx in Excel."), None, name
                )
            ]
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise TableError(
            [
                Problem(
                    _(
                        "The file cannot be opened as an Excel workbook (.xlsx); "
                        "it may be damaged or protected by a password."
                    ),
                    file=name,
                )
            ]
        ) from None
    if not workbook.worksheets:
        workbook.close()
        raise TableError([Problem(_("The workbook has no sheet."), file=name)])
    sheet = workbook.worksheets[0]
    # Some programs write a wrong size into the sheet; read what is really there.
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                yield number, [cell_text(v) for v in values]
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile, SyntaxError):  # SyntaxError: broken XML
            raise TableError(
                [Problem(_("The sheet cannot be read; the workbook may be damaged."), file=name)]
            ) from None
        finally:
            workbook.close()

    return sheet.title, records()


def _is_blank(cells: Iterable[str]) -> bool:
    return all(not str(c).strip() for c in cells)


def _build_table(
    raw_rows: Iterator[tuple[int, list[str]]],
    *,
    name: str,
    kind: str,
    sheet: str | None,
    columns: Sequence[Column],
    max_rows: int,
) -> Table:
    by_header = {normalise_header(h): column for column in columns for h in column.headers}
    header_position: Position | None = None
    index: dict[str, int] = {}
    ignored: list[str] = []
    rows: list[Row] = []
    with contextlib.closing(raw_rows):
        for number, cells in raw_rows:
            if _is_blank(cells):
                continue
            position = Position(line=number, sheet=sheet)
            if header_position is None:
                header_position = position
                index, ignored = _match_headers(cells, by_header, columns, position, name)
                continue
            if len(rows) >= max_rows:
                raise TableError(
                    [
                        Problem(
                            _("The file has more than %(max)s rows; please split it.") % {"max": max_rows},
                            position,
                            name,
                        )
                    ]
                )
            values = {key: (cells[i].strip() if i < len(cells) else "") for key, i in index.items()}
            if _is_blank(values.values()):
                continue  # only ignored columns are filled in: nothing for us on this row
            rows.append(Row(position=position, values=values))
    if header_position is None:
        raise TableError([Problem(_("The file is empty."), file=name)])
    return Table(
        name=name,
        kind=kind,
        columns=sorted(index, key=index.__getitem__),
        rows=rows,
        header=header_position,
        ignored_columns=ignored,
    )


def _match_headers(
    cells: Sequence[str],
    by_header: dict[str, Column],
    columns: Sequence[Column],
    position: Position,
    name: str,
) -> tuple[dict[str, int], list[str]]:
    """Which cell index holds each column key; raises TableError for missing or doubled columns."""
    index: dict[str, int] = {}
    seen_header: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for i, raw in enumerate(cells):
        header = str(raw).replace("\ufeff", "").strip()
        if not header:
            continue
        column = by_header.get(normalise_header(header))
        if column is None:
            ignored.append(header)
            continue
        if column.key in index:
            message = _("the column %(column)s is given twice (“%(first)s” and “%(second)s”); keep only one") % {
                "column": column.title,
                "first": seen_header[column.key],
                "second": header,
            }
            problems.append(Problem(message, position, name))
            continue
        index[column.key] = i
        seen_header[column.key] = header
    for column in columns:
        if column.required and column.key not in index:
            message = _("the required column %(column)s is missing (accepted headers: %(headers)s)") % {
                "column": column.title,
                "headers": " / ".join(column.headers),
            }
            problems.append(Problem(message, position, name))
    if problems:
        raise TableError(problems)
    return index, ignored
