"""Desk signs and service cards as PDF: who may have them, what they say (read back from the PDF's
text), and that each QR holds the person's own rating page."""

from __future__ import annotations

import pytest

from wenming.commitments import pdf as signs
from wenming.commitments import services
from wenming.feedback import pdf as feedback_pdf
from wenming.feedback.models import CodeKind, RatingCode
from wenming.feedback.selectors import public_url
from wenming.feedback.services import rating_codes_ensure
from wenming.feedback.tests.test_pdf import chinese, pages, texts
from wenming.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SIGNS = "/evaluations/commitments/d/{code}/signs/"


@pytest.fixture
def cid_font(monkeypatch):
    """The reader-supplied CID font, whose text can be read back (a TrueType subset cannot)."""
    feedback_pdf.cjk_font.cache_clear()
    monkeypatch.setattr(feedback_pdf, "TRUETYPE_CANDIDATES", ())
    yield
    feedback_pdf.cjk_font.cache_clear()


@pytest.fixture
def drawn(monkeypatch):
    """The URLs the QR codes were drawn for, in order."""
    urls: list[str] = []
    real = signs.draw_qr

    def spy(c, url, *args, **kwargs):
        urls.append(url)
        return real(c, url, *args, **kwargs)

    monkeypatch.setattr(signs, "draw_qr", spy)
    return urls


def test_desk_sign_is_a_tent_card_with_name_badge_commitment_and_the_persons_qr(
    people, client_for, cid_font, drawn, settings
):
    settings.WENMING_BASE_URL = "https://wm.example.org"
    services.commitments_apply(by=people.office, department=people.cardio, year=2026)
    assert not RatingCode.objects.exists()  # the codes are made when first needed
    response = client_for(people.head_cardio).get(SIGNS.format(code="D01"), {"kind": "desk", "year": 2026})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="desk-signs-D01-2026.pdf"'
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert pages(body) == 1  # one person in post in 心血管内科
    code = RatingCode.objects.get(kind=CodeKind.STAFF, staff=people.head_cardio_staff, active=True)
    url = public_url(code.code)
    assert url == f"https://wm.example.org/r/{code.code}/"
    assert drawn == [url, url]  # both faces of the tent card
    shown = texts(body)
    assert shown.count("周涛") == 2 and shown.count("测试人民医院") == 2 and shown.count(code.code) == 2
    assert shown.count(chinese("CPC member")) == 2
    facts = chinese("Staff no. %(no)s") % {"no": "E0101"} + " · 科主任 · 主任医师"
    assert shown.count(facts) == 2 and "心血管内科" in shown
    pledges = chinese("My commitments: %(pledges)s") % {"pledges": "遵纪守法，持证上岗"}
    assert any(line.startswith(pledges) for line in shown)
    assert "13800138000" not in "".join(shown)


def test_service_cards_eight_a_page_for_the_chosen_people(people, client_for, cid_font, drawn):
    rating_codes_ensure()
    client = client_for(people.office)
    for i in range(9):
        StaffFactory(staff_no=f"E07{i:02d}", name=f"同事{i}", department=people.cardio)
    body = client.get(SIGNS.format(code="D01"), {"kind": "card"}).content
    assert pages(body) == 2  # ten people, eight a page
    assert len(drawn) == 10
    shown = texts(body)
    assert shown.count(chinese("CPC member")) == 1 and "郑爽" not in shown  # 周涛 only; the ward's nurse is not in D01
    drawn.clear()
    body = client.get(SIGNS.format(code="D01"), {"kind": "card", "staff": ["E0101", "E0703"]}).content
    shown = texts(body)
    assert "周涛" in shown and "同事3" in shown and "同事4" not in shown and len(drawn) == 2
    codes = {c.staff.staff_no: public_url(c.code) for c in RatingCode.objects.filter(kind=CodeKind.STAFF)}
    assert drawn == [codes["E0101"], codes["E0703"]]  # the head first


def test_who_may_print(people, client_for):
    url = SIGNS.format(code="D0101")
    assert client_for(people.head_cardio).get(url).status_code == 200  # the ward is under 心血管内科
    assert client_for(people.office).get(url).status_code == 200
    assert client_for(people.head_ortho).get(url).status_code == 404
    assert client_for(people.employee).get(url).status_code == 403  # no department pages at all
    assert client_for(people.inspector).get(url).status_code == 403
    assert client_for(people.leader).get(url).status_code == 403  # reads, does not print
    assert client_for(people.office).get(SIGNS.format(code="NOPE")).status_code == 404


def test_anonymous_goes_to_login(people, client):
    response = client.get(SIGNS.format(code="D01"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nobody_in_post_is_one_page_saying_so(cid_font):
    body = signs.signs_pdf([], kind="card")
    assert pages(body) == 1 and texts(body) == [chinese("Nobody to print: the department has no staff in post.")]


def test_wrap_breaks_chinese_text_and_ends_with_an_ellipsis(cid_font):
    font = feedback_pdf.cjk_font()
    lines = signs.wrap("一二三四五六七八九十" * 3, font, 10, 50, 2)
    assert len(lines) == 2 and lines[-1].endswith("…") and lines[0] == "一二三四五"
    assert signs.wrap("短句", font, 10, 50, 2) == ["短句"]
