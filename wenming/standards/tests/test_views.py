"""The reading pages of the standards: the list, one version as a printable tree, the differences
between versions and the YAML download; who may open them, and their query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.core.navigation import nav_for
from wenming.org.access import access_for
from wenming.standards.demo import EXAMPLES, load_example_standards
from wenming.standards.models import StandardVersion
from wenming.standards.parse import parse_standard
from wenming.standards.selectors import known_standard_summary
from wenming.standards.services import standard_import

pytestmark = pytest.mark.django_db

MONTH = "WMKS-M-2026"
MONTH_TEXT = (EXAMPLES / "wmks-month.yaml").read_text(encoding="utf-8")
B2 = "{code: B2, name: 未按要求开展道德讲堂等活动, points: 2}"


def month_v2(by=None):
    """Version 2 of the monthly standard: B2 deducts 3, and it applies to clinical and nursing only."""
    text = MONTH_TEXT.replace(B2, B2.replace("points: 2", "points: 3")).replace(
        "cycle: month\n", "cycle: month\napplies_to: [clinical, 护理]\n"
    )
    return standard_import(text=text, by=by, filename="month-v2.yaml")


@pytest.fixture
def examples(db):
    return load_example_standards()


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def reading_urls() -> list[str]:
    return [
        reverse("standards:list"),
        reverse("standards:detail", args=[MONTH]),
        reverse("standards:diff", args=[MONTH]),
        reverse("standards:export", args=[MONTH, 1]),
    ]


def managing_urls() -> list[str]:
    return [reverse("standards:upload"), reverse("standards:edit", args=[MONTH])]


# --- Who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "sysadmin", "leader", "inspector", "head_cardio", "head_ortho"])
def test_everyone_who_views_scores_reads_every_standard(scenario, client_for, examples, who):
    client = client_for(getattr(scenario, who))
    for url in reading_urls():
        assert client.get(url).status_code == 200, url


def test_a_department_head_reads_and_prints_but_may_not_upload_or_edit(scenario, client_for, examples):
    client = client_for(scenario.head_cardio)
    listing = client.get(reverse("standards:list")).content.decode()
    assert reverse("standards:detail", args=[MONTH]) in listing
    assert reverse("standards:upload") not in listing and reverse("standards:edit", args=[MONTH]) not in listing
    detail = client.get(reverse("standards:detail", args=[MONTH])).content.decode()
    assert "window.print()" in detail and "wenming/print.css" in detail
    assert reverse("standards:edit", args=[MONTH]) not in detail
    for url in managing_urls():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post(reverse("standards:upload_confirm", args=["any"]), {"base": 1}).status_code == 403
    assert client.get(reverse("standards:upload_preview", args=["any"])).status_code == 403


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_whole_hospital_readers_without_the_office_role_may_not_upload_or_edit(scenario, client_for, examples, who):
    client = client_for(getattr(scenario, who))
    for url in managing_urls():
        assert client.get(url).status_code == 403, url


def test_an_employee_who_heads_nothing_may_not_open_the_standards(scenario, client_for, examples):
    assert access_for(scenario.employee).can_view_scores is False
    client = client_for(scenario.employee)
    for url in reading_urls() + managing_urls():
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, examples):
    for url in reading_urls() + managing_urls():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url


def test_unknown_codes_and_versions_are_404(scenario, client_for, examples):
    client = client_for(scenario.office)
    for url in (
        reverse("standards:detail", args=["NOPE"]),
        reverse("standards:diff", args=["NOPE"]),
        reverse("standards:export", args=["NOPE", 1]),
        reverse("standards:edit", args=["NOPE"]),
        reverse("standards:export", args=[MONTH, 2]),
        reverse("standards:detail", args=[MONTH]) + "?version=2",
        reverse("standards:detail", args=[MONTH]) + "?version=x",
        reverse("standards:detail", args=[MONTH]) + "?version=0",
        reverse("standards:diff", args=[MONTH]) + "?from=1&to=5",
    ):
        assert client.get(url).status_code == 404, url


def test_the_menu_shows_standards_to_heads_but_not_to_plain_staff(scenario):
    def labels(user):
        with translation.override("en"):
            return [str(item["label"]) for item in nav_for(access_for(user), "/")]

    assert "Standards" in labels(scenario.head_cardio)
    assert "Standards" in labels(scenario.office)
    assert "Standards" not in labels(scenario.employee)


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_each_standard_with_its_newest_version(scenario, client_for, english, examples):
    month_v2(by=scenario.office)
    response = client_for(scenario.office).get(reverse("standards:list"))
    rows = {row.standard.code: row for row in response.context["rows"]}
    assert list(rows) == [MONTH, "WMKS-Q-2026", "YDKP-2026"]
    assert (rows[MONTH].newest.number, rows[MONTH].version_count) == (2, 2)
    assert (rows["YDKP-2026"].newest.number, rows["YDKP-2026"].version_count) == (1, 1)
    html = response.content.decode()
    assert "Version 2" in html and "文明办" in html  # the office's name as who imported version 2
    assert "System" in html  # the examples came from the command line
    assert "Staff member" in html and "Year" in html  # the yearly standard scores staff
    assert reverse("standards:upload") in html and reverse("standards:edit", args=[MONTH]) in html
    assert reverse("standards:diff", args=[MONTH]) in html


def test_the_list_says_when_there_is_no_standard(scenario, client_for, english):
    response = client_for(scenario.office).get(reverse("standards:list"))
    assert "No assessment standard has been imported yet." in response.content.decode()


def test_the_list_takes_a_fixed_number_of_queries(scenario, client_for, examples, django_assert_max_num_queries):
    for n in range(6):  # more standards and versions cost no more queries
        text = MONTH_TEXT.replace(f"code: {MONTH}", f"code: EXTRA-{n}").replace(B2, B2.replace("2}", f"{n + 3}}}"))
        standard_import(text=text, by=scenario.office)
    month_v2(by=scenario.head_ortho)
    client = client_for(scenario.office)
    client.get(reverse("standards:list"))  # warm the session
    with django_assert_max_num_queries(11):
        response = client.get(reverse("standards:list"))
    assert len(response.context["rows"]) == 9


# --- One standard ----------------------------------------------------------------------------------


def test_the_detail_page_shows_the_whole_standard_in_words(scenario, client_for, english, examples):
    response = client_for(scenario.office).get(reverse("standards:detail", args=[MONTH]))
    html = response.content.decode()
    assert "文明科室月度考核细则（2026年版）" in html
    assert "Code WMKS-M-2026 · version 1" in html
    # header: subject, cycle, all departments, full score, bonus cap, the grades with quota as a percentage
    assert "Department" in html and "Month" in html and "All departments" in html
    assert ">100.00<" in html and ">5.00<" in html
    grades = response.context["header"]["grades"]
    assert grades[0] == {"name": "优秀", "min": "95.00", "max_deducted": "2.00", "quota": "20%", "is_veto": False}
    assert grades[-1]["is_veto"] and "veto grade" in html
    # the items, groups before their children, with points in two decimals and the rule in words
    items = response.context["items"]
    assert [(row.item.code, row.depth) for row in items[:4]] == [("A", 0), ("A1", 1), ("A2", 1), ("B", 0)]
    assert "For each occurrence of a problem below, its points are deducted" in html
    assert "Target satisfaction rate 95%: for every 1% below the target, 1.00 points are deducted" in html
    assert "fewer than 30 responses" in html
    assert "Scored by hand, from 0 to 9.00 points" in html
    assert "at most 5.00 bonus points in one period" in html
    assert "Any one of the following gives the grade 不合格" in html
    # deduction, bonus and veto tables
    assert "无故缺席政治学习或业务学习（每人次）" in html and ">0.50<" in html
    assert 'data-testid="entries-F"' in html and "获市级及以上表彰" in html
    assert 'data-testid="entries-V"' in html and "发生重大医疗责任事故" in html
    # the history with the download link, and no "old version" warning
    assert reverse("standards:export", args=[MONTH, 1]) in html
    assert 'data-testid="old-version"' not in html


def test_a_rollup_names_its_source_and_links_to_it(scenario, client_for, english, examples):
    html = client_for(scenario.head_cardio).get(reverse("standards:detail", args=["WMKS-Q-2026"])).content.decode()
    assert "The mean total of the standard WMKS-M-2026" in html
    assert reverse("standards:detail", args=[MONTH]) in html
    assert "Source standard" in html


def test_the_categories_a_standard_applies_to_are_in_chinese(scenario, client_for, examples):
    month_v2()
    html = client_for(scenario.office).get(reverse("standards:detail", args=[MONTH])).content.decode()
    facts = html[html.index('data-testid="applies-to"') :]
    facts = facts[: facts.index("</dd>")]
    assert "临床" in facts and "护理" in facts and "全部科室" not in facts


def test_an_older_version_can_be_read_and_says_it_is_old(scenario, client_for, english, examples):
    month_v2()
    client = client_for(scenario.head_cardio)
    old = client.get(reverse("standards:detail", args=[MONTH]) + "?version=1")
    assert old.context["version"].number == 1
    html = old.content.decode()
    assert "You are reading version 1, which is no longer in force; the newest is version 2." in html
    assert "All departments" in html
    new = client.get(reverse("standards:detail", args=[MONTH]))
    assert new.context["version"].number == 2 and new.context["is_newest"]
    assert f"{reverse('standards:diff', args=[MONTH])}?from=1&amp;to=2" in new.content.decode()


def test_the_detail_page_takes_a_fixed_number_of_queries(scenario, client_for, examples, django_assert_max_num_queries):
    for _n in range(5):
        month_v2(by=scenario.office)
        standard_import(text=MONTH_TEXT, by=scenario.head_ortho)
    client = client_for(scenario.office)
    client.get(reverse("standards:list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("standards:detail", args=[MONTH]))
    assert len(response.context["history"]) == 11  # the file and its variant, one after the other


# --- Versions compared and downloaded --------------------------------------------------------------


def test_the_diff_lists_the_changes_between_two_versions(scenario, client_for, english, examples):
    month_v2()
    client = client_for(scenario.head_cardio)
    response = client.get(reverse("standards:diff", args=[MONTH]))  # newest against the one before
    assert (response.context["from_number"], response.context["to_number"]) == (1, 2)
    texts = [change.text for change in response.context["changes"]]
    assert "deduction B2: points 2 → 3" in texts
    assert any(text.startswith("applies to:") for text in texts)
    backwards = client.get(reverse("standards:diff", args=[MONTH]) + "?from=2&to=1")
    assert "deduction B2: points 3 → 2" in [change.text for change in backwards.context["changes"]]
    same = client.get(reverse("standards:diff", args=[MONTH]) + "?from=2&to=2")
    assert same.context["changes"] == [] and "Please choose two different versions." in same.content.decode()


def test_the_yaml_download_is_the_file_as_imported_and_reimports_unchanged(scenario, client_for, examples):
    month_v2()
    response = client_for(scenario.head_cardio).get(reverse("standards:export", args=[MONTH, 1]))
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert "WMKS-M-2026-v1.yaml" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text == MONTH_TEXT  # comments and layout kept
    stored = StandardVersion.objects.get(standard__code=MONTH, number=1)
    assert parse_standard(text, known_standards=known_standard_summary) == stored.definition
