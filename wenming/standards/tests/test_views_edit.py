"""The standard editor: small changes (names, points, deductions, bonus and veto entries) checked by the
importer's rules, shown as a diff, saved as version n+1; problems and conflicts keep what was typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from wenming.core.models import AuditEntry
from wenming.standards.canonical import to_canonical
from wenming.standards.demo import EXAMPLES, load_example_standards
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.parse import parse_standard
from wenming.standards.selectors import known_standard_summary
from wenming.standards.services import standard_import

pytestmark = pytest.mark.django_db

MONTH = "WMKS-M-2026"
MONTH_TEXT = (EXAMPLES / "wmks-month.yaml").read_text(encoding="utf-8")
EDIT = reverse("standards:edit", args=[MONTH])


@pytest.fixture
def examples(db):
    return load_example_standards()


@pytest.fixture
def office(scenario, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


class Editor:
    """The editor's form as a browser would post it: what is shown, with changes."""

    def __init__(self, client, response):
        assert response.status_code == 200, response.content.decode()[:3000]
        self.client = client
        self.form = response.context["form"]
        self.data: dict[str, str] = {}
        for bound in self.form:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    self.data[bound.html_name] = "on"
            else:
                self.data[bound.html_name] = "" if value is None else str(value)

    def item(self, code: str) -> int:
        return next(row.index for row in self.form.item_rows() if row.item.code == code)

    def entry(self, item: str, entry_code: str) -> str:
        n = self.item(item)
        for key, value in self.data.items():
            if key.startswith(f"entry-{n}-") and key.endswith("-code") and value == entry_code:
                return key.removesuffix("-code")
        raise KeyError(entry_code)

    def add_entry(self, item: str, code: str, name: str, points: str | None = None) -> None:
        n = self.item(item)
        rows = [int(k.split("-")[2]) for k in self.data if k.startswith(f"entry-{n}-") and k.endswith("-code")]
        prefix = f"entry-{n}-{max(rows, default=-1) + 1}"
        self.data[f"{prefix}-code"] = code
        self.data[f"{prefix}-name"] = name
        if points is not None:
            self.data[f"{prefix}-points"] = points

    def set_points(self, code: str, points: str) -> None:
        self.data[f"item-{self.item(code)}-points"] = points

    def post(self, action: str = "check", **extra):
        response = self.client.post(EDIT, {**self.data, "action": action, **extra})
        if response.status_code in (200, 400, 409):
            self.form = response.context["form"]
            self.data["preview_hash"] = self.form.data.get("preview_hash", "")
        return response


def open_editor(client) -> Editor:
    return Editor(client, client.get(EDIT))


def newest(code: str = MONTH) -> StandardVersion:
    return StandardVersion.objects.filter(standard__code=code).order_by("-number").first()


def test_the_editor_shows_every_item_of_the_newest_version(office, examples, django_assert_max_num_queries):
    office.get(EDIT)
    with django_assert_max_num_queries(12):
        response = office.get(EDIT)
    html = response.content.decode()
    editor = Editor(office, response)
    assert editor.data["base_version"] == "1"
    assert [row.item.code for row in editor.form.item_rows()] == [
        "A", "A1", "A2", "B", "C", "D", "D1", "D2", "D3", "E", "S", "F", "V",
    ]  # fmt: skip
    assert editor.data[f"item-{editor.item('A1')}-points"] == "6"
    assert editor.data[f"{editor.entry('B', 'B1')}-points"] == "0.5"
    assert f"item-{editor.item('F')}-points" not in editor.data  # bonus and veto items have no points
    assert "Add a deduction" in html and "Add a bonus" in html and "Add a veto situation" in html


