"""Desk signs (岗位座牌) and service cards (服务卡/胸牌) as PDF: 亮身份、亮承诺 on paper.

* ``desk`` — one person per A4 landscape page, a folded tent card: the page is folded along its
  middle line and stood on the desk; the upper half is printed upside down, so the sign reads the
  same from the patient's side and the staff member's side.
* ``card`` — eight service cards a page (2 × 4, 95 × 69 mm, like the QR cards), to cut out and
  wear or put in a badge holder.

Each shows the hospital, the name, 工号, post and title, the department, a red 共产党员 badge for
party members, the first of the person's pledges, and the QR code patients scan to rate that person
(their active staff ``RatingCode``) with the code's text under it.

Fonts, the QR outlines and text fitting are the QR cards' (:mod:`wenming.feedback.pdf`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib.colors import white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from wenming.feedback.pdf import ACCENT, CODE_FONT, CUT, INK, MUTED, cjk_font, clip, draw_qr, fit

KINDS = ("desk", "card")


@dataclass(frozen=True)
class Sign:
    """What one desk sign or service card says."""

    hospital: str
    name: str
    staff_no: str
    post: str  # post · title
    department: str
    is_party_member: bool
    branch: str
    pledges: tuple[str, ...]
    url: str  # the rating page the QR holds; empty when the person has no active code
    code: str


def sign_for(person, *, hospital: str, url: str, code: str) -> Sign:
    """The sign of a staff member (``department``, ``party_branch`` and ``year_pledges`` loaded)."""
    return Sign(
        hospital=hospital,
        name=person.name,
        staff_no=person.staff_no,
        post=" · ".join(part for part in (person.post, person.title) if part),
        department=person.department.name,
        is_party_member=person.is_party_member,
        branch=person.party_branch.name if person.is_party_member and person.party_branch_id else "",
        pledges=tuple(c.text for c in person.year_pledges),
        url=url,
        code=code,
    )


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines of ``width`` (Chinese breaks anywhere);
    the last line ends with an ellipsis when the text does not fit."""
    lines: list[str] = []
    current = ""
    for i, char in enumerate(text):
        if pdfmetrics.stringWidth(current + char, font, size) <= width:
            current += char
            continue
        lines.append(current)
        current = char
        if len(lines) == max_lines:
            lines[-1] = clip(lines[-1] + text[i:], font, size, width)
            return lines
    if current:
        lines.append(current)
    return lines


def pledge_text(sign: Sign) -> str:
    if not sign.pledges:
        return ""
    return _("My commitments: %(pledges)s") % {"pledges": "；".join(sign.pledges)}


