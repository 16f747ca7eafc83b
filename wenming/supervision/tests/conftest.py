"""A month of inspections and rectification, built with the real services.

The report tested is March 2026; "today" is 10 April 2026 on the hospital's calendar. Dates of
rounds come from patching ``hospital_today`` in the inspections services (a round is dated the
day it is submitted); the times items were opened and closed are set directly afterwards.

Standard WMKS-M-2026: C1 3 points, D1a 0.5, E1 1, B2 2 per occurrence.

Rounds (inspector), department ← findings (code × count):
  2025-12-20 骨科 D02        C1×1                     (outside the repeat window of March)
  2026-01-15 心内一病区 D0101 D1a×1
  2026-02-10 心内一病区       E1×1
  2026-03-03 心内一病区 (unannounced) D1a×3, C1×1   C1 appealed → voided
  2026-03-05 骨科             D1a×2, C1×1          C1 appealed → upheld
  2026-03-12 心内一病区       E1×2
  2026-03-20 骨科 (unannounced) D1a×1
  2026-03-25 心血管内科 D01   (no findings)
  2026-03-28 心内一病区       B2×1                 appealed, pending

Rectification items (Asia/Shanghai times), department, opened → closed, deadline:
  A 心内一病区 03-02 10:00 → 03-05 10:00 (3 days),   deadline 03-10
  B 骨科       03-10 08:00 → 03-16 20:00 (6.5 days), deadline 03-20
  C 心内一病区 03-15 09:00, open,                      deadline 03-25
  D 心血管内科 02-20 09:00 → 03-04 09:00 (12 days),  deadline 03-01
  E 骨科       03-20 09:00 → 04-02 09:00,              deadline 03-30
  F 心内一病区 01-10 09:00, open,                      deadline 02-01
  G 骨科       03-31 23:30, open,                      deadline 04-15
  H 心内一病区 04-01 00:30, open,                      deadline 04-20
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from wenming.inspections.models import RoundFinding
from wenming.inspections.services import appeal_decide, appeal_file, round_submit
from wenming.inspections.services import appeals as appeal_services
from wenming.inspections.services import rounds as round_services
from wenming.rectification.models import RectificationItem, Source
from wenming.rectification.services import item_open, item_start, item_submit_fix, item_verify
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 4, 10)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def standard(scenario):
    load_example_standards()
    return Standard.objects.get(code="WMKS-M-2026")


@pytest.fixture
def today(monkeypatch):
    """The hospital's today for the report views."""
    monkeypatch.setattr("wenming.supervision.views.hospital_today", lambda: TODAY)
    return TODAY


class Builder:
    def __init__(self, scenario, standard, monkeypatch):
        self.scenario = scenario
        self.standard = standard
        self.monkeypatch = monkeypatch

    def round(self, day: date, department, findings=(), *, unannounced=False):
        self.monkeypatch.setattr(round_services, "hospital_today", lambda: day)
        self.monkeypatch.setattr(appeal_services, "hospital_today", lambda: day)
        return round_submit(
            client_token=uuid.uuid4().hex,
            department=department,
            inspector=self.scenario.inspector,
            standard=self.standard,
            findings=[{"code": code, "count": count} for code, count in findings],
            unannounced=unannounced,
            by=self.scenario.inspector,
        )

    def item(self, department, *, opened: datetime, deadline: date, closed: datetime | None = None, problem=""):
        office = self.scenario.office
        item = item_open(
            department=department,
            problem=problem or f"问题 {uuid.uuid4().hex[:6]}",
            source=Source.SUPERVISION,
            deadline=date(2030, 1, 1),
            by=office,
        )
        if closed is not None:
            item = item_start(item=item, by=office, expected_version=item.version)
            item = item_submit_fix(item=item, by=office, measures="已整改", expected_version=item.version)
            item = item_verify(
                item=item, by=self.scenario.inspector, passed=True, note="", expected_version=item.version
            )
        RectificationItem.objects.filter(pk=item.pk).update(created_at=opened, closed_at=closed, deadline=deadline)
        item.refresh_from_db()
        return item


def finding(inspection_round, code: str) -> RoundFinding:
    return inspection_round.findings.get(code=code)


@pytest.fixture
def build(scenario, standard, monkeypatch):
    return Builder(scenario, standard, monkeypatch)


@pytest.fixture
def march(scenario, build):
    """The month described in the module docstring."""
    s = scenario
    build.round(date(2025, 12, 20), s.ortho, [("C1", 1)])
    build.round(date(2026, 1, 15), s.ward, [("D1a", 1)])
    build.round(date(2026, 2, 10), s.ward, [("E1", 1)])
    ward_3 = build.round(date(2026, 3, 3), s.ward, [("D1a", 3), ("C1", 1)], unannounced=True)
    ortho_5 = build.round(date(2026, 3, 5), s.ortho, [("D1a", 2), ("C1", 1)])
    build.round(date(2026, 3, 12), s.ward, [("E1", 2)])
    build.round(date(2026, 3, 20), s.ortho, [("D1a", 1)], unannounced=True)
    build.round(date(2026, 3, 25), s.cardio, [])
    ward_28 = build.round(date(2026, 3, 28), s.ward, [("B2", 1)])

    voided = appeal_file(finding=finding(ward_3, "C1"), by=s.head_cardio, reason="当日无投诉", today=date(2026, 3, 4))
    appeal_decide(appeal=voided, by=s.office, uphold=False, note="核实无误，撤销")
    upheld = appeal_file(finding=finding(ortho_5, "C1"), by=s.head_ortho, reason="情况不符", today=date(2026, 3, 6))
    appeal_decide(appeal=upheld, by=s.leader, uphold=True)
    appeal_file(finding=finding(ward_28, "B2"), by=s.head_cardio, reason="已开展", today=date(2026, 3, 30))

    items = SimpleNamespace(
        a=build.item(s.ward, opened=at(3, 2, 10), closed=at(3, 5, 10), deadline=date(2026, 3, 10), problem="A 未戴牌"),
        b=build.item(s.ortho, opened=at(3, 10, 8), closed=at(3, 16, 20), deadline=date(2026, 3, 20), problem="B"),
        c=build.item(s.ward, opened=at(3, 15), deadline=date(2026, 3, 25), problem="C 环境脏乱"),
        d=build.item(s.cardio, opened=at(2, 20), closed=at(3, 4), deadline=date(2026, 3, 1), problem="D"),
        e=build.item(s.ortho, opened=at(3, 20), closed=at(4, 2), deadline=date(2026, 3, 30), problem="E 物品摆放"),
        f=build.item(s.ward, opened=at(1, 10), deadline=date(2026, 2, 1), problem="F 查房无记录"),
        g=build.item(s.ortho, opened=at(3, 31, 23, 30), deadline=date(2026, 4, 15), problem="G"),
        h=build.item(s.ward, opened=at(4, 1, 0, 30), deadline=date(2026, 4, 20), problem="H"),
    )
    return items
