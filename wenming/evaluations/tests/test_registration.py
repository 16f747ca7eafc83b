"""The 医德考评登记表 as DOCX and PDF: who may print it at which step, and what it says.

The DOCX is opened with python-docx. The PDF is checked without a PDF text extractor (none is
installed): its content streams are decoded (ASCII85 + Flate, as ReportLab writes them) and the
text operators' strings read back — the CJK font writes UCS-2 — and the pages are counted."""

from __future__ import annotations

import base64
import io
import re
import zlib
from datetime import date

import pytest
from docx import Document

from wenming.evaluations.archive import year_file
from wenming.evaluations.registration import registration_data, registration_docx, registration_pdf
from wenming.org.access import access_for

from .test_archive_factories import build_ethics, colleague_of, make_daily, make_veto

FORM = "/people/E0102/ethics/{year}/form.{ext}"


@pytest.fixture
def ethics(scenario):
    scenario.employee_staff.gender = "female"
    scenario.employee_staff.title = "主管护师"
    scenario.employee_staff.post = "责任护士"
    scenario.employee_staff.save()
    return build_ethics(scenario)


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


_STREAM = re.compile(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)~>\s*endstream", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_SIMPLE = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def one(match):
        value = match.group(1)
        if value[:1].isdigit():
            return bytes([int(value, 8) & 0xFF])
        return _SIMPLE.get(value, value)

    return _ESCAPE.sub(one, raw)


def pdf_text(content: bytes) -> str:
    """The strings shown on the pages: each literal string of the content streams, read as UCS-2
    (the CJK font) when its length is even, else as Latin-1."""
    texts = []
    for stream in _STREAM.finditer(content):
        decoded = zlib.decompress(base64.a85decode(stream.group(1)))
        for literal in _LITERAL.finditer(decoded):
            raw = _unescape(literal.group(1))
            texts.append(raw.decode("utf-16-be", "replace") if len(raw) % 2 == 0 else raw.decode("latin-1"))
    return "".join(texts)


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", content))


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["docx", "pdf"])
@pytest.mark.parametrize("who", ["employee", "head_cardio", "office", "leader", "sysadmin"])
def test_an_archived_year_prints_for_those_who_see_the_file(scenario, ethics, client_for, who, ext):
    response = client_for(getattr(scenario, who)).get(FORM.format(year=2025, ext=ext))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("ext", ["docx", "pdf"])
@pytest.mark.parametrize("who", ["head_ortho", "inspector", "colleague"])
def test_others_get_404(scenario, ethics, client_for, who, ext):
    user = colleague_of(ethics.person) if who == "colleague" else getattr(scenario, who)
    assert client_for(user).get(FORM.format(year=2025, ext=ext)).status_code == 404


def test_anonymous_goes_to_login(client, ethics):
    assert client.get(FORM.format(year=2025, ext="pdf")).status_code == 302


@pytest.mark.parametrize("ext", ["docx", "pdf"])
@pytest.mark.parametrize("who", ["employee", "head_cardio", "leader"])
def test_before_publicity_only_the_office_prints(scenario, ethics, client_for, who, ext):
    assert client_for(getattr(scenario, who)).get(FORM.format(year=2026, ext=ext)).status_code == 404


@pytest.mark.parametrize("who", ["office", "sysadmin"])
def test_the_office_prints_a_draft_before_publicity(scenario, ethics, client_for, who):
    response = client_for(getattr(scenario, who)).get(FORM.format(year=2026, ext="docx"))
    assert response.status_code == 200
    text = docx_text(response.content)
    assert "医务人员医德考评登记表（2026年度）（草稿）" in text
    assert "草稿" in response["Content-Disposition"] or "%E8%8D%89%E7%A8%BF" in response["Content-Disposition"]


def test_in_publicity_the_person_prints_without_draft_mark(scenario, ethics, client_for):
    ethics.current.state = "publicity"
    ethics.current.save()
    response = client_for(scenario.employee).get(FORM.format(year=2026, ext="docx"))
    assert response.status_code == 200
    assert "草稿" not in docx_text(response.content)


def test_a_year_the_person_was_not_evaluated_is_404(scenario, ethics, client_for):
    assert client_for(scenario.office).get(FORM.format(year=2019, ext="docx")).status_code == 404
    assert client_for(scenario.office).get("/people/NOPE/ethics/2025/form.pdf").status_code == 404


# --- contents ------------------------------------------------------------------------------------


def test_docx_holds_the_header_and_the_three_steps(scenario, ethics, client_for):
    make_daily(ethics.old, ethics.person, kind="praise", description="患者送锦旗表扬", date=date(2025, 3, 8))
    make_daily(ethics.old, ethics.person, kind="criticism", description="未审核", state="submitted")
    response = client_for(scenario.employee).get(FORM.format(year=2025, ext="docx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = docx_text(response.content)
    for value in (
        "医务人员医德考评登记表（2025年度）",
        "测试人民医院",
        "姓名",
        "郑爽",
        "女",
        "E0102",
        "心内一病区",
        "主管护师",
        "责任护士",
        "2025年度",
        "2025年本人自我总结",
        "自评等级：优秀",
        "2025年科室评价意见",
        "科室拟定等级：良好",
        "Y7 顾全大局，团结协作，和谐共事：9.00 分（满分10分）",
        "Y8 严谨求实，努力提高专业技术水平：8.00 分（满分10分）",
        "考评等级：良好",
        "总分：91.00",
        "一票否决：无",
        "2025年单位评价意见",
        "整改措施：加强沟通技巧培训",
        "2025-03-08 表扬：患者送锦旗表扬",
        "本人签字",
        "科室负责人签字",
        "考评委员会（盖章）",
        "2025年12月1日",
    ):
        assert value in text, value
    assert "未审核" not in text
    assert "草稿" not in text


def test_docx_lists_vetoes(scenario, ethics):
    make_veto(ethics.old, ethics.person, code="X1")
    file = year_file(access=access_for(scenario.office), staff=ethics.person, year=2025)
    text = docx_text(registration_docx(registration_data(file, hospital="测试人民医院", time_zone="Asia/Shanghai")))
    assert "一票否决：X1 在医疗服务活动中索要患者及其亲友财物或者牟取其他不正当利益" in text


def test_pdf_is_a_pdf_with_the_name_and_the_header(scenario, ethics, client_for):
    response = client_for(scenario.employee).get(FORM.format(year=2025, ext="pdf"))
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    assert pdf_pages(content) == 1
    text = pdf_text(content)
    for value in ("医务人员医德考评登记表（2025年度）", "郑爽", "E0102", "心内一病区", "考评等级：良好", "本人签字"):
        assert value in text, value


def test_a_long_pdf_flows_onto_more_pages(scenario, ethics):
    for day in range(1, 29):
        make_daily(ethics.old, ethics.person, description="参加义诊活动，受到群众好评" * 4, date=date(2025, 2, day))
    file = year_file(access=access_for(scenario.office), staff=ethics.person, year=2025)
    content = registration_pdf(registration_data(file, hospital="测试人民医院", time_zone="Asia/Shanghai"))
    assert pdf_pages(content) >= 2
    assert "参加义诊活动" in pdf_text(content)


def test_draft_pdf_says_draft(scenario, ethics, client_for):
    content = client_for(scenario.office).get(FORM.format(year=2026, ext="pdf")).content
    assert "（草稿）" in pdf_text(content)