def test_adding_a_deduction_and_moving_points_makes_version_2_after_showing_the_diff(scenario, office, examples):
    editor = open_editor(office)
    editor.add_entry("B", "B3", "学习笔记不全（每人次）", "1.5")
    editor.set_points("A1", "7")
    editor.set_points("A2", "8")
    checked = editor.post("check")
    assert checked.status_code == 200
    texts = [change.text for change in checked.context["plan"].changes]
    assert texts == [
        "item A1: points 6 → 7",
        "item A2: points 9 → 8",
        "item B: deduction B3 “学习笔记不全（每人次）” added (points 1.5)",
    ]
    assert "Save as version 2" in checked.content.decode()
    assert StandardVersion.objects.filter(standard__code=MONTH).count() == 1  # checking writes nothing

    saved = editor.post("save")
    assert saved.status_code == 302 and saved["Location"] == reverse("standards:detail", args=[MONTH])
    version = newest()
    assert version.number == 2 and version.created_by == scenario.office
    definition = version.definition
    b = next(item for item in definition.walk() if item.code == "B")
    assert [(d.code, d.name, d.points) for d in b.deductions][-1] == ("B3", "学习笔记不全（每人次）", Decimal("1.5"))
    a1, a2 = definition.items[0].children
    assert (a1.points, a2.points) == (Decimal(7), Decimal(8))
    # the stored source is the file the editor wrote, and it reads back to the same content
    parsed = parse_standard(version.source, known_standards=known_standard_summary)
    assert to_canonical(parsed) == version.content
    entry = AuditEntry.objects.get(action="standards.version.edited")
    assert entry.actor == scenario.office and entry.data["number"] == 2 and len(entry.data["changes"]) == 3
    assert "Version 2 of WMKS-M-2026 has been saved." in office.get(saved["Location"]).content.decode()


def test_a_broken_sum_is_refused_naming_the_item_and_keeps_what_was_typed(office, examples):
    editor = open_editor(office)
    editor.set_points("A1", "8")
    editor.data["name"] = "改过的名称"
    response = editor.post("check")
    assert response.status_code == 400
    message = "item A: the points (15) must equal the sum of the children's points (17)"
    assert message in response.context["form"].non_field_errors()
    html = response.content.decode()
    assert "line " not in " ".join(response.context["form"].non_field_errors())  # no line of a file never seen
    rows = {row.item.code: row for row in response.context["rows"]}
    assert rows["A"].problems == [message] and 'data-testid="item-problem"' in html
    assert f'name="item-{editor.item("A1")}-points" value="8"' in html
    assert 'value="改过的名称"' in html
    assert StandardVersion.objects.filter(standard__code=MONTH).count() == 1


def test_a_consistent_change_of_a_top_level_item_needs_the_full_score_too(office, examples):
    editor = open_editor(office)
    editor.set_points("E", "12")
    refused = editor.post("check")
    assert "full_score (100) must equal the sum of the points of the top-level items (102)" in (
        refused.context["form"].non_field_errors()
    )
    editor.data["full_score"] = "102"
    checked = editor.post("check")
    assert checked.status_code == 200
    assert [c.text for c in checked.context["plan"].changes] == ["full score: 100 → 102", "item E: points 10 → 12"]
    assert editor.post("save").status_code == 302
    assert newest().definition.full_score == Decimal(102)


def test_an_incomplete_or_duplicate_row_is_shown_beside_the_row(office, examples):
    editor = open_editor(office)
    editor.add_entry("B", "B9", "", "")
    response = editor.post("check")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please enter a description." in html and "Please enter the points." in html
    assert 'value="B9"' in html

    editor = open_editor(office)
    editor.add_entry("C", "B1", "重复的编码", "1")
    response = editor.post("check")
    assert response.status_code == 400
    c_row = next(row for row in response.context["rows"] if row.item.code == "C")
    assert any("the code B1 is used more than once" in p for row in c_row.entries for p in row.problems)


def test_removing_a_deduction_and_adding_bonus_and_veto_entries(office, examples):
    editor = open_editor(office)
    editor.data[f"{editor.entry('E', 'E3')}-delete"] = "on"
    editor.data[f"{editor.entry('E', 'E2')}-points"] = "0.25"
    editor.data[f"{editor.entry('A1', 'A1a')}-name"] = "未制定月度创建计划"
    editor.add_entry("F", "F4", "志愿服务表现突出", "1")
    editor.add_entry("V", "V4", "发生安全生产责任事故")
    checked = editor.post("check")
    assert checked.status_code == 200, checked.context["form"].errors
    assert sorted(c.text for c in checked.context["plan"].changes) == [
        "deduction A1a: name “未制定科室月度创建计划” → “未制定月度创建计划”",
        "deduction E2: points 0.5 → 0.25",
        "item E: deduction E3 “吸烟或未制止吸烟（每人次）” removed",
        "item F: bonus F4 “志愿服务表现突出” added (points 1)",
        "item V: veto V4 “发生安全生产责任事故” added",
    ]
    assert editor.post("save").status_code == 302
    definition = newest().definition
    assert [v.code for v in definition.veto_item.vetoes] == ["V1", "V2", "V3", "V4"]
    assert definition.bonus_item.bonuses[-1].points == Decimal(1)


