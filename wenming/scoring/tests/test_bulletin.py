"""The monthly bulletin (月度通报): the DOCX opens with python-docx and says what the finalized
period holds (title, ranking, vetoes with reasons, main problems, corrections), in a 公文 layout;
a period that is not finalized is refused; who may download it; query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn

from wenming.scoring.bulletin import BulletinData, RankingRow, bulletin_docx
from wenming.scoring.models import ScoringPeriod
from wenming.scoring.periods import parse_period
from wenming.scoring.selectors.publishing import bulletin_data, chinese_period_label, document_topic
from wenming.scoring.tests.helpers import SAMPLE
from wenming.scoring.tests.test_pay import RANK_ORDER, STD, correction, grow, publish_sample

TITLE = "关于2026年10月文明科室考核结果的通报"
URL = f"/scoring/{STD}/2026-10/bulletin.docx"
NAMES = {
    "D01": "心血管内科",
    "D02": "神经内科",
    "D03": "普外科",
    "D04": "妇产科",
    "D05": "儿科",
    "D06": "放射科",
    "D07": "药剂科",
    "D08": "护理部",
    "D09": "院办公室",
    "D0101": "心内一病区",
}


def open_docx(response) -> Document:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return Document(io.BytesIO(response.content))


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def table_cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def east_asian_font(run) -> str | None:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def sample_findings() -> Counter:
    """Σ count per deduction code of the sample's October findings, read from the file itself."""
    counts: Counter = Counter()
    for line in (SAMPLE / "records.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("kind") == "finding" and row.get("date", "").startswith("2026-10"):
            counts[row["code"]] += row.get("count", 1)
    return counts


@pytest.mark.django_db
def test_the_bulletin_says_what_the_finalized_period_holds(scenario, client_for):
    september, october = publish_sample()
    correction(september, "D03", "1.50", "复核后撤销B1扣分")
    correction(september, "D05", "-2.00", "补记投诉扣分", code="C1")
    correction(september, "D05", "5.00", "九月内已发布的更正", day=dt.date(2026, 9, 30))

    response = client_for(scenario.office).get(URL)
    assert f"filename*=UTF-8''{quote('2026年10月文明科室考核通报.docx')}" in response["Content-Disposition"]
    doc = open_docx(response)
    text = paragraphs(doc)
    assert doc.core_properties.title == TITLE
    # Red header, document number, title, salutation.
    assert text[0] == "测试人民医院精神文明建设办公室"
    assert "〔2026〕10号" in text[1]
    assert TITLE in text and "各科室：" in text
    # 一、总体情况: count, average, comparison with September, highest and lowest, grades, vetoes.
    overview = next(t for t in text if t.startswith("本期共考核科室"))
    assert "本期共考核科室10个，平均得分96.19分，较上期（2026年9月，91.00分）提高5.19分" in overview
    assert "最高分为药剂科（100.00分），最低分为儿科（85.50分）" in overview
    assert "评定优秀2个、良好7个、合格0个、不合格1个" in overview and "其中1个科室被一票否决" in overview
    headings = [t for t in text if t[:2] in {"一、", "二、", "三、", "四、", "五、", "六、", "七、"}]
    assert headings == [
        "一、总体情况",
        "二、考核结果",
        "三、优秀科室和不合格科室",
        "四、一票否决",
        "五、存在的主要问题",
        "六、更正",
        "七、下一步工作要求",
    ]
    ranking, problems, corrections = doc.tables
    # 二、考核结果: every department in rank order, the vetoed one last and marked.
    rows = table_cells(ranking)
    assert rows[0] == ["名次", "科室", "总分", "等次"]
    assert [r[1] for r in rows[1:]] == [NAMES[code] for code in RANK_ORDER]
    assert rows[1] == ["1", "药剂科", "100.00", "优秀"] and rows[8] == ["8", "神经内科", "89.39", "良好"]
    assert rows[-1] == ["10", "院办公室", "100.00", "不合格（一票否决）"]
    # 三、优秀 and 不合格.
    assert "（一）优秀科室：药剂科、妇产科，共2个。" in text
    assert "（二）不合格科室：院办公室（一票否决），共1个。" in text
    # 四、一票否决: the department, the veto item and the record's note.
    assert "1. 院办公室：发生严重损害医院形象的负面舆情事件（2026年10月25日），情况说明：负面舆情。" in text
    # 五、存在的主要问题: the counts match the records.
    expected = sample_findings()
    rows = table_cells(problems)
    assert rows[0] == ["序号", "问题（扣分项）", "次数", "涉及科室", "扣分合计"]
    version = october.version.definition
    names = {d.name: d for item in version.walk() for d in item.deductions}
    found = {names[r[1]].code: int(r[2]) for r in rows[1:]}
    assert found == dict(expected)
    assert [int(r[2]) for r in rows[1:]] == sorted(found.values(), reverse=True)
    radiology = next(r for r in rows if r[1] == "病历书写不规范（每份）")
    assert radiology[3:] == ["放射科", "2.00"]
    assert f"本期考核共发现扣分问题{sum(expected.values())}项次，涉及6个科室。主要问题如下：" in text
    # 六、更正: the two corrections recorded in October, not the one of September.
    rows = table_cells(corrections)
    assert rows[0] == ["科室", "更正考核期", "项目", "分值变化", "更正原因"]
    assert rows[1:] == [
        ["普外科", "2026年9月", "B 思想道德与学习", "+1.50", "复核后撤销B1扣分"],
        ["儿科", "2026年9月", "C1 服务态度生硬被投诉并查实（每起）", "-2.00", "补记投诉扣分"],
    ]
    # Signature: the office and the finalization date, in Chinese.
    finalized = october.finalized_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    day = f"{finalized.year}年{finalized.month}月{finalized.day}日"
    assert text.count("测试人民医院精神文明建设办公室") == 2 and day in text


@pytest.mark.django_db
def test_the_layout_is_a_gongwen(scenario, client_for):
    publish_sample()
    doc = open_docx(client_for(scenario.office).get(URL))
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.cm, 2) for m in margins] == [3.7, 3.5, 2.8, 2.6]
    header, number = doc.paragraphs[0], doc.paragraphs[1]
    run = header.runs[0]
    assert run.font.bold and str(run.font.color.rgb) == "FF0000" and east_asian_font(run) == "宋体"
    assert run.font.size.pt >= 22
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"  # the red rule
    title = next(p for p in doc.paragraphs if p.text == TITLE)
    assert title.runs[0].font.bold and title.runs[0].font.size.pt == 22 and east_asian_font(title.runs[0]) == "宋体"
    heading = next(p for p in doc.paragraphs if p.text == "一、总体情况")
    assert east_asian_font(heading.runs[0]) == "黑体"
    body = next(p for p in doc.paragraphs if p.text.startswith("本期共考核科室"))
    assert east_asian_font(body.runs[0]) == "仿宋" and body.runs[0].font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == 32
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    ranking = doc.tables[0]
    assert ranking.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    cell_run = ranking.rows[1].cells[1].paragraphs[0].runs[0]
    assert cell_run.font.size.pt == 10.5 and ranking.rows[0].cells[0].paragraphs[0].runs[0].font.bold
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    signature = next(p for p in doc.paragraphs[5:] if p.text == "测试人民医院精神文明建设办公室")
    assert signature.alignment == 2  # right


