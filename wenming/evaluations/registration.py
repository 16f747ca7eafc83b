"""The 医务人员医德考评登记表 of one person and one year, as DOCX (to edit and file) and PDF (fixed
layout to print and sign).

:func:`registration_data` turns one year of the person's file (``archive.year_file``) into a
:class:`RegistrationData` of plain strings; :func:`registration_docx` and :func:`registration_pdf`
lay it out like the official form: the title and the hospital, the header table (姓名、性别、工号、
科室、职称、岗位、年度), then 自我评价, 科室评价 (with the scores of the manual items), 单位评价 (grade,
total, vetoes, the committee's opinion), 日常记实摘要, each with its date and signature line.

Like the 通报 (``scoring/bulletin.py``) the form is a Chinese document and its fixed words are
Chinese whatever the interface language. A form printed before the cycle's publicity is a draft and
says so (草稿) in its title.

PDF: ReportLab with the CJK font of ``feedback/pdf.py`` (a TrueType font when installed, else the
STSong-Light CID font every reader supplies).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from wenming.feedback.pdf import cjk_font
from wenming.scoring.engine import format_points

from .archive import PUBLICITY_STEP, YearFile
from .models import CycleState, DailyKind

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"

SONG = "宋体"
HEITI = "黑体"
GENDERS = {"male": "男", "female": "女"}
DAILY_KINDS = {
    DailyKind.PRAISE: "表扬",
    DailyKind.CRITICISM: "批评",
    DailyKind.VIOLATION: "违规",
    DailyKind.RED_ENVELOPE: "拒收红包",
    DailyKind.AWARD: "获奖表彰",
    DailyKind.OTHER: "其他",
}
BLANK = "—"


@dataclass(frozen=True)
class Block:
    """One evaluation step of the form: its heading, its lines of text and its signature line."""

    heading: str
    lines: tuple[str, ...]
    signature: str


@dataclass(frozen=True)
class RegistrationData:
    hospital: str
    year: int
    draft: bool
    name: str
    gender: str
    staff_no: str
    department: str
    title: str
    post: str
    blocks: tuple[Block, ...]
    daily: tuple[str, ...]

    @property
    def heading(self) -> str:
        return f"医务人员医德考评登记表（{self.year}年度）"

    @property
    def full_title(self) -> str:
        return f"{self.heading}（草稿）" if self.draft else self.heading

    @property
    def filename_stem(self) -> str:
        draft = "-草稿" if self.draft else ""
        return f"医德考评登记表-{self.year}-{self.staff_no}-{self.name}{draft}"

    @property
    def header_rows(self) -> tuple[tuple[str, str, str, str, str, str], ...]:
        return (
            ("姓名", self.name, "性别", self.gender or BLANK, "工号", self.staff_no),
            ("科室", self.department, "职称", self.title or BLANK, "岗位", self.post or BLANK),
        )


def _day(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return "    年  月  日"
    local = value.astimezone(zone).date()
    return f"{local.year}年{local.month}月{local.day}日"


def _points(value) -> str:
    return BLANK if value is None else format_points(value)


def _plain(value) -> str:
    """Points of the standard as written there: 10, 7.5."""
    return BLANK if value is None else f"{value.normalize():f}"


def registration_data(file: YearFile, *, hospital: str, time_zone: str) -> RegistrationData:
    """The form's contents for one year of a person's file (the viewer sees every step: the form
    is printed from publicity on, or by the office as a draft)."""
    zone = ZoneInfo(time_zone)
    member, cycle = file.member, file.cycle
    staff = member.staff

    self_lines = [member.self_summary or "（未填写）", f"自评等级：{member.self_grade or BLANK}"]
    department_lines = [member.department_comment or "（未填写）", f"科室拟定等级：{member.department_grade or BLANK}"]
    department_lines += [
        f"{item.code} {item.name}：{_points(item.score)} 分（满分{_plain(item.points)}分）"
        for item in file.manual_items
    ]
    hospital_lines = [
        f"考评等级：{file.grade or '（未定）'}" + ("（公示中）" if cycle.state == CycleState.PUBLICITY else ""),
        f"总分：{_points(file.total)}",
    ]
    if file.vetoed:
        vetoes = "；".join(f"{v.code} {v.name}".strip() for v in file.vetoes) or "是"
        hospital_lines.append(f"一票否决：{vetoes}")
    else:
        hospital_lines.append("一票否决：无")
    if member.override_reason:
        hospital_lines.append(f"调整等级理由：{member.override_reason}")
    hospital_lines.append(f"单位意见：{member.hospital_comment or '（未填写）'}")
    if member.improvement_plan:
        hospital_lines.append(f"整改措施：{member.improvement_plan}")
    blocks = (
        Block("自我评价", tuple(self_lines), f"本人签字：              日期：{_day(member.self_at, zone)}"),
        Block(
            "科室评价",
            tuple(department_lines),
            f"科室负责人签字：              日期：{_day(member.department_at, zone)}",
        ),
        Block(
            "单位评价",
            tuple(hospital_lines),
            f"考评委员会（盖章）              日期：{_day(member.decided_at, zone)}",
        ),
    )
    daily = tuple(
        f"{record.date:%Y-%m-%d} {DAILY_KINDS.get(record.kind, record.kind)}："
        f"{' '.join(record.description.split())}" + (f"（{record.code}）" if record.code else "")
        for record in file.daily
    )
    return RegistrationData(
        hospital=hospital,
        year=cycle.year,
        draft=cycle.step < PUBLICITY_STEP,
        name=staff.name,
        gender=GENDERS.get(staff.gender, ""),
        staff_no=staff.staff_no,
        department=member.department.name,
        title=staff.title,
        post=staff.post,
        blocks=blocks,
        daily=daily or ("（无）",),
    )


# --- DOCX ----------------------------------------------------------------------------------------


def _fonts(run, name: str = SONG) -> None:
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _write(cell_or_doc, text: str, *, bold=False, size=10.5, align=None, font=SONG, new=False):
    paragraph = cell_or_doc.add_paragraph() if new else cell_or_doc.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    _fonts(run, font)
    run.font.size = Pt(size)
    run.font.bold = bold
    return paragraph


def registration_docx(data: RegistrationData) -> bytes:
    """The form as a Word document: the title, the hospital, one 6-column table."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    props = doc.core_properties
    props.title = data.full_title
    props.author = data.hospital
    props.subject = f"{data.name} {data.staff_no}"
    props.language = "zh-CN"
    props.keywords = "医德考评"

    _write(doc, data.full_title, bold=True, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, font=HEITI, new=True)
    _write(doc, f"单位：{data.hospital}", size=12, new=True)

    table = doc.add_table(rows=0, cols=6)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(2.4), Cm(3.4), Cm(2.2), Cm(3.2), Cm(2.2), Cm(3.2))

    def row(values, *, label_cols=(0, 2, 4)):
        cells = table.add_row().cells
        for index, value in enumerate(values):
            cells[index].width = widths[index]
            cells[index].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            _write(cells[index], value, bold=index in label_cols, align=WD_ALIGN_PARAGRAPH.CENTER)
        return cells

    for values in data.header_rows:
        row(values)
    year_cells = table.add_row().cells
    _write(year_cells[0], "年度", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    merged = year_cells[1].merge(year_cells[5])
    _write(merged, f"{data.year}年度", align=WD_ALIGN_PARAGRAPH.LEFT)

    def block(heading: str, lines: tuple[str, ...], signature: str | None) -> None:
        cells = table.add_row().cells
        cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _write(cells[0], heading, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        body = cells[1].merge(cells[5])
        _write(body, lines[0])
        for line in lines[1:]:
            _write(body, line, new=True)
        if signature:
            paragraph = _write(body, signature, new=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.paragraph_format.space_before = Pt(12)

    for step in data.blocks:
        block(step.heading, step.lines, step.signature)
    block("日常记实摘要", data.daily, None)
    if data.draft:
        _write(doc, "草稿：本表在公示前打印，考评结果以公示和归档后的为准。", size=9, new=True)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------


def registration_pdf(data: RegistrationData) -> bytes:
    """The form as an A4 PDF: the same table, text wrapped the CJK way, signature lines at the
    foot of each step."""
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    label = ParagraphStyle("label", parent=body, alignment=TA_CENTER)
    sign = ParagraphStyle("sign", parent=body, alignment=2, spaceBefore=10)
    title = ParagraphStyle("title", fontName=font, fontSize=17, leading=24, alignment=TA_CENTER, wordWrap="CJK")

    def p(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    rows: list[list] = []
    for values in data.header_rows:
        rows.append([p(value, label) for value in values])
    rows.append([p("年度", label), p(f"{data.year}年度"), "", "", "", ""])
    blocks = [(step.heading, step.lines, step.signature) for step in data.blocks]
    blocks.append(("日常记实摘要", data.daily, None))
    for heading, lines, signature in blocks:
        content = [p(line) for line in lines]
        if signature:
            content.append(p(signature, sign))
        rows.append([p(heading, label), content, "", "", "", ""])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    for index in range(len(data.header_rows), len(rows)):
        style.append(("SPAN", (1, index), (5, index)))
    width = A4[0] - 40 * mm
    table = Table(
        rows,
        colWidths=[width * share for share in (0.14, 0.2, 0.13, 0.2, 0.13, 0.2)],
        style=TableStyle(style),
        repeatRows=0,
        splitInRow=1,  # a long self-evaluation or many daily records run on to the next page
    )
    story = [p(data.full_title, title), Spacer(1, 4 * mm), p(f"单位：{data.hospital}"), Spacer(1, 3 * mm), table]
    if data.draft:
        story += [Spacer(1, 3 * mm), p("草稿：本表在公示前打印，考评结果以公示和归档后的为准。")]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=data.full_title,
        author=data.hospital,
        creator="Wenming",
        invariant=1,
        pageCompression=1,
    )
    document.build(story)
    return buffer.getvalue()
