"""The ledger's panel on the home page."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.org.selectors import hospital_today
from wenming.rectification.models import ItemState, RectificationItem, Source

pytestmark = pytest.mark.django_db


def item(department, *, days: int, state: str = ItemState.LISTED) -> RectificationItem:
    return RectificationItem.objects.create(
        department=department,
        problem="问题",
        source=Source.SUPERVISION,
        deadline=hospital_today() + dt.timedelta(days=days),
        state=state,
    )


@pytest.fixture
def items(scenario):
    item(scenario.ward, days=-3)
    item(scenario.ward, days=-1)
    item(scenario.ward, days=5)
    item(scenario.ward, days=-9, state=ItemState.CLOSED)
    item(scenario.ortho, days=-2)
    item(scenario.ortho, days=4, state=ItemState.AWAITING_CHECK)


def panel(client) -> str:
    page = client.get("/").content.decode()
    start = page.find('data-testid="ledger-panel"')
    return page[start : page.find("</section>", start)] if start >= 0 else ""


def test_office_sees_open_and_overdue_counts_per_department(scenario, client_for, items):
    text = panel(client_for(scenario.office))
    assert 'data-testid="ledger-open">5<' in text
    assert 'data-testid="ledger-overdue">3<' in text
    assert text.index("心内一病区") < text.index("骨科")  # the most overdue first


def test_head_sees_their_departments_only(scenario, client_for, items):
    text = panel(client_for(scenario.head_cardio))
    assert 'data-testid="ledger-open">3<' in text and 'data-testid="ledger-overdue">2<' in text
    assert "骨科" not in text


def test_staff_without_a_role_see_no_panel(scenario, client_for, items):
    assert panel(client_for(scenario.employee)) == ""


def test_home_query_count_does_not_grow_with_items(scenario, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    client.get("/")
    for n in range(30):
        item(scenario.ortho if n % 2 else scenario.ward, days=n - 15)
    with django_assert_max_num_queries(16):
        client.get("/")


def test_the_panel_links_to_the_departments_ledger(scenario, client_for, items):
    client = client_for(scenario.office)
    assert 'href="/rectification/?department=D0101"' in panel(client)
    assert client.get("/rectification/?department=D0101").context["page"].paginator.count == 4  # closed too
    assert client.get("/rectification/?overdue=yes").context["page"].paginator.count == 3