@pytest.mark.django_db
def test_a_period_without_problems_vetoes_or_corrections_says_so(scenario, client_for):
    publish_sample()
    doc = open_docx(client_for(scenario.office).get(f"/scoring/{STD}/2026-09/bulletin.docx"))
    text = paragraphs(doc)
    assert "关于2026年9月文明科室考核结果的通报" in text
    assert "本期无更正事项。" in text and "本期无一票否决事项。" in text and "本期考核未发现扣分问题。" in text
    assert not any("较上期" in t for t in text)  # August was never published
    assert len(doc.tables) == 1


@pytest.mark.django_db
def test_the_document_number_can_be_given_and_the_language_does_not_matter(scenario, client_for):
    publish_sample()
    client = client_for(scenario.leader)
    doc = open_docx(client.get(URL, {"number": "测医文明办〔2026〕99号"}))
    assert doc.paragraphs[1].text == "测医文明办〔2026〕99号"
    client.cookies["django_language"] = "en"
    doc = open_docx(client.get(URL, {"number": ""}, headers={"Accept-Language": "en"}))
    assert TITLE in paragraphs(doc) and doc.paragraphs[1].text.endswith("〔2026〕10号")


@pytest.mark.django_db
def test_a_period_not_finalized_gets_a_clear_refusal(scenario, client_for):
    publish_sample(finalize_october=False)
    client = client_for(scenario.office)
    response = client.get(URL)
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert 'data-reason="not_finalized"' in body and f"/scoring/{STD}/2026-10/pay/" in body
    page = client.get(f"/scoring/{STD}/2026-10/bulletin/")
    assert page.status_code == 200 and page.context["data"] is None
    assert 'data-testid="bulletin-not-finalized"' in page.content.decode()
    assert 'data-testid="bulletin-download"' not in page.content.decode()


