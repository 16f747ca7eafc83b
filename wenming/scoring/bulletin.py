"""The monthly bulletin (月度通报) of a finalized period as a Word document the office edits.

Pure: :func:`bulletin_docx` turns a :class:`BulletinData` (gathered by
``publishing.bulletin_data``) into DOCX bytes; no database.

The layout follows the usual 公文 format (GB/T 9704): A4, margins 3.7/3.5/2.8/2.6 cm; a red
header (hospital + 精神文明建设办公室) with the document number under it and a red rule; the
title in large bold 宋体; the body in 仿宋 16 pt (三号) at a fixed 28.95 pt line pitch with a
two-character first-line indent; headings 一、二、… in 黑体 and （一）（二） in 楷体; tables in
宋体 10.5 pt (五号) with a bold header row repeated on every page; signature and date on the right;
the 版记 (抄送 / 印发) lines at the end; page numbers "— 1 —" in the footer. Fonts are named for
East Asian text (``w:eastAsia``) as Word and WPS installations have them: 宋体, 仿宋, 黑体, 楷体.

The text is Chinese whatever the interface language: a 通报 is an official Chinese document, and
the office edits the wording in Word before printing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from .engine import format_points, round_half_up

SONG = "宋体"
FANGSONG = "仿宋"
HEITI = "黑体"
KAITI = "楷体"
RED = RGBColor(0xFF, 0x00, 0x00)
BODY_SIZE = Pt(16)  # 三号
LINE_PITCH = Pt(28.95)  # 22 lines a page with the 公文 margins
TABLE_SIZE = Pt(10.5)  # 五号
TEXT_WIDTH = Cm(21 - 2.8 - 2.6)
CHINESE_NUMERALS = "一二三四五六七八九十"

NEXT_STEPS = (
    "各科室要对照本期考核中发现的问题，认真查找原因，制定整改措施，明确责任人和整改时限，"
    "于下月10日前将整改情况报送医院精神文明建设办公室。文明办将加强日常督查和跟踪复查，"
    "对整改不到位、同类问题反复出现的科室，在下期考核中从严扣分，考核结果与科室绩效挂钩。"
    "希望受到表扬的科室再接再厉，其他科室以先进为榜样，共同推进医院精神文明建设工作再上新台阶。"
)


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    rank: int
    code: str
    name: str
    total: Decimal
    grade: str
    vetoed: bool


@dataclass(frozen=True)
class VetoEntry:
    """A vetoed subject and why: ``reasons`` are (veto item name, date, note) of its veto records."""

    name: str
    reasons: tuple[tuple[str, date | None, str], ...]


@dataclass(frozen=True)
class ProblemRow:
    """One deduction found in the period: how many times, where, and Σ count × its points."""

    code: str
    name: str
    times: int
    subjects: tuple[str, ...]
    points: Decimal


@dataclass(frozen=True)
class CorrectionRow:
    subject: str
    period_label: str
    item: str
    value: Decimal
    reason: str
    day: date | None


@dataclass(frozen=True)
class BulletinData:
    hospital: str
    short_name: str
    standard_code: str
    standard_name: str
    subject_is_department: bool
    period_key: str
    period_label: str  # 2026年10月
    topic: str  # 文明科室考核 (from the standard's name)
    number_in_year: int  # the default document number: the month, the quarter, or 1
    finalized_on: date | None
    full_score: Decimal
    grades: tuple[str, ...]  # best first
    ranking: tuple[RankingRow, ...]
    previous_label: str | None = None
    previous_average: Decimal | None = None
    vetoes: tuple[VetoEntry, ...] = ()
    problems: tuple[ProblemRow, ...] = ()  # every deduction found, most frequent first
    corrections: tuple[CorrectionRow, ...] = ()
    next_steps: str = NEXT_STEPS

    # --- wording ---
    @property
    def office(self) -> str:
        return f"{self.hospital}精神文明建设办公室"

    @property
    def noun(self) -> str:
        return "科室" if self.subject_is_department else "人员"

    @property
    def measure(self) -> str:
        return "个" if self.subject_is_department else "名"

    @property
    def title(self) -> str:
        return f"关于{self.period_label}{self.topic}结果的通报"

    @property
    def filename(self) -> str:
        return f"{self.period_label}{self.topic}通报.docx"

    @property
    def default_number(self) -> str:
        year = self.finalized_on.year if self.finalized_on else int(self.period_key[:4])
        return f"{self.short_name or self.hospital}文明办〔{year}〕{self.number_in_year}号"

    # --- figures ---
    @property
    def count(self) -> int:
        return len(self.ranking)

    @property
    def average(self) -> Decimal | None:
        if not self.ranking:
            return None
        return round_half_up(Fraction(sum((r.total for r in self.ranking), Decimal(0))) / len(self.ranking))

    @property
    def vetoed_count(self) -> int:
        return sum(1 for r in self.ranking if r.vetoed)

    def _extreme(self, pick) -> tuple[Decimal, list[str]] | None:
        scored = [r for r in self.ranking if not r.vetoed]
        if not scored:
            return None
        value = pick(r.total for r in scored)
        return value, [r.name for r in scored if r.total == value]

    @property
    def highest(self) -> tuple[Decimal, list[str]] | None:
        return self._extreme(max)

    @property
    def lowest(self) -> tuple[Decimal, list[str]] | None:
        return self._extreme(min)

    @property
    def grade_counts(self) -> list[tuple[str, int]]:
        counts = dict.fromkeys(self.grades, 0)
        for r in self.ranking:
            counts[r.grade] = counts.get(r.grade, 0) + 1
        return list(counts.items())

    def with_grade(self, grade: str) -> list[RankingRow]:
        return [r for r in self.ranking if r.grade == grade]

    @property
    def top_problems(self) -> tuple[ProblemRow, ...]:
        return self.problems[:10]


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def signed(value: Decimal) -> str:
    text = format_points(value)
    return text if text.startswith("-") else f"+{text}"


# --- low-level formatting ------------------------------------------------------------------------

_PBDR_SUCCESSORS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_OUTLINE_SUCCESSORS = ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_LANG_SUCCESSORS = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def _set_fonts(rPr, name: str) -> None:
    """Name ``name`` for every script of a run (or style): East Asian text needs ``w:eastAsia``."""
    fonts = rPr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _run(paragraph, text: str, *, font: str = FANGSONG, size=BODY_SIZE, bold: bool = False, color=None):
    run = paragraph.add_run(text)
    _set_fonts(run._element.get_or_add_rPr(), font)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _format(paragraph, *, align=None, indent: bool = False, pitch=LINE_PITCH, before=0, after=0, font_size=BODY_SIZE):
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if pitch is None:
        fmt.line_spacing = 1.0
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = pitch
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if indent:
        fmt.first_line_indent = Pt(font_size.pt * 2)
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
    return paragraph


def _border(paragraph, side: str, *, color: str = "000000", size: int = 8) -> None:
    """A line on one side of a paragraph (``size`` in eighths of a point)."""
    pPr = paragraph._p.get_or_add_pPr()
    borders = pPr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        pPr.insert_element_before(borders, *_PBDR_SUCCESSORS)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def _outline_level(paragraph, level: int) -> None:
    """Shows the heading in Word's navigation pane without using the (blue, Latin) heading styles."""
    element = OxmlElement("w:outlineLvl")
    element.set(qn("w:val"), str(level))
    paragraph._p.get_or_add_pPr().insert_element_before(element, *_OUTLINE_SUCCESSORS)


