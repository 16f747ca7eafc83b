"""The QR cards as a PDF (``/feedback/codes/sheet/pdf/``): who may have it, what it holds, and that
the drawn QR outlines are exactly the code's dark modules.

The PDF is read back without ReportLab: its streams are un-ASCII85'd and inflated with the
standard library, and the text shown in the Chinese CID font is UTF-16BE inside ``(…) Tj``."""

from __future__ import annotations

import base64
import re
import zlib

import pytest
import segno
from django.conf import settings as django_settings
from django.utils.translation import gettext, override

from wenming.feedback import pdf
from wenming.feedback.models import CodeKind, RatingCode

pytestmark = pytest.mark.django_db

PDF = "/feedback/codes/sheet/pdf/"


def chinese(msgid: str) -> str:
    """What the pages say in the site's language (new msgids are English until translated)."""
    with override(django_settings.LANGUAGE_CODE):
        return gettext(msgid)


def pages(body: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", body))


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(raw):
        ch = raw[i : i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += simple.get(nxt, nxt)
            i += 2
    return bytes(out)


def texts(body: bytes) -> list[str]:
    """Every string the pages show, in order (Type0 fonts as UTF-16BE, the others as Latin-1)."""
    type0 = set(re.findall(rb"/Name /(F\d+) /Subtype /Type0", body))
    shown = []
    for match in re.finditer(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length \d+\s*>>\s*stream\r?\n(.*?)endstream", body, re.S
    ):
        data = match.group(1).strip()
        data = data[:-2] if data.endswith(b"~>") else data
        content = zlib.decompress(base64.a85decode(data))
        font = None
        for op in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if op.group(1):
                font = op.group(1)
            else:
                raw = _unescape(op.group(2))
                shown.append(raw.decode("utf-16-be") if font in type0 else raw.decode("latin-1"))
    return shown


@pytest.fixture
def cid_font(monkeypatch):
    """Force the reader-supplied CID font, whose text can be read back (a TrueType subset cannot)."""
    pdf.cjk_font.cache_clear()
    monkeypatch.setattr(pdf, "TRUETYPE_CANDIDATES", ())
    yield
    pdf.cjk_font.cache_clear()


def test_anonymous_goes_to_login(client):
    response = client.get(PDF)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "leader", "inspector", "head_cardio", "head_ortho"])
def test_only_the_office_and_admins_get_it(codes, scenario, client_for, who):
    """Like the HTML sheet: everyone else, department heads included (even for their own), 403."""
    client = client_for(getattr(scenario, who))
    assert client.get(PDF).status_code == 403
    assert client.get(PDF, {"department": "D01"}).status_code == 403


def test_unknown_department_is_404(codes, scenario, client_for):
    assert client_for(scenario.office).get(PDF, {"department": "NOPE"}).status_code == 404


def test_a_department_sheet_has_a_card_per_code_in_chinese(codes, scenario, client_for, settings, cid_font):
    settings.WENMING_BASE_URL = "https://wm.example.org"
    scenario.head_cardio_staff.post = "科主任"
    scenario.head_cardio_staff.title = "主任医师"
    scenario.head_cardio_staff.save()
    response = client_for(scenario.office).get(PDF, {"department": "D01"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="qr-codes-D01-card.pdf"'
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    expected = list(RatingCode.objects.filter(active=True, department__path__startswith="D01/"))
    assert len(expected) == 4  # 心血管内科, 心内一病区, 周涛 and 郑爽
    shown = texts(body)
    assert sorted(t for t in shown if re.fullmatch(r"[A-Z2-7]{10}", t)) == sorted(c.code for c in expected)
    assert shown.count("测试人民医院") == len(expected)
    assert "周涛" in shown and "科主任 · 主任医师" in shown and "心内一病区" in shown
    assert shown.count(chinese("Please rate my service")) == 2 and shown.count("扫码评价我们的服务") == 2
    assert "13800138000" not in shown and "骨科" not in shown
    assert pages(body) == 1


def test_whole_hospital_leaves_staff_out_and_kind_filters(codes, scenario, client_for, cid_font):
    client = client_for(scenario.office)
    shown = texts(client.get(PDF).content)
    assert "3号窗口" in shown and "周涛" not in shown
    assert shown.count("测试人民医院") == RatingCode.objects.filter(active=True).exclude(kind=CodeKind.STAFF).count()
    staff = texts(client.get(PDF, {"kind": "staff"}).content)
    assert staff.count("测试人民医院") == RatingCode.objects.filter(active=True, kind=CodeKind.STAFF).count()
    assert "周涛" in staff and "3号窗口" not in staff
    points = texts(client.get(PDF, {"kind": "point"}).content)
    assert points.count("测试人民医院") == 1 and "3号窗口" in points


def test_pages_hold_eight_cards_or_four_desk_cards(codes, scenario, client_for, cid_font):
    client = client_for(scenario.office)
    total = RatingCode.objects.filter(active=True).count()
    assert total > 8
    body = client.get(PDF, {"kind": "staff"}).content
    staff = RatingCode.objects.filter(active=True, kind=CodeKind.STAFF).count()
    assert pages(body) == -(-staff // 8)
    response = client.get(PDF, {"kind": "staff", "size": "desk"})
    assert response["Content-Disposition"] == 'inline; filename="qr-codes-desk.pdf"'
    assert pages(response.content) == -(-staff // 4)
    # An unknown size is the ordinary card.
    assert pages(client.get(PDF, {"kind": "staff", "size": "huge"}).content) == pages(body)


def test_no_codes_is_one_page_saying_so(scenario, client_for, cid_font):
    body = client_for(scenario.sysadmin).get(PDF).content
    assert pages(body) == 1 and texts(body) == ["没有可打印的二维码，请先生成二维码。"]


def test_codes_page_and_html_sheet_link_the_pdf(codes, scenario, client_for):
    client = client_for(scenario.office)
    page = client.get("/feedback/codes/", {"department": "D01"}).content.decode()
    assert f'href="{PDF}?department=D01"' in page and f'href="{PDF}?size=desk&amp;department=D01"' in page
    sheet = client.get("/feedback/codes/sheet/", {"department": "D01", "kind": "staff"}).content.decode()
    assert f'href="{PDF}?department=D01&amp;kind=staff"' in sheet


@pytest.mark.parametrize("url", ["https://wm.example.org/r/ABCDEFGHIJ/", "http://127.0.0.1:8000/r/Z234567ABC/"])
def test_qr_outlines_cover_exactly_the_dark_modules(url):
    """Even-odd fill of the outlines, sampled at every module's centre, is the code's matrix."""
    n, loops = pdf.qr_outlines(url)
    matrix = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
    assert n == len(matrix)
    vertical = [
        (a[0], min(a[1], b[1]), max(a[1], b[1]))
        for loop in loops
        for a, b in zip(loop, loop[1:] + loop[:1], strict=True)
        if a[0] == b[0]
    ]
    for r in range(n):
        for c in range(n):
            x, y = c + 0.5, r + 0.5
            crossings = sum(1 for vx, y0, y1 in vertical if vx > x and y0 < y < y1)
            assert (crossings % 2 == 1) == matrix[r][c], (r, c)


def test_a_font_for_chinese_is_registered(cid_font):
    assert pdf.cjk_font() == pdf.CID_FONT
    card = pdf.Card(
        hospital="医院", name="张三", lines=("护士",), prompt="请为我的服务评价", url="https://x/r/A/", code="A"
    )
    body = pdf.codes_sheet_pdf([card], size="desk", title="标题")
    assert b"/BaseFont /STSong-Light" in body and pages(body) == 1 and "张三" in texts(body)
