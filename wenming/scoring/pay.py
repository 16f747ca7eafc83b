"""Pay linkage (绩效挂钩): a result's performance coefficient under a :class:`~.models.PayRule`, and
the spreadsheet the finance office receives each period.

Pure: no database. :class:`PaySpec` is a rule as plain data (``spec_from_rule`` reads the model),
:func:`pay_coefficient` applies it to one result, :func:`pay_workbook` writes a :class:`PaySheet`
(built by ``publishing.pay_sheet``) as XLSX bytes.

Arithmetic is exact: the ratio ``total ÷ full score`` is a Fraction, rounded half-up to the rule's
decimal places only at the end (0.89385 → 0.8939 at 4 places; 2/3 → 0.6667).

The workbook is a document for the finance office, in Chinese whatever the interface language
(like the score export's headers): its wording is the office's format, not interface text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .models import PayMethod

MAX_PLACES = 4
MAX_COEFFICIENT = Decimal(10)
DEFAULT_PLACES = 4


class MissingGradeError(ValueError):
    """A grade-table rule has no coefficient for a result's grade."""

    def __init__(self, grade: str):
        super().__init__(f"the pay rule has no coefficient for the grade {grade!r}")
        self.grade = grade


@dataclass(frozen=True)
class PaySpec:
    """A pay rule as plain data. ``grade_coefficients`` maps a grade name to its coefficient."""

    method: str = PayMethod.RATIO
    grade_coefficients: Mapping[str, Decimal] = field(default_factory=dict)
    veto_coefficient: Decimal | None = None
    places: int = DEFAULT_PLACES
    saved: bool = False  # False: no rule saved for the standard, this is the default


DEFAULT_SPEC = PaySpec()


def spec_from_rule(rule) -> PaySpec:
    """The :class:`PaySpec` of a saved ``PayRule`` (None: the default, ratio with 4 places)."""
    if rule is None:
        return DEFAULT_SPEC
    return PaySpec(
        method=rule.method,
        grade_coefficients={name: Decimal(str(value)) for name, value in (rule.grade_coefficients or {}).items()},
        veto_coefficient=rule.veto_coefficient,
        places=rule.places,
        saved=True,
    )


def round_places(value: Decimal | Fraction | int, places: int) -> Decimal:
    """``value`` rounded half-up (halves away from zero) to ``places`` decimals, exactly."""
    fraction = Fraction(value)
    scaled = abs(fraction) * 10**places
    magnitude = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)  # floor(x + ½)
    sign = "-" if fraction < 0 and magnitude else ""
    return Decimal(f"{sign}{magnitude}e-{places}") if places else Decimal(f"{sign}{magnitude}")


def pay_coefficient(*, total: Decimal, grade: str, vetoed: bool, full_score: Decimal, spec: PaySpec) -> Decimal:
    """The performance coefficient of one result.

    A vetoed result gets ``veto_coefficient`` when the rule sets one; otherwise ``ratio`` gives
    ``total ÷ full_score`` (bonus included, so above 1 is possible) and ``grade_table`` the
    coefficient of the result's grade (MissingGradeError when the table lacks it)."""
    if vetoed and spec.veto_coefficient is not None:
        value: Decimal | Fraction = Decimal(spec.veto_coefficient)
    elif spec.method == PayMethod.GRADE_TABLE:
        if grade not in spec.grade_coefficients:
            raise MissingGradeError(grade)
        value = Decimal(spec.grade_coefficients[grade])
    else:
        if not full_score:
            raise ValueError("the standard's full score is 0")
        value = Fraction(total) / Fraction(full_score)
    return round_places(value, spec.places)


def places_format(places: int) -> str:
    """The Excel number format showing exactly ``places`` decimals."""
    return "0." + "0" * places if places else "0"


def _number(value: Decimal, places: int) -> str:
    return f"{round_places(value, places):f}"


def describe_spec(spec: PaySpec, *, full_score: Decimal, grades: Sequence[str] = ()) -> list[str]:
    """The rule in words, in Chinese, one sentence a line (the workbook's and bulletin's wording)."""
    places = spec.places
    if spec.method == PayMethod.GRADE_TABLE:
        ordered = [g for g in grades if g in spec.grade_coefficients]
        ordered += sorted(set(spec.grade_coefficients) - set(ordered))
        table = "，".join(f"{g} {_number(spec.grade_coefficients[g], places)}" for g in ordered)
        lines = [f"按考核等次取绩效系数：{table}。"]
    else:
        lines = [f"绩效系数 = 总分 ÷ 满分（{full_score:f}分），含加分，可高于1。"]
    if spec.veto_coefficient is not None:
        lines.append(f"被一票否决的科室，绩效系数一律为 {_number(spec.veto_coefficient, places)}。")
    elif spec.method == PayMethod.GRADE_TABLE:
        lines.append("被一票否决的科室按其等次取系数。")
    else:
        lines.append("被一票否决的科室同样按总分计算系数。")
    lines.append(f"系数保留{places}位小数，四舍五入。")
    if not spec.saved:
        lines.append("（本标准尚未设置挂钩规则，以上为默认规则。）")
    return lines


# --- the sheet -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayRow:
    """One subject's line: ``rank`` None for a subject that only has corrections this period."""

    rank: int | None
    code: str
    name: str
    category: str
    total: Decimal | None
    grade: str
    vetoed: bool
    coefficient: Decimal | None
    correction_value: Decimal | None = None  # Σ of the corrections recorded this period
    correction_notes: str = ""


