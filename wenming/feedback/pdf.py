"""The printable QR cards as a PDF (``/feedback/codes/sheet.pdf``): A4 pages of cut-out cards, each
with the hospital's name, the department, service point or person rated, a short prompt, the QR code
(drawn as vector squares, sharp at any print size) and the code's text under it.

Two sizes: ``card`` — eight cards a page (2 × 4, 95 × 69 mm, for walls and counters) — and
``desk`` — four A6 desk cards a page (2 × 2, 105 × 148 mm, cut along the dashed lines).

Chinese text uses a TrueType CJK font when one is installed (WenQuanYi Zen Hei and friends; the
font is embedded as a subset), else Adobe's standard ``STSong-Light`` CID font, which every PDF
reader supplies itself (nothing embedded). ReportLab cannot read CFF/OpenType outlines, so the Noto
CJK ``.otf``/``.ttc`` files do not qualify.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .models import CodeKind

logger = logging.getLogger(__name__)

SIZES = ("card", "desk")

# TrueType (glyf) CJK fonts, first found wins: (path, index in a .ttc collection).
TRUETYPE_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
)
CID_FONT = "STSong-Light"
CODE_FONT = "Courier"

INK = HexColor("#111111")
MUTED = HexColor("#555555")
ACCENT = HexColor("#b4232a")  # the hospital red of the web pages' accents
CUT = Color(0.6, 0.6, 0.6)


@dataclass(frozen=True)
class Card:
    """What one card says (built from a RatingCode by :func:`card_for`)."""

    hospital: str
    name: str
    lines: tuple[str, ...]  # post/title, department, service point …
    prompt: str
    url: str
    code: str


def card_for(code, *, hospital: str, url: str) -> Card:
    """The card of one active RatingCode (``department`` and ``staff`` loaded)."""
    if code.kind == CodeKind.STAFF and code.staff_id:
        post = " · ".join(part for part in (code.staff.post, code.staff.title) if part)
        return Card(
            hospital=hospital,
            name=code.staff.name,
            lines=tuple(line for line in (post, code.department.name) if line),
            prompt=_("Please rate my service"),
            url=url,
            code=code.code,
        )
    return Card(
        hospital=hospital,
        name=code.department.name,
        lines=(code.label,) if code.label else (),
        prompt=_("Scan to rate our service"),
        url=url,
        code=code.code,
    )


@cache
def cjk_font() -> str:
    """The registered name of the font for Chinese text (see the module's docstring)."""
    for path, index in TRUETYPE_CANDIDATES:
        if Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont("WenmingCJK", path, subfontIndex=index))
            except Exception:  # a damaged or CFF font file: try the next one
                logger.warning("Cannot use %s for the QR cards", path, exc_info=True)
                continue
            return "WenmingCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def fit(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest font size ≤ ``size`` (down to ``smallest``) at which ``text`` fits ``width``."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def clip(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (CJK has no spaces to break at)."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def qr_outlines(url: str) -> tuple[int, list[list[tuple[int, int]]]]:
    """The QR code (error correction M) as closed outlines of its dark areas, in module units
    (x right, y down, no quiet zone), and its size in modules. Drawing outlines instead of one
    square per module leaves no hairline seams between neighbouring squares at any zoom."""
    matrix = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
    n = len(matrix)

    def dark(r: int, c: int) -> bool:
        return 0 <= r < n and 0 <= c < n and matrix[r][c]

    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for r in range(n):
        for c in range(n):
            if not matrix[r][c]:
                continue
            # Clockwise around every dark module, keeping only edges that face a light one.
            for light, a, b in (
                (not dark(r - 1, c), (c, r), (c + 1, r)),
                (not dark(r, c + 1), (c + 1, r), (c + 1, r + 1)),
                (not dark(r + 1, c), (c + 1, r + 1), (c, r + 1)),
                (not dark(r, c - 1), (c, r + 1), (c, r)),
            ):
                if light:
                    edges.setdefault(a, []).append(b)
    loops = []
    while edges:
        first = next(iter(edges))
        loop, point = [first], first
        while True:
            ends = edges[point]
            nxt = ends.pop()
            if not ends:
                del edges[point]
            if nxt == first:
                break
            loop.append(nxt)
            point = nxt
        # Drop the corners that lie on a straight line (fewer path operators).
        loops.append(
            [
                p
                for i, p in enumerate(loop)
                if not (
                    (loop[i - 1][0] == p[0] == loop[(i + 1) % len(loop)][0])
                    or (loop[i - 1][1] == p[1] == loop[(i + 1) % len(loop)][1])
                )
            ]
        )
    return n, loops


def draw_qr(c: canvas.Canvas, url: str, x: float, y: float, side: float) -> None:
    """The QR code in the square (x, y, side), with a quiet zone of 2 modules inside it.

    The outlines are written in whole module units under a scaling transform (y pointing down),
    as plain path operators: a 400-card sheet stays quick to make and small."""
    border = 2
    n, loops = qr_outlines(url)
    module = side / (n + 2 * border)
    ops = []
    for loop in loops:
        (col, row), *rest = loop
        ops.append(f"{col} {row} m")
        ops.extend(f"{col} {row} l" for col, row in rest)
        ops.append("h")
    c.saveState()
    c.setFillColor(INK)
    c.transform(module, 0, 0, -module, x + border * module, y + side - border * module)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


def _cut_frame(c: canvas.Canvas, x: float, y: float, w: float, h: float) -> None:
    c.saveState()
    c.setStrokeColor(CUT)
    c.setLineWidth(0.4)
    c.setDash(3, 2)
    c.roundRect(x, y, w, h, 3 * mm, stroke=1, fill=0)
    c.restoreState()


def _centred(c, text, font, size, x_mid, y, width, color=INK):
    c.setFillColor(color)
    c.setFont(font, size)
    c.drawCentredString(x_mid, y, clip(text, font, size, width))


def _draw_card(c: canvas.Canvas, card: Card, x: float, y: float, w: float, h: float, font: str) -> None:
    """A wall card: the hospital on top, the words on the left, the QR and its code on the right."""
    _cut_frame(c, x + 2 * mm, y + 2 * mm, w - 4 * mm, h - 4 * mm)
    pad = 6 * mm
    left, top = x + pad, y + h - pad
    inner = w - 2 * pad
    c.setFillColor(MUTED)
    c.setFont(font, 9)
    c.drawString(left, top - 9, clip(card.hospital, font, 9, inner))
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.8)
    c.line(left, top - 13, left + inner, top - 13)

    side = 40 * mm
    qr_x = x + w - pad - side
    qr_y = y + pad + 4 * mm
    draw_qr(c, card.url, qr_x, qr_y, side)
    _centred(c, card.code, CODE_FONT, 8, qr_x + side / 2, y + pad, side, MUTED)

    text_w = qr_x - left - 3 * mm
    name_size = fit(card.name, font, 18, text_w, 11)
    c.setFillColor(INK)
    c.setFont(font, name_size)
    line_y = top - 16 - 6 * mm - name_size * 0.6
    c.drawString(left, line_y, clip(card.name, font, name_size, text_w))
    line_y -= 6 * mm
    c.setFillColor(MUTED)
    for line in card.lines:
        c.setFont(font, 10)
        c.drawString(left, line_y, clip(line, font, 10, text_w))
        line_y -= 5 * mm
    prompt_size = fit(card.prompt, font, 12, text_w, 8)
    c.setFillColor(ACCENT)
    c.setFont(font, prompt_size)
    c.drawString(left, y + pad + 6 * mm, card.prompt)


