"""The ledger page: who may open it, what each person sees, the filters, the counts per state,
HTMX, pagination and a query count that does not grow with the items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.rectification.models import ItemState, RectificationItem, Source

pytestmark = pytest.mark.django_db

LEDGER = "/rectification/"


def today() -> dt.date:
    return hospital_today()


def make(department, problem="问题", *, days=7, state=ItemState.LISTED, source=Source.SUPERVISION, responsible=None):
    return RectificationItem.objects.create(
        department=department,
        problem=problem,
        source=source,
        deadline=today() + dt.timedelta(days=days),
        state=state,
        responsible=responsible,
    )


@pytest.fixture
def items(scenario):
    return {
        "cardio": make(scenario.cardio, "心内科走廊堆放杂物", days=-3),
        "ward": make(
            scenario.ward,
            "护士站物品摆放杂乱",
            state=ItemState.IN_PROGRESS,
            source=Source.FINDING,
            responsible=scenario.employee_staff,
        ),
        "ward_closed": make(scenario.ward, "病区标识缺失", days=-10, state=ItemState.CLOSED),
        "ortho": make(
            scenario.ortho, "骨科候诊区卫生差", days=-1, state=ItemState.AWAITING_CHECK, source=Source.COMPLAINT
        ),
    }


def problems(response) -> list[str]:
    return [item.problem for item in response.context["rows"]]


# --- Who may open it ------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client):
    for url in (LEDGER, f"{LEDGER}export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_staff_without_a_role_get_403(scenario, items, client_for):
    client = client_for(scenario.employee)
    assert client.get(LEDGER).status_code == 403
    assert client.get(f"{LEDGER}export.xlsx").status_code == 403


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin"])
def test_whole_hospital_roles_see_every_item_by_deadline(scenario, items, client_for, who):
    response = client_for(getattr(scenario, who)).get(LEDGER)
    assert response.status_code == 200
    assert problems(response) == ["病区标识缺失", "心内科走廊堆放杂物", "骨科候诊区卫生差", "护士站物品摆放杂乱"]


def test_a_head_sees_their_departments_only(scenario, items, client_for):
    response = client_for(scenario.head_cardio).get(LEDGER)
    assert problems(response) == ["病区标识缺失", "心内科走廊堆放杂物", "护士站物品摆放杂乱"]
    body = response.content.decode()
    assert "骨科候诊区卫生差" not in body
    # The department filter offers their departments only.
    assert [d.code for d in response.context["form"].fields["department"].queryset] == ["D01", "D0101"]
    response = client_for(scenario.head_ortho).get(LEDGER)
    assert problems(response) == ["骨科候诊区卫生差"]


# --- What it shows --------------------------------------------------------------------------------


def test_the_table_shows_the_columns_and_marks_overdue_deadlines(scenario, items, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(LEDGER)
    body = response.content.decode()
    head = body[body.index("<thead>") : body.index("</thead>")]
    for heading in ("No.", "Problem", "Department", "Responsible person", "Deadline", "State", "Source"):
        assert f"<th>{heading}</th>" in head or f'<th class="text-end">{heading}</th>' in head
    row = body[body.index(f'data-testid="item-{items["cardio"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "心血管内科" in row and "text-danger" in row
    assert "overdue 3 days" in row
    assert (today() - dt.timedelta(days=3)).isoformat() in row
    ward_row = body[body.index(f'data-testid="item-{items["ward"].pk}"') :]
    ward_row = ward_row[: ward_row.index("</tr>")]
    assert "郑爽" in ward_row and "Being rectified" in ward_row and "Inspection finding" in ward_row
    assert "overdue" not in ward_row
    # A closed item is never overdue, however late it was.
    closed_row = body[body.index(f'data-testid="item-{items["ward_closed"].pk}"') :]
    assert 'data-testid="overdue"' not in closed_row[: closed_row.index("</tr>")]
    assert f'href="/rectification/{items["ward"].pk}/"' in body
    assert 'href="/rectification/export.xlsx"' in body
    assert 'href="/rectification/new/"' in body


def test_counts_per_state_follow_the_other_filters(scenario, items, client_for):
    client = client_for(scenario.office)
    response = client.get(LEDGER)
    counts = {c["value"]: c["n"] for c in response.context["counts"]}
    assert counts == {"listed": 1, "in_progress": 1, "awaiting_check": 1, "closed": 1}
    body = response.content.decode()
    assert 'data-testid="count-listed">1<' in body
    # Choosing a state keeps the counts of every state (of the other filters).
    response = client.get(LEDGER, {"state": "closed", "department": "D01"})
    assert problems(response) == ["病区标识缺失"]
    counts = {c["value"]: c["n"] for c in response.context["counts"]}
    assert counts == {"listed": 1, "in_progress": 1, "awaiting_check": 0, "closed": 1}
    assert "department=D01&amp;state=awaiting_check" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"department": "D01"}, ["病区标识缺失", "心内科走廊堆放杂物", "护士站物品摆放杂乱"]),
        ({"department": "D0101"}, ["病区标识缺失", "护士站物品摆放杂乱"]),
        ({"state": "awaiting_check"}, ["骨科候诊区卫生差"]),
        ({"source": "finding"}, ["护士站物品摆放杂乱"]),
        ({"overdue": "yes"}, ["心内科走廊堆放杂物", "骨科候诊区卫生差"]),
        ({"overdue": "no"}, ["病区标识缺失", "护士站物品摆放杂乱"]),
        ({"q": "卫生"}, ["骨科候诊区卫生差"]),
        ({"q": "杂", "department": "D0101"}, ["护士站物品摆放杂乱"]),
    ],
)
def test_filters(scenario, items, client_for, params, expected):
    response = client_for(scenario.office).get(LEDGER, params)
    assert response.status_code == 200
    assert problems(response) == expected


def test_a_head_cannot_filter_their_way_into_another_department(scenario, items, client_for):
    response = client_for(scenario.head_cardio).get(LEDGER, {"department": "D02"})
    assert response.status_code == 200
    assert "D02" not in [d.code for d in response.context["form"].fields["department"].queryset]
    assert "骨科候诊区卫生差" not in problems(response)


def test_empty_states(scenario, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "There are no rectification items yet." in client.get(LEDGER).content.decode()
    assert "No items match these filters." in client.get(LEDGER, {"q": "没有"}).content.decode()


def test_htmx_gets_the_table_alone(scenario, items, client_for):
    response = client_for(scenario.office).get(LEDGER, {"state": "listed"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="ledger-results">') and "<html" not in body
    assert "心内科走廊堆放杂物" in body and "骨科候诊区卫生差" not in body
    assert "HX-Request" in response["Vary"]
    full = client_for(scenario.office).get(LEDGER).content.decode()
    assert 'hx-push-url="true"' in full and 'hx-target="#ledger-results"' in full


# --- Pages and queries ----------------------------------------------------------------------------


def grow(count: int, department) -> None:
    RectificationItem.objects.bulk_create(
        [
            RectificationItem(
                department=department,
                problem=f"问题{i:04d}",
                source=Source.OTHER,
                deadline=today() + dt.timedelta(days=i % 20 - 10),
            )
            for i in range(count)
        ]
    )


def test_fifty_a_page(scenario, client_for):
    grow(120, scenario.ward)
    client = client_for(scenario.office)
    response = client.get(LEDGER)
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages == 3
    response = client.get(LEDGER, {"page": 3})
    assert len(response.context["rows"]) == 20
    assert response.context["rows"][0].pk  # the numbering continues
    assert ">101<" in response.content.decode()


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(LEDGER, params or {}).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["office", "head_cardio"])
def test_the_query_count_does_not_grow_with_the_items(scenario, client_for, django_assert_max_num_queries, who):
    client = client_for(getattr(scenario, who))
    grow(3, scenario.ward)
    few = _queries(client)
    few_filtered = _queries(client, {"department": "D01", "state": "listed", "overdue": "yes", "q": "问题"})
    grow(200, scenario.ward)
    for i in range(5):
        Department.objects.create(code=f"X{i}", name=f"科室{i}", category="clinical", path=f"X{i}/", depth=0)
    assert _queries(client) == few
    assert _queries(client, {"department": "D01", "state": "listed", "overdue": "yes", "q": "问题"}) == few_filtered
    with django_assert_max_num_queries(13):
        client.get(LEDGER, {"page": 2})