@dataclass(frozen=True)
class PaySheet:
    hospital: str
    standard_code: str
    standard_name: str
    version: int | None
    period_key: str
    period_label: str  # in Chinese: 2026年10月
    finalized_on: date | None
    generated_at: datetime
    subject_is_department: bool
    full_score: Decimal
    grades: tuple[str, ...]
    spec: PaySpec
    rows: tuple[PayRow, ...]
    missing_grades: tuple[str, ...] = ()  # grades the table lacks (then coefficients are empty)

    @property
    def rule_lines(self) -> list[str]:
        return describe_spec(self.spec, full_score=self.full_score, grades=self.grades)

    @property
    def filename(self) -> str:
        return f"{self.period_label}绩效挂钩系数（{self.standard_code}）.xlsx"

    @property
    def headers(self) -> list[str]:
        who = ["科室编码", "科室名称", "类别"] if self.subject_is_department else ["工号", "姓名", "所在科室"]
        return ["名次", *who, "总分", "等次", "一票否决", "绩效系数", "更正分值", "更正说明"]


def _chinese_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


_BOLD = Font(bold=True)
_THIN = Side(style="thin", color="999999")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_WIDTHS = (6, 12, 18, 12, 9, 9, 9, 11, 10, 60)


def pay_workbook(sheet: PaySheet) -> bytes:
    """The finance office's workbook: sheet 1 a header block and one row per subject in rank
    order (numbers as numbers, formatted), sheet 2 the rule explained."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "绩效系数"
    columns = len(sheet.headers)
    status = f"已定稿（{_chinese_day(sheet.finalized_on)}）" if sheet.finalized_on else "未定稿（仅供预览）"
    ws.append([f"{sheet.hospital} {sheet.period_label}考核结果绩效挂钩表"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    version = f"，第{sheet.version}版" if sheet.version else ""
    info = [
        ("考核标准", f"{sheet.standard_name}（{sheet.standard_code}{version}）"),
        ("考核周期", sheet.period_label),
        ("状态", status),
        ("挂钩规则", "".join(sheet.rule_lines)),
        ("生成时间", f"{_chinese_day(sheet.generated_at.date())} {sheet.generated_at:%H:%M}"),
    ]
    for label, value in info:
        ws.append([label, value])
        row = ws.max_row
        ws.cell(row=row, column=1).font = _BOLD
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=label == "挂钩规则", vertical="top")
    if not sheet.finalized_on:
        ws.cell(row=4, column=2).font = Font(bold=True, color="C00000")
    if sheet.missing_grades:
        ws.append(["注意", f"挂钩规则缺少等次“{'、'.join(sheet.missing_grades)}”的系数，相关系数为空，请先完善规则。"])
        ws.cell(row=ws.max_row, column=2).font = Font(bold=True, color="C00000")
    ws.append([])
    ws.append(sheet.headers)
    header_row = ws.max_row
    for column in range(1, columns + 1):
        cell = ws.cell(row=header_row, column=column)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.border = _GRID
        cell.alignment = Alignment(horizontal="center", vertical="center")
    coefficient_format = places_format(sheet.spec.places)
    for r in sheet.rows:
        ws.append(
            [
                r.rank,
                r.code,
                r.name,
                r.category,
                r.total,
                r.grade,
                ("是" if r.vetoed else "否") if r.rank is not None else None,
                r.coefficient,
                r.correction_value,
                r.correction_notes or None,
            ]
        )
        row = ws.max_row
        for column in range(1, columns + 1):
            ws.cell(row=row, column=column).border = _GRID
        ws.cell(row=row, column=5).number_format = "0.00"
        ws.cell(row=row, column=8).number_format = coefficient_format
        ws.cell(row=row, column=9).number_format = "+0.00;-0.00;0.00"
        ws.cell(row=row, column=10).alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    rules = workbook.create_sheet("挂钩规则")
    rules.append(["挂钩规则说明"])
    rules["A1"].font = Font(bold=True, size=14)
    for line in sheet.rule_lines:
        rules.append([line])
    rules.append([])
    if sheet.spec.method == PayMethod.GRADE_TABLE:
        rules.append(["等次", "绩效系数"])
        for column in (1, 2):
            rules.cell(row=rules.max_row, column=column).font = _BOLD
        for grade in sheet.grades:
            value = sheet.spec.grade_coefficients.get(grade)
            rules.append([grade, None if value is None else round_places(value, sheet.spec.places)])
            rules.cell(row=rules.max_row, column=2).number_format = coefficient_format
        rules.append([])
    notes = [
        "说明：",
        "1. 名次、总分、等次取自本期考核结果；一票否决的科室排在最后。",
        "2. 更正分值：本期内对以往已定稿考核期作出的更正（更正不改动已定稿结果），按科室合计，"
        "正数为加分、负数为减分；更正说明列出所更正的考核期、项目、分值和原因，供财务核算差额。",
        "3. 未定稿的考核期仅供预览，结果可能仍会调整，请以定稿后的表格为准。",
    ]
    for line in notes:
        rules.append([line])
    rules.column_dimensions["A"].width = 16  # the sentences overflow into the empty cells on their right
    rules.column_dimensions["B"].width = 12

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
