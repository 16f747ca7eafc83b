"""The public board (挂牌公示): open to anyone logged in, lists problems and never people or notes."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.org.selectors import hospital_today
from wenming.rectification.models import ExtensionRequest, ItemState, RectificationItem, Source

pytestmark = pytest.mark.django_db

BOARD = "/rectification/board/"


def make(department, problem, *, days=7, state=ItemState.LISTED, **kwargs):
    return RectificationItem.objects.create(
        department=department,
        problem=problem,
        source=Source.SUPERVISION,
        deadline=hospital_today() + dt.timedelta(days=days),
        state=state,
        **kwargs,
    )


@pytest.fixture
def items(scenario):
    ward = make(
        scenario.ward,
        "护士站物品摆放杂乱",
        days=-4,
        state=ItemState.IN_PROGRESS,
        responsible=scenario.employee_staff,
        measures="由护士长周涛督促整理",
        return_note="标识仍未张贴",
        submitted_by=scenario.head_cardio,
    )
    ExtensionRequest.objects.create(
        item=ward, old_deadline=ward.deadline, new_deadline=ward.deadline + dt.timedelta(days=5), reason="等待采购柜子"
    )
    return {
        "ward": ward,
        "cardio": make(scenario.cardio, "走廊堆放杂物", responsible=scenario.head_cardio_staff),
        "ortho": make(scenario.ortho, "候诊区卫生差", state=ItemState.AWAITING_CHECK, closing_note="复查意见"),
        "closed": make(scenario.ortho, "已经整改好的问题", state=ItemState.CLOSED),
    }


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "head_ortho", "office", "leader"])
def test_anyone_logged_in_sees_every_open_item_by_department(scenario, items, client_for, who):
    response = client_for(getattr(scenario, who)).get(BOARD)
    assert response.status_code == 200
    groups = [(g.department.code, [i.problem for i in g.items]) for g in response.context["groups"]]
    assert groups == [("D01", ["走廊堆放杂物"]), ("D0101", ["护士站物品摆放杂乱"]), ("D02", ["候诊区卫生差"])]
    assert "已经整改好的问题" not in response.content.decode()


def test_the_board_hides_people_and_notes(scenario, items, client_for):
    body = client_for(scenario.employee).get(BOARD).content.decode()
    main = body[body.index('<main id="main"') :]
    for hidden in (
        "郑爽",  # the responsible person
        "周涛",  # the responsible person of 心血管内科, also named in the measures
        "督促整理",  # measures
        "标识仍未张贴",  # the reason a fix was returned
        "复查意见",  # a verification note
        "等待采购柜子",  # the reason for more time
        "E0102",
        "head_cardio",
    ):
        assert hidden not in main, hidden
    assert "护士站物品摆放杂乱" in main and "心内一病区" in main


def test_overdue_items_are_marked(scenario, items, client_for):
    client = client_for(scenario.employee)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(BOARD)
    body = response.content.decode()
    assert f'data-testid="overdue-{items["ward"].pk}"' in body and "overdue 4 days" in body
    assert f'data-testid="overdue-{items["cardio"].pk}"' not in body
    assert response.context["total"] == 3 and response.context["overdue"] == 1


def test_one_department_and_those_below_it(scenario, items, client_for):
    response = client_for(scenario.employee).get(BOARD, {"department": "D01"})
    assert [g.department.code for g in response.context["groups"]] == ["D01", "D0101"]
    # An unknown code shows the whole board.
    response = client_for(scenario.employee).get(BOARD, {"department": "nope"})
    assert len(response.context["groups"]) == 3


def test_refresh_and_print(scenario, items, client_for):
    client = client_for(scenario.employee)
    body = client.get(BOARD, {"refresh": "60"}).content.decode()
    assert '<meta http-equiv="refresh" content="60">' in body
    assert "@media print" in body and "size: A4 landscape" in body
    assert client.get(BOARD, {"refresh": "1"}).context["refresh"] == 15
    assert client.get(BOARD, {"refresh": "x"}).context["refresh"] is None
    assert 'http-equiv="refresh"' not in client.get(BOARD).content.decode()


def test_an_empty_board(scenario, client_for):
    client = client_for(scenario.employee)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "No open rectification items" in client.get(BOARD).content.decode()


def test_one_query_for_the_items_however_many(scenario, client_for, django_assert_max_num_queries):
    RectificationItem.objects.bulk_create(
        [
            RectificationItem(
                department=[scenario.ward, scenario.ortho, scenario.cardio][i % 3],
                problem=f"问题{i}",
                source=Source.OTHER,
                deadline=hospital_today(),
            )
            for i in range(150)
        ]
    )
    client = client_for(scenario.employee)
    with django_assert_max_num_queries(11):
        response = client.get(BOARD)
    assert response.context["total"] == 150