def _badge(c: canvas.Canvas, x: float, y: float, size: float, font: str) -> float:
    """The red 共产党员 badge with its lower left corner at (x, y); returns its width."""
    label = _("CPC member")
    pad = size * 0.45
    width = pdfmetrics.stringWidth(label, font, size) + 2 * pad
    height = size * 1.55
    c.saveState()
    c.setFillColor(ACCENT)
    c.roundRect(x, y, width, height, size * 0.3, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont(font, size)
    c.drawString(x + pad, y + size * 0.42, label)
    c.restoreState()
    return width


def _qr_or_note(c: canvas.Canvas, sign: Sign, x: float, y: float, side: float, font: str) -> None:
    if sign.url:
        draw_qr(c, sign.url, x, y, side)
        return
    c.saveState()
    c.setStrokeColor(CUT)
    c.setDash(2, 2)
    c.rect(x, y, side, side, stroke=1, fill=0)
    c.setFillColor(MUTED)
    c.setFont(font, 8)
    c.drawCentredString(x + side / 2, y + side / 2, clip(_("No QR code yet"), font, 8, side - 4))
    c.restoreState()


# --- The desk sign --------------------------------------------------------------------------------


def _desk_face(c: canvas.Canvas, sign: Sign, x: float, y: float, w: float, h: float, font: str) -> None:
    """One face of the tent card (w × h), upright in its own coordinates."""
    pad = 12 * mm
    left, top = x + pad, y + h - 10 * mm
    side = min(62 * mm, h - 26 * mm)
    qr_x = x + w - pad - side
    text_w = qr_x - left - 10 * mm
    c.setFillColor(MUTED)
    c.setFont(font, 13)
    c.drawString(left, top - 13, clip(sign.hospital, font, 13, text_w))
    c.setStrokeColor(ACCENT)
    c.setLineWidth(1.2)
    c.line(left, top - 19, left + text_w, top - 19)
    # The name, and the party badge after it.
    name_size = fit(sign.name, font, 44, text_w * 0.7, 24)
    name_y = top - 19 - 8 * mm - name_size * 0.8
    c.setFillColor(INK)
    c.setFont(font, name_size)
    name = clip(sign.name, font, name_size, text_w * 0.7)
    c.drawString(left, name_y, name)
    if sign.is_party_member:
        _badge(c, left + pdfmetrics.stringWidth(name, font, name_size) + 5 * mm, name_y + 2, 13, font)
    line_y = name_y - 10 * mm
    facts = " · ".join(part for part in (_("Staff no. %(no)s") % {"no": sign.staff_no}, sign.post) if part)
    for text in (facts, sign.department):
        c.setFillColor(MUTED)
        c.setFont(font, 15)
        c.drawString(left, line_y, clip(text, font, 15, text_w))
        line_y -= 7.5 * mm
    pledges = pledge_text(sign)
    if pledges:
        c.setFillColor(INK)
        c.setFont(font, 12)
        line_y -= 1 * mm
        for line in wrap(pledges, font, 12, text_w, 2):
            c.drawString(left, line_y, line)
            line_y -= 6 * mm
    qr_y = y + 14 * mm
    _qr_or_note(c, sign, qr_x, qr_y, side, font)
    prompt = _("Please rate my service")
    c.setFillColor(ACCENT)
    c.setFont(font, fit(prompt, font, 13, side, 8))
    c.drawCentredString(qr_x + side / 2, qr_y - 6 * mm, prompt)
    c.setFillColor(MUTED)
    c.setFont(CODE_FONT, 9)
    c.drawCentredString(qr_x + side / 2, qr_y - 10.5 * mm, sign.code)


def _desk_page(c: canvas.Canvas, sign: Sign, font: str) -> None:
    page_w, page_h = landscape(A4)
    half = page_h / 2
    _desk_face(c, sign, 0, 0, page_w, half, font)
    # The upper face, turned half round about the page's centre.
    c.saveState()
    c.translate(page_w, page_h)
    c.rotate(180)
    _desk_face(c, sign, 0, 0, page_w, half, font)
    c.restoreState()
    c.saveState()
    c.setStrokeColor(CUT)
    c.setLineWidth(0.5)
    c.setDash(4, 3)
    c.line(8 * mm, half, page_w - 8 * mm, half)
    c.setFillColor(CUT)
    c.setFont(font, 7)
    c.drawString(8 * mm, half + 1.5 * mm, _("Fold along this line"))
    c.restoreState()


# --- The service card -----------------------------------------------------------------------------


def _card(c: canvas.Canvas, sign: Sign, x: float, y: float, w: float, h: float, font: str) -> None:
    c.saveState()
    c.setStrokeColor(CUT)
    c.setLineWidth(0.4)
    c.setDash(3, 2)
    c.roundRect(x + 2 * mm, y + 2 * mm, w - 4 * mm, h - 4 * mm, 3 * mm, stroke=1, fill=0)
    c.restoreState()
    pad = 6 * mm
    left, top = x + pad, y + h - pad
    inner = w - 2 * pad
    c.setFillColor(MUTED)
    c.setFont(font, 8.5)
    c.drawString(left, top - 8.5, clip(sign.hospital, font, 8.5, inner))
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.8)
    c.line(left, top - 12, left + inner, top - 12)
    side = 32 * mm
    qr_x = x + w - pad - side
    qr_y = y + pad + 8 * mm
    _qr_or_note(c, sign, qr_x, qr_y, side, font)
    prompt = _("Please rate my service")
    c.setFillColor(ACCENT)
    c.setFont(font, fit(prompt, font, 8, side, 6))
    c.drawCentredString(qr_x + side / 2, qr_y - 4 * mm, prompt)
    c.setFillColor(MUTED)
    c.setFont(CODE_FONT, 7)
    c.drawCentredString(qr_x + side / 2, qr_y - 7 * mm, sign.code)

    text_w = qr_x - left - 3 * mm
    name_size = fit(sign.name, font, 17, text_w * 0.62, 10)
    name_y = top - 12 - 5 * mm - name_size * 0.7
    name = clip(sign.name, font, name_size, text_w * 0.62)
    c.setFillColor(INK)
    c.setFont(font, name_size)
    c.drawString(left, name_y, name)
    if sign.is_party_member:
        _badge(c, left + pdfmetrics.stringWidth(name, font, name_size) + 2 * mm, name_y, 7, font)
    line_y = name_y - 5.5 * mm
    c.setFillColor(MUTED)
    for text in (_("Staff no. %(no)s") % {"no": sign.staff_no}, sign.post, sign.department):
        if not text:
            continue
        c.setFont(font, 8.5)
        c.drawString(left, line_y, clip(text, font, 8.5, text_w))
        line_y -= 4.3 * mm
    pledges = pledge_text(sign)
    if pledges:
        c.setFillColor(INK)
        line_y -= 0.5 * mm
        for line in wrap(pledges, font, 7, text_w, 3):
            c.setFont(font, 7)
            c.drawString(left, line_y, line)
            line_y -= 3.5 * mm


def signs_pdf(signs: list[Sign], *, kind: str = "desk", title: str = "") -> bytes:
    """Desk signs (one A4 landscape page each) or service cards (8 on an A4 page). An empty list
    gives one page saying there is nobody to print."""
    font = cjk_font()
    buffer = io.BytesIO()
    pagesize = landscape(A4) if kind == "desk" else A4
    c = canvas.Canvas(buffer, pagesize=pagesize, pageCompression=1, invariant=1)
    c.setTitle(title or _("Desk signs and service cards"))
    c.setCreator("Wenming")
    page_w, page_h = pagesize
    if not signs:
        c.setFont(font, 14)
        c.drawString(20 * mm, page_h - 30 * mm, _("Nobody to print: the department has no staff in post."))
    if kind == "desk":
        for i, sign in enumerate(signs):
            if i:
                c.showPage()
            _desk_page(c, sign, font)
    else:
        margin, columns, rows = 10 * mm, 2, 4
        w, h = (page_w - 2 * margin) / columns, (page_h - 2 * margin) / rows
        for i, sign in enumerate(signs):
            if i and i % (columns * rows) == 0:
                c.showPage()
            slot = i % (columns * rows)
            col, row = slot % columns, slot // columns
            _card(c, sign, margin + col * w, page_h - margin - (row + 1) * h, w, h, font)
    c.showPage()
    c.save()
    return buffer.getvalue()