def _field(paragraph, instruction: str, placeholder: str, **run_options) -> None:
    """A Word field (PAGE …) whose result Word and WPS fill in when they lay the page out."""
    for kind, text in (
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("text", placeholder),
        ("end", None),
    ):
        run = _run(paragraph, "", **run_options)
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        elif kind == "text":
            run.text = text
            continue
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


class _Writer:
    """Adds the 通报's parts to a document in order."""

    def __init__(self, data: BulletinData, number: str):
        self.data = data
        self.number = number
        self.doc = Document()
        self._page_setup()
        self._styles()

    # --- set-up ---
    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.header_distance, section.footer_distance = Cm(1.5), Cm(2.8)
        footer = section.footer.paragraphs[0]
        _format(footer, align=WD_ALIGN_PARAGRAPH.CENTER, pitch=None)
        options = {"font": SONG, "size": Pt(14)}  # 四号
        _run(footer, "— ", **options)
        _field(footer, "PAGE", "1", **options)
        _run(footer, " —", **options)
        properties = self.doc.core_properties
        properties.title = self.data.title
        properties.author = self.data.office
        properties.subject = f"{self.data.standard_name} {self.data.period_label}"
        properties.language = "zh-CN"
        properties.keywords = "通报"

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.size = BODY_SIZE
        rPr = normal.element.get_or_add_rPr()
        _set_fonts(rPr, FANGSONG)
        lang = rPr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rPr.insert_element_before(lang, *_LANG_SUCCESSORS)
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
        fmt = normal.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH
        fmt.widow_control = True

    # --- building blocks ---
    def paragraph(self, text: str = "", *, indent: bool = True, **options):
        paragraph = _format(self.doc.add_paragraph(), indent=indent)
        if text:
            _run(paragraph, text, **options)
        return paragraph

    def heading(self, index: int, text: str) -> None:
        paragraph = _format(self.doc.add_paragraph(), indent=True)
        paragraph.paragraph_format.keep_with_next = True
        _outline_level(paragraph, 0)
        _run(paragraph, f"{CHINESE_NUMERALS[index]}、{text}", font=HEITI)

    def subheading(self, index: int, text: str, rest: str = "") -> None:
        paragraph = _format(self.doc.add_paragraph(), indent=True)
        _run(paragraph, f"（{CHINESE_NUMERALS[index]}）{text}", font=KAITI)
        if rest:
            _run(paragraph, rest)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        align: Sequence[str] = (),
    ) -> None:
        """A grid with a bold header row that repeats on every page; ``widths`` are shares of the
        text width; ``align`` is "l"/"c"/"r" per column (centred by default)."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(widths)
        column_widths = [int(TEXT_WIDTH * share / total) for share in widths]
        alignments = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}

        def fill(row, values, *, bold: bool) -> None:
            trPr = row._tr.get_or_add_trPr()
            cant_split = OxmlElement("w:cantSplit")
            trPr.append(cant_split)
            if bold:
                header = OxmlElement("w:tblHeader")
                header.set(qn("w:val"), "true")
                trPr.append(header)
            for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = column_widths[index]
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = cell.paragraphs[0]
                where = "c" if bold else (align[index] if index < len(align) else "c")
                _format(paragraph, align=alignments[where], pitch=None, before=2, after=2)
                _run(paragraph, str(value), font=SONG, size=TABLE_SIZE, bold=bold)

        fill(table.rows[0], headers, bold=True)
        for values in rows:
            fill(table.add_row(), values, bold=False)
        for index, column in enumerate(table.columns):
            column.width = column_widths[index]
        # A little air after a table before the next paragraph.
        _format(self.doc.add_paragraph(), pitch=Pt(12))

    # --- the document ---
    def build(self) -> bytes:
        self.red_header()
        self.title()
        self.overview()
        self.results()
        self.best_and_worst()
        self.vetoes()
        self.problems()
        self.corrections()
        self.next_steps()
        self.signature()
        self.imprint()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def red_header(self) -> None:
        text = self.data.office
        # As large as fits on one line (at most 小初, 36 pt), red, bold.
        size = Pt(max(18, min(36, int(TEXT_WIDTH.pt * 0.95 / max(len(text), 1)))))
        paragraph = _format(self.doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, pitch=None, before=12, after=18)
        _run(paragraph, text, font=SONG, size=size, bold=True, color=RED)
        number = _format(self.doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
        _run(number, self.number)
        _border(number, "bottom", color="FF0000", size=18)
        _format(self.doc.add_paragraph())

    def title(self) -> None:
        paragraph = _format(self.doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, pitch=Pt(36), after=12)
        _run(paragraph, self.data.title, font=SONG, size=Pt(22), bold=True)  # 二号
        _format(self.doc.add_paragraph())
        salutation = _format(self.doc.add_paragraph())
        _run(salutation, "各科室：")

    def overview(self) -> None:
        d = self.data
        self.paragraph(
            f"根据《{d.standard_name}》，医院精神文明建设办公室组织对全院{d.noun}{d.period_label}"
            f"精神文明建设工作进行了考核，考核结果已经定稿，现将有关情况通报如下。"
        )
        self.heading(0, "总体情况")
        if not d.ranking:
            self.paragraph(f"本期无参加考核的{d.noun}。")
            return
        average = d.average
        sentences = [f"本期共考核{d.noun}{d.count}{d.measure}，平均得分{format_points(average)}分"]
        if d.previous_average is not None:
            change = average - d.previous_average
            if change > 0:
                trend = (
                    f"较上期（{d.previous_label}，{format_points(d.previous_average)}分）提高{format_points(change)}分"
                )
            elif change < 0:
                trend = (
                    f"较上期（{d.previous_label}，{format_points(d.previous_average)}分）下降{format_points(-change)}分"
                )
            else:
                trend = f"与上期（{d.previous_label}）持平"
            sentences[0] += f"，{trend}"
        sentences[0] += "。"
        if d.highest is not None and d.lowest is not None:
            high, high_names = d.highest
            low, low_names = d.lowest
            sentences.append(
                f"最高分为{'、'.join(high_names)}（{format_points(high)}分），"
                f"最低分为{'、'.join(low_names)}（{format_points(low)}分）。"
            )
        counts = "、".join(f"{grade}{n}{d.measure}" for grade, n in d.grade_counts)
        sentences.append(f"评定{counts}。")
        if d.vetoed_count:
            sentences.append(f"其中{d.vetoed_count}{d.measure}{d.noun}被一票否决。")
        else:
            sentences.append("本期无一票否决。")
        self.paragraph("".join(sentences))

    def results(self) -> None:
        d = self.data
        self.heading(1, "考核结果")
        if not d.ranking:
            self.paragraph("本期无考核结果。")
            return
        note = "（一票否决的列于最后）" if d.vetoed_count else ""
        self.paragraph(f"各{d.noun}考核得分及等次如下{note}：")
        rows = [
            (str(r.rank), r.name, format_points(r.total), f"{r.grade}（一票否决）" if r.vetoed else r.grade)
            for r in d.ranking
        ]
        self.table(["名次", d.noun, "总分", "等次"], rows, [1, 3, 1.5, 2.5])

    def best_and_worst(self) -> None:
        d = self.data
        if not d.grades:
            return
        best, worst = d.grades[0], d.grades[-1]
        self.heading(2, f"{best}{d.noun}和{worst}{d.noun}")
        for index, grade in enumerate((best, worst)):
            rows = d.with_grade(grade)
            if rows:
                names = "、".join(f"{r.name}（一票否决）" if r.vetoed else r.name for r in rows)
                text = f"{names}，共{len(rows)}{d.measure}。"
            else:
                text = "本期无。"
            self.subheading(index, f"{grade}{d.noun}：", text)
        if d.with_grade(best):
            self.paragraph(f"对评为{best}的{d.noun}予以通报表扬。")
        if d.with_grade(worst):
            self.paragraph(f"评为{worst}的{d.noun}要认真剖析原因，限期整改，并将整改报告报送文明办。")

    def vetoes(self) -> None:
        d = self.data
        self.heading(3, "一票否决")
        if not d.vetoes:
            self.paragraph("本期无一票否决事项。")
            return
        self.paragraph(f"本期共有{len(d.vetoes)}{d.measure}{d.noun}被一票否决，情况如下：")
        for index, entry in enumerate(d.vetoes, start=1):
            if entry.reasons:
                parts = []
                for name, day, note in entry.reasons:
                    text = name + (f"（{chinese_date(day)}）" if day else "")
                    if note:
                        text += f"，情况说明：{note}"
                    parts.append(text)
                reason = "；".join(parts)
            else:
                reason = "所汇总的考核期内被一票否决"
            self.paragraph(f"{index}. {entry.name}：{reason}。")

    def problems(self) -> None:
        d = self.data
        self.heading(4, "存在的主要问题")
        if not d.problems:
            self.paragraph("本期考核未发现扣分问题。")
            return
        times = sum(p.times for p in d.problems)
        subjects = len({s for p in d.problems for s in p.subjects})
        lead = "出现次数较多的前10项问题如下：" if len(d.problems) > 10 else "主要问题如下："
        self.paragraph(f"本期考核共发现扣分问题{times}项次，涉及{subjects}{d.measure}{d.noun}。{lead}")
        rows = [
            (str(index), p.name, str(p.times), "、".join(p.subjects), format_points(p.points))
            for index, p in enumerate(d.top_problems, start=1)
        ]
        self.table(
            ["序号", "问题（扣分项）", "次数", f"涉及{d.noun}", "扣分合计"],
            rows,
            [0.8, 4.0, 0.9, 3.0, 1.5],
            align=("c", "l", "c", "l", "c"),
        )

    def corrections(self) -> None:
        d = self.data
        self.heading(5, "更正")
        if not d.corrections:
            self.paragraph("本期无更正事项。")
            return
        self.paragraph(
            f"本期对已定稿的考核结果作出更正{len(d.corrections)}项。更正不改动原定稿结果，"
            "在本通报中一并公布，并在绩效核算时补差："
        )
        rows = [(c.subject, c.period_label, c.item, signed(c.value), c.reason) for c in d.corrections]
        self.table(
            [d.noun, "更正考核期", "项目", "分值变化", "更正原因"],
            rows,
            [1.8, 1.8, 2.4, 1.5, 3.5],
            align=("c", "c", "l", "c", "l"),
        )

    def next_steps(self) -> None:
        self.heading(6, "下一步工作要求")
        # 公文: the signature never stands on a page without body text.
        self.paragraph(self.data.next_steps).paragraph_format.keep_with_next = True

    def signature(self) -> None:
        d = self.data
        for _ in range(2):  # blank lines kept with the signature, so it never stands alone on a page
            _format(self.doc.add_paragraph()).paragraph_format.keep_with_next = True
        lines = (d.office, chinese_date(d.finalized_on) if d.finalized_on else "")
        for index, text in enumerate(lines):
            paragraph = _format(self.doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.RIGHT)
            paragraph.paragraph_format.right_indent = Pt(BODY_SIZE.pt * 2)
            paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
            if text:
                _run(paragraph, text)

    def imprint(self) -> None:
        """The 版记 at the end: 抄送 and who printed it when, between two lines."""
        d = self.data
        _format(self.doc.add_paragraph())
        copy = _format(self.doc.add_paragraph(), pitch=None, before=4, after=4)
        copy.paragraph_format.left_indent = Pt(14)
        _border(copy, "top", size=8)
        _border(copy, "bottom", size=4)
        _run(copy, "抄送：院领导，各职能部门。", size=Pt(14))
        printed = _format(self.doc.add_paragraph(), pitch=None, before=4, after=4)
        printed.paragraph_format.left_indent = Pt(14)
        _border(printed, "bottom", size=8)
        day = f"{chinese_date(d.finalized_on)}印发" if d.finalized_on else ""
        _run(printed, f"{d.office}", size=Pt(14))
        _run(printed, "\t" + day, size=Pt(14))
        tab_stops = printed.paragraph_format.tab_stops
        tab_stops.add_tab_stop(Emu(TEXT_WIDTH - Pt(14) - Pt(4)), alignment=WD_TAB_ALIGNMENT.RIGHT)


def bulletin_docx(data: BulletinData, *, number: str | None = None) -> bytes:
    """The bulletin as DOCX bytes; ``number`` is the document number line (文号), by default
    ``<hospital>文明办〔year〕n号``."""
    return _Writer(data, (number or "").strip() or data.default_number).build()