def test_removing_every_deduction_of_an_item_is_refused(office, examples):
    editor = open_editor(office)
    for code in ("B1", "B2"):
        editor.data[f"{editor.entry('B', code)}-delete"] = "on"
    response = editor.post("check")
    assert response.status_code == 400
    assert "item B: a deduct item needs at least one entry in deductions" in response.context["form"].non_field_errors()


def test_renaming_the_standard_renames_it_in_the_list(office, examples):
    editor = open_editor(office)
    editor.data["name"] = "文明科室月度考核细则（2026年修订版）"
    editor.post("check")
    editor.post("save")
    assert Standard.objects.get(code=MONTH).name == "文明科室月度考核细则（2026年修订版）"


def test_nothing_changed_says_so(office, examples):
    editor = open_editor(office)
    response = editor.post("check")
    assert response.status_code == 200 and response.context["plan"] is None
    assert "Nothing has been changed yet; there is nothing to save." in response.content.decode()


def test_a_change_after_the_check_is_shown_again_before_it_is_saved(office, examples):
    editor = open_editor(office)
    editor.set_points("A1", "7")
    editor.set_points("A2", "8")
    editor.post("check")
    editor.data[f"{editor.entry('B', 'B1')}-points"] = "0.75"  # typed after the check
    response = editor.post("save")
    assert response.status_code == 200
    assert 'data-testid="changed-after-preview"' in response.content.decode()
    assert "deduction B1: points 0.5 → 0.75" in [c.text for c in response.context["plan"].changes]
    assert StandardVersion.objects.filter(standard__code=MONTH).count() == 1
    assert editor.post("save").status_code == 302
    assert newest().number == 2


def test_a_save_after_someone_else_added_a_version_is_refused_and_keeps_what_was_typed(scenario, office, examples):
    editor = open_editor(office)
    editor.set_points("A1", "7")
    editor.set_points("A2", "8")
    editor.post("check")
    e1 = "{code: E1, name: 科室环境脏乱（每次巡查）, points: 1}"
    other = MONTH_TEXT.replace(e1, "{code: E1, name: 环境脏乱, points: 1}")
    standard_import(text=other, by=scenario.head_ortho)  # version 2, by someone else
    response = editor.post("save")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was saved: someone else saved version 2 after you opened version 1 in the editor." in html
    assert "deduction E1: name “科室环境脏乱（每次巡查）” → “环境脏乱”" in html
    assert f'name="item-{editor.item("A1")}-points" value="7"' in html
    assert list(StandardVersion.objects.filter(standard__code=MONTH).values_list("number", flat=True)) == [1, 2]
    assert not AuditEntry.objects.filter(action="standards.version.edited").exists()
    # checking again is refused the same way: the editor must be opened on version 2
    assert editor.post("check").status_code == 409


def test_adding_a_row_shows_an_empty_row_without_errors(office, examples):
    editor = open_editor(office)
    editor.data[f"{editor.entry('B', 'B1')}-name"] = "已改的描述"
    n = editor.item("B")
    response = office.post(EDIT, {**editor.data, "add_row": str(n)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="entries-{n}"')  # only the rows of that item
    assert f'name="entry-{n}-2-code"' in html and "autofocus" in html
    assert 'value="已改的描述"' in html  # what was typed stays
    assert 'data-testid="form-errors"' not in html
    assert StandardVersion.objects.filter(standard__code=MONTH).count() == 1
    # without JavaScript the button reloads the whole page, with the new row
    page = office.post(EDIT, {**editor.data, "add_row": str(n)})
    assert "<html" in page.content.decode() and f'name="entry-{n}-2-code"' in page.content.decode()


def test_the_editor_works_on_a_standard_of_thirty_items(office, examples):
    items = "\n".join(
        f"  - {{code: K{i:02d}, name: 第{i}项, points: 2, rule: deduct,"
        f" deductions: [{{code: K{i:02d}a, name: 问题, points: 1}}]}}"
        for i in range(30)
    )
    text = (
        "code: BIG\nname: 三十项标准\nsubject: department\ncycle: month\nfull_score: 60\n"
        "grades: [{name: 合格, min: 0}]\nveto_grade: 合格\nitems:\n" + items + "\n"
    )
    standard_import(text=text)
    url = reverse("standards:edit", args=["BIG"])
    editor = Editor(office, office.get(url))
    assert len(editor.form.item_rows()) == 30
    editor.add_entry("K29", "K29b", "新问题", "0.5")
    response = office.post(url, {**editor.data, "action": "check"})
    assert response.status_code == 200
    changes = [c.text for c in response.context["plan"].changes]
    assert changes == ["item K29: deduction K29b “新问题” added (points 0.5)"]
