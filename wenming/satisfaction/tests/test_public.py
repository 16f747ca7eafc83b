"""The public 满意度公示 page and its settings."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from wenming.core.models import AuditEntry
from wenming.org.tests.factories import DepartmentFactory
from wenming.satisfaction import services
from wenming.satisfaction.demo import load_demo_satisfaction
from wenming.satisfaction.models import PublicBoard
from wenming.satisfaction.selectors import public_board

from .conftest import give_many

pytestmark = pytest.mark.django_db

PUBLIC = "/satisfaction/public/"
SETTINGS = "/satisfaction/public/settings/"


def publish(by, **changes):
    values = {"enabled": True, "title": "", "period_key": "2026-10", "min_responses": 3, "note": ""}
    values.update(changes)
    board = PublicBoard.objects.filter(pk=1).first()
    return services.public_board_update(by=by, expected_version=board.version if board else 1, **values)


def test_not_published_is_a_kind_404(scenario, client):
    response = client.get(PUBLIC)
    assert response.status_code == 404
    body = response.content.decode()
    assert "暂未开放" in body or "not open" in body
    assert 'data-testid="closed"' in body and "测试人民医院" in body
    publish(scenario.office, enabled=False)
    assert client.get(PUBLIC).status_code == 404


def test_published_shows_departments_with_enough_ratings(scenario, client):
    give_many(scenario.cardio, {5: 2, 4: 1, 1: 1})  # 4 ratings: shown
    give_many(scenario.ortho, {5: 2})  # 2 ratings: below the minimum of 3
    give_many(scenario.cardio, {5: 9}, valid=False)
    give_many(scenario.cardio, {1: 5}, day="2026-11-02")  # another month
    closed = DepartmentFactory(code="D05", name="已撤销科室", is_active=False)
    give_many(closed, {1: 3})  # counts for the hospital, not shown
    publish(scenario.office, title="门诊患者满意度公示", note="<b>监督电话</b> 12345")
    response = client.get(PUBLIC)
    assert response.status_code == 200
    body = response.content.decode()
    assert "门诊患者满意度公示" in body and "测试人民医院" in body
    assert 'data-department="D01"' in body and 'data-department="D02"' not in body and "已撤销科室" not in body
    assert ">75.0%<" in body  # 心血管内科: 3 of 4
    assert 'data-testid="overall-rate">55.56%<' in body  # 5 of 9: 心血管内科 4, 骨科 2, the closed one 3
    assert "&lt;b&gt;监督电话&lt;/b&gt;" in body
    assert "2026年10月" in body
    assert "<script" not in body and "csrf" not in body.lower()
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert "Set-Cookie" not in response or not response.cookies


def test_the_last_full_month_by_default(scenario, client):
    give_many(scenario.cardio, {5: 3}, day="2026-10-31")
    give_many(scenario.cardio, {1: 3}, day="2026-11-01")
    publish(scenario.office, period_key="")
    body = client.get(PUBLIC).content.decode()
    assert "2026年10月" in body and 'data-testid="overall-rate">100.00%<' in body


def test_warm_public_page_costs_no_query(scenario, client, django_assert_num_queries):
    give_many(scenario.cardio, {5: 3})
    publish(scenario.office)
    client.get(PUBLIC)
    with django_assert_num_queries(0):
        assert client.get(PUBLIC).status_code == 200
    # Saving the settings shows at once (the board's cache goes; the figures are keyed by its version).
    publish(scenario.office, title="新标题")
    assert "新标题" in client.get(PUBLIC).content.decode()
    publish(scenario.office, title="新标题", enabled=False)
    assert client.get(PUBLIC).status_code == 404


def test_settings_page_refusals(scenario, client_for):
    for who in ("head_cardio", "employee", "leader", "inspector"):
        client = client_for(getattr(scenario, who))
        assert client.get(SETTINGS).status_code == 403
        assert client.post(SETTINGS, {"enabled": "on", "min_responses": 1, "version": 1}).status_code == 403
    assert not PublicBoard.objects.exists()
    with pytest.raises(PermissionDenied):
        services.public_board_update(by=scenario.head_cardio, enabled=True)


def test_settings_page_saves_and_audits(scenario, client_for):
    give_many(scenario.cardio, {5: 3})
    client = client_for(scenario.office)
    page = client.get(SETTINGS)
    assert page.status_code == 200 and 'data-testid="preview"' in page.content.decode()
    response = client.post(
        SETTINGS,
        {"enabled": "on", "title": "满意度公示", "period_key": "2026-10", "min_responses": 3, "note": "", "version": 1},
    )
    assert response.status_code == 302
    board = PublicBoard.objects.get()
    assert board.enabled and board.title == "满意度公示" and board.updated_by == scenario.office and board.version == 2
    entry = AuditEntry.objects.get(action="satisfaction.board.published")
    assert entry.data["enabled"] == [None, True]
    # Nothing changed: nothing written.
    client.post(
        SETTINGS,
        {"enabled": "on", "title": "满意度公示", "period_key": "2026-10", "min_responses": 3, "note": "", "version": 2},
    )
    assert AuditEntry.objects.filter(action__startswith="satisfaction.").count() == 1
    client.post(SETTINGS, {"title": "满意度公示", "period_key": "2026-10", "min_responses": 3, "version": 2})
    assert not PublicBoard.objects.get().enabled
    assert AuditEntry.objects.filter(action="satisfaction.board.withdrawn").count() == 1
    body = client.get(SETTINGS).content.decode()
    assert "心血管内科" in body and "100.0%" in body  # the preview


def test_settings_conflict_and_errors(scenario, client_for):
    publish(scenario.office, title="旧")
    client = client_for(scenario.sysadmin)
    stale = {"enabled": "on", "title": "我的", "period_key": "", "min_responses": 30, "note": "", "version": 1}
    response = client.post(SETTINGS, stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "我的" in body and 'value="2"' in body
    assert PublicBoard.objects.get().title == "旧"
    assert client.post(SETTINGS, {**stale, "version": 2}).status_code == 302
    assert PublicBoard.objects.get().title == "我的"
    bad = client.post(SETTINGS, {**stale, "version": 3, "min_responses": 0})
    assert bad.status_code == 400
    future = client.post(SETTINGS, {**stale, "version": 3, "period_key": "2027-01"})
    assert future.status_code == 400
    with pytest.raises(ValidationError) as error:
        services.public_board_update(by=scenario.office, enabled=True, period_key="2027-01")
    assert "period_key" in error.value.message_dict


def test_demo_publishes_the_board_once(scenario):
    board = load_demo_satisfaction()
    assert board.enabled and board.title and board.period_key == "" and board.updated_by == scenario.office
    entries = AuditEntry.objects.filter(action__startswith="satisfaction.").count()
    again = load_demo_satisfaction()
    assert again.version == board.version
    assert AuditEntry.objects.filter(action__startswith="satisfaction.").count() == entries == 1
    cache.clear()
    assert public_board().enabled