@pytest.mark.django_db
def test_the_bulletin_page_previews_and_offers_the_download(scenario, client_for, django_assert_max_num_queries):
    september, _ = publish_sample()
    correction(september, "D03", "1.50", "复核后撤销B1扣分")
    client = client_for(scenario.office)
    client.get(f"/scoring/{STD}/2026-10/bulletin/")
    with django_assert_max_num_queries(16):
        page = client.get(f"/scoring/{STD}/2026-10/bulletin/")
    assert page.status_code == 200
    body = page.content.decode()
    assert TITLE in body and f'action="{URL}"' in body and "〔2026〕10号" in body
    assert "复核后撤销B1扣分" in body and "96.19" in body and "负面舆情" in body


@pytest.mark.django_db
def test_who_may_download_the_bulletin(scenario, client_for, client):
    publish_sample()
    pages = [URL, f"/scoring/{STD}/2026-10/bulletin/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for user in (scenario.head_cardio, scenario.head_ortho, scenario.employee):
        for url in pages:
            assert client_for(user).get(url).status_code == 403
    for user in (scenario.leader, scenario.inspector, scenario.sysadmin):
        assert client_for(user).get(URL).status_code == 200
    office = client_for(scenario.office)
    assert office.get("/scoring/NOPE/2026-10/bulletin.docx").status_code == 404
    assert office.get("/scoring/NOPE/2026-10/bulletin/").status_code == 404
    assert office.get(f"/scoring/{STD}/2026-08/bulletin.docx").status_code == 404  # never computed
    assert office.get(f"/scoring/{STD}/2026-Q4/bulletin.docx").status_code == 404


@pytest.mark.django_db
def test_bulletin_data_query_count_does_not_grow(scenario):
    september, october = publish_sample(finalize_october=False)
    correction(september, "D03", "1.50", "复核")
    bulletin_data(scoring_period=october)  # warm the hospital cache
    with CaptureQueriesContext(connection) as small:
        data = bulletin_data(scoring_period=october)
    assert data.count == 10
    grow(october, september)
    october = ScoringPeriod.objects.select_related("standard", "version").get(pk=october.pk)
    with CaptureQueriesContext(connection) as large:
        data = bulletin_data(scoring_period=october)
    assert data.count == 40 and len(data.corrections) == 31 and data.vetoed_count == 7
    assert data.problems[0].times == 24 and len(data.problems[0].subjects) == 11  # D3b: 4 in 放射科 + 10 × 2
    assert len(small.captured_queries) == len(large.captured_queries) == 5


# --- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("文明科室月度考核细则（2026年版）", "文明科室考核"),
        ("文明科室季度综合评判", "文明科室综合评判"),
        ("2026年度职工医德考评办法", "职工医德考评"),
        ("科室文明创建", "科室文明创建考核"),
    ],
)
def test_document_topic(name, topic):
    assert document_topic(name) == topic


def test_chinese_period_labels():
    assert [chinese_period_label(parse_period(k)) for k in ("2026-01", "2026-Q4", "2026")] == [
        "2026年1月",
        "2026年第4季度",
        "2026年度",
    ]


def test_the_builder_copes_with_an_empty_period_and_many_problems():
    data = BulletinData(
        hospital="某医院",
        short_name="",
        standard_code="X",
        standard_name="文明科室月度考核细则",
        subject_is_department=True,
        period_key="2026-10",
        period_label="2026年10月",
        topic="文明科室考核",
        number_in_year=10,
        finalized_on=dt.date(2026, 11, 5),
        full_score=Decimal(100),
        grades=("合格", "不合格"),
        ranking=(),
    )
    doc = Document(io.BytesIO(bulletin_docx(data)))
    text = paragraphs(doc)
    assert "本期无参加考核的科室。" in text and "2026年11月5日" in text and text[1] == "某医院文明办〔2026〕10号"
    one = RankingRow(rank=1, code="A", name="甲科", total=Decimal("90.00"), grade="合格", vetoed=False)
    assert data.average is None and BulletinData(**{**data.__dict__, "ranking": (one,)}).average == Decimal("90.00")
