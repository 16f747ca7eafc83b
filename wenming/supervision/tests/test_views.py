"""The report page: who may open it, what it shows, and that it costs the same queries however
much there is to report."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse

from wenming.core.navigation import nav_for
from wenming.org.access import access_for
from wenming.org.tests.factories import DepartmentFactory

from .conftest import at

MARCH = reverse("supervision:month", args=["2026-03"])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def rows(html: str, testid: str) -> list[str]:
    """The text of each table row marked data-testid=``testid``, cells joined by |."""
    found = []
    for row in re.findall(rf'<tr data-testid="{testid}"[^>]*>(.*?)</tr>', html, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        found.append("|".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells))
    return found


def chart(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, flags=re.S)
    return json.loads(match[1])


# --- who may open it -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args", [("supervision:home", []), ("supervision:month", ["2026-03"]), ("supervision:xlsx", ["2026-03"])]
)
def test_anonymous_visitors_are_sent_to_log_in(db, client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "name,args", [("supervision:home", []), ("supervision:month", ["2026-03"]), ("supervision:xlsx", ["2026-03"])]
)
def test_an_employee_is_refused(scenario, client_for, today, name, args):
    assert client_for(scenario.employee).get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin", "head_cardio"])
def test_the_whole_hospital_roles_and_heads_may_open_it(scenario, client_for, today, who):
    assert client_for(getattr(scenario, who)).get(MARCH).status_code == 200


def test_home_goes_to_the_current_month_or_the_one_picked(scenario, client_for, today):
    client = client_for(scenario.office)
    home = reverse("supervision:home")

    assert client.get(home)["Location"] == reverse("supervision:month", args=["2026-04"])
    assert client.get(home, {"month": "2026-01"})["Location"] == reverse("supervision:month", args=["2026-01"])
    # Nonsense or the future: the current month.
    assert client.get(home, {"month": "2026-13"})["Location"] == reverse("supervision:month", args=["2026-04"])
    assert client.get(home, {"month": "2026-05"})["Location"] == reverse("supervision:month", args=["2026-04"])


@pytest.mark.parametrize("key", ["2026-05", "2026-13", "2026-00", "1999-12"])
def test_future_and_malformed_months_are_404(scenario, client_for, today, key):
    client = client_for(scenario.office)
    assert client.get(reverse("supervision:month", args=[key])).status_code == 404
    assert client.get(reverse("supervision:xlsx", args=[key])).status_code == 404


def test_the_menu_entry_is_for_the_whole_hospital_roles_and_heads(scenario):
    url = reverse("supervision:home")
    assert url in [item["url"] for item in nav_for(access_for(scenario.leader), "/")]
    assert url in [item["url"] for item in nav_for(access_for(scenario.head_cardio), "/")]
    assert url not in [item["url"] for item in nav_for(access_for(scenario.employee), "/")]


# --- what it shows -------------------------------------------------------------------------------


def test_the_page_shows_the_months_numbers(scenario, client_for, today, march):
    response = client_for(scenario.office).get(MARCH)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="stat-rounds">6<' in html
    assert 'data-testid="stat-departments">3<' in html
    assert 'data-testid="stat-findings">9<' in html
    assert 'data-testid="stat-points">8.00<' in html
    assert 'data-testid="stat-appeals">3<' in html
    assert 'data-testid="stat-closure">40.0%<' in html
    assert 'data-testid="counting-note"' in html
    assert rows(html, "department-row") == [
        "心内一病区 D0101|3|1|5|3.50|1",
        "骨科 D02|2|1|4|4.50|—",
        "心血管内科 D01|1|0|0|0.00|—",
    ]
    assert rows(html, "problem-row")[0] == "D1a|未佩戴工作牌（每人次）D1 亮牌上岗、公开承诺|0.5|2|6|3.00|—"
    assert [r.split("|")[0] for r in rows(html, "problem-row")] == ["D1a", "E1", "C1", "B2"]
    assert rows(html, "repeat-row") == [
        "心内一病区|D1a 未佩戴工作牌（每人次）|1|3|1|2026年1月15日",
        "心内一病区|E1 科室环境脏乱（每次巡查）|1|2|1|2026年2月10日",
        "骨科|D1a 未佩戴工作牌（每人次）|2|3|0|—",
    ]
    assert 'data-testid="rect-days">' in html and "7.2" in html
    overdue = rows(html, "overdue-row")
    assert [r.split("|")[0] for r in overdue] == ["心内一病区", "心内一病区", "骨科"]
    assert overdue[0].split("|")[2:4] == ["2026年2月1日", "58"]
    assert "2026年3月31日" in html  # the date of the overdue list
    assert f'href="{reverse("rectification:item_detail", args=[march.f.pk])}"' in html
    assert [r.split("|")[1:] for r in rows(html, "trend-row")][-1] == ["9", "5", "2", "40.0%"]
    departments = chart(html, "wm-departments-chart")
    assert (departments["kind"], departments["labels"]) == ("bar", ["心内一病区", "骨科", "心血管内科"])
    assert chart(html, "wm-departments-chart")["series"][0]["values"] == [5, 4, 0]
    assert chart(html, "wm-problems-chart")["series"][0]["values"] == [6, 2, 1, 0]
    trend = chart(html, "wm-trend-chart")
    assert trend["kind"] == "trend"
    assert [s["values"] for s in trend["series"]] == [[0, 0, 1, 1, 1, 9], [None, None, None, "0.0", "0.0", "40.0"]]
    assert "vendor/echarts/echarts.min.js" in html
    assert reverse("supervision:xlsx", args=["2026-03"]) in html
    # Month picker: the month before and the one after (April has begun).
    assert reverse("supervision:month", args=["2026-02"]) in html
    assert 'data-testid="next-month"' in html


def test_the_current_month_has_no_next_month(scenario, client_for, today, march):
    html = client_for(scenario.office).get(reverse("supervision:month", args=["2026-04"])).content.decode()
    assert 'data-testid="next-month"' not in html
    assert "2026年4月10日" in html  # figures up to today, and overdue on today


def test_a_head_sees_their_departments_only(scenario, client_for, today, march):
    html = client_for(scenario.head_ortho).get(MARCH).content.decode()

    assert 'data-testid="stat-findings">4<' in html
    assert rows(html, "department-row") == ["骨科 D02|2|1|4|4.50|—"]
    assert "心内一病区" not in html
    assert [r.split("|")[0] for r in rows(html, "overdue-row")] == ["骨科"]
    assert "骨科" in re.search(r'data-testid="report-scope">(.*?)</p>', html, flags=re.S)[1]


def test_an_empty_month_says_so(scenario, client_for, today, standard):
    html = client_for(scenario.office).get(MARCH).content.decode()

    for empty in ("departments-empty", "problems-empty", "repeats-empty", "overdue-empty"):
        assert f'data-testid="{empty}"' in html
    assert 'data-testid="stat-points">0.00<' in html
    assert 'data-testid="stat-closure">—<' in html


def test_the_page_renders_in_english(scenario, client_for, today, march):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(MARCH)
    html = text(response)

    assert response.status_code == 200
    assert "Monthly supervision report" in html
    assert "Only findings that count are included." in html
    assert "Findings by department" in html
    assert "Repeat problems" in html
    assert "1 upheld · 1 voided · 1 pending" in html
    assert "of which 2 unannounced" in html
    assert "7.2 days" in html


# --- queries -------------------------------------------------------------------------------------


# 8 for the report (rounds, findings, standard versions, appeals, the ledger's figures, the trend of
# findings, repeats, the overdue list) and 9 for the request (session, user, access, menu, session save).
QUERIES = 17


def test_the_query_count_does_not_grow_with_the_data(
    scenario, client_for, today, march, build, django_assert_num_queries
):
    client = client_for(scenario.office)
    client.get(MARCH)  # warm caches (hospital, session)
    with django_assert_num_queries(QUERIES):
        assert client.get(MARCH).status_code == 200

    for index in range(6):
        department = DepartmentFactory(code=f"D3{index}", name=f"新科室{index}", parent=None)
        for day in (4, 11, 18):
            build.round(date(2026, 3, day), department, [("D1a", 2), ("E1", 1), ("A1a", 1), ("B1", 3)])
        build.round(date(2026, 2, 9), department, [("A1a", 1)])
        build.item(department, opened=at(3, 6), deadline=date(2026, 3, 9))
        build.item(department, opened=at(3, 7), closed=at(3, 9), deadline=date(2026, 3, 20))

    with django_assert_num_queries(QUERIES):
        response = client.get(MARCH)
    assert f'data-testid="stat-findings">{9 + 6 * 3 * 7}<' in response.content.decode()
    assert len(rows(response.content.decode(), "overdue-row")) == 3 + 6