def _draw_desk_card(c: canvas.Canvas, card: Card, x: float, y: float, w: float, h: float, font: str) -> None:
    """An A6 desk card, everything centred: hospital, name, post and department, QR, prompt, code."""
    _cut_frame(c, x + 3 * mm, y + 3 * mm, w - 6 * mm, h - 6 * mm)
    pad = 10 * mm
    mid = x + w / 2
    inner = w - 2 * pad
    top = y + h - pad
    _centred(c, card.hospital, font, 11, mid, top - 11, inner, MUTED)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(1)
    c.line(mid - 20 * mm, top - 16, mid + 20 * mm, top - 16)
    name_size = fit(card.name, font, 24, inner, 14)
    _centred(c, card.name, font, name_size, mid, top - 18 - 9 * mm, inner)
    line_y = top - 18 - 16 * mm
    for line in card.lines[:2]:
        _centred(c, line, font, 11, mid, line_y, inner, MUTED)
        line_y -= 5.5 * mm
    # The QR fills the space between the words and the prompt, centred in it.
    space_top, space_bottom = line_y, y + pad + 14 * mm
    side = min(72 * mm, space_top - space_bottom)
    draw_qr(c, card.url, mid - side / 2, space_bottom + (space_top - space_bottom - side) / 2, side)
    prompt_size = fit(card.prompt, font, 15, inner, 9)
    _centred(c, card.prompt, font, prompt_size, mid, y + pad + 8 * mm, inner, ACCENT)
    _centred(c, card.code, CODE_FONT, 9, mid, y + pad + 1 * mm, inner, MUTED)


def codes_sheet_pdf(cards: list[Card], *, size: str = "card", title: str = "") -> bytes:
    """The cards laid out on A4 pages: ``card`` 2 × 4 a page, ``desk`` 2 × 2 A6 cards a page. An
    empty list gives one page saying there is nothing to print."""
    font = cjk_font()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(title or _("QR code sheet"))
    c.setCreator("Wenming")
    page_w, page_h = A4
    if size == "desk":
        columns, rows, margin, draw = 2, 2, 0, _draw_desk_card
    else:
        columns, rows, margin, draw = 2, 4, 10 * mm, _draw_card
    w = (page_w - 2 * margin) / columns
    h = (page_h - 2 * margin) / rows
    per_page = columns * rows
    if not cards:
        c.setFont(font, 14)
        c.drawString(20 * mm, page_h - 30 * mm, _("No codes to print. Generate the codes first."))
    for i, card in enumerate(cards):
        if i and i % per_page == 0:
            c.showPage()
        slot = i % per_page
        col, row = slot % columns, slot // columns
        draw(c, card, margin + col * w, page_h - margin - (row + 1) * h, w, h, font)
    c.showPage()
    c.save()
    return buffer.getvalue()
