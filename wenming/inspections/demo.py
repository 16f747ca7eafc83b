"""The demo hospital's patrols and ledger for the current month: a weekly plan over the clinical
and medtech departments, rounds with photos (some unannounced), appeals (one waiting for the
leadership, one decided), and rectification items in every state — from findings, a complaint and a
leadership instruction — with one overdue and one extension waiting for the office.

Everything goes through the services (so scores, audit entries and notifications are real); rounds
are then moved back to the day of the week they were held on. Idempotent: nothing happens when the
plan exists. The current month's scores are recomputed at the end.
"""

from __future__ import annotations

import io
import random
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from wenming.org.models import Department
from wenming.org.selectors import current_hospital, hospital_today
from wenming.rectification.models import ItemState, RectificationItem, Source
from wenming.rectification.services import (
    extension_request,
    item_open,
    item_start,
    item_submit_fix,
    item_verify,
)
from wenming.scoring.aggregation import subjects_in_scope
from wenming.scoring.demo import FINDINGS, MONTH_STANDARD
from wenming.scoring.models import Record, ScoringPeriod
from wenming.scoring.services import period_compute
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import Frequency, InspectionPlan, InspectionRound
from .services import appeal_decide, appeal_file, round_submit

PLAN_NAME = "每周拉网巡查（临床、医技科室）"
RECTIFY_CODES = ["E1", "E2", "E3", "D1b", "D2b"]
ROUNDS_PER_WEEK = 7
SEED = 20261123


@dataclass
class DemoInspections:
    rounds: int = 0
    findings: int = 0
    photos: int = 0
    items: int = 0
    appeals: int = 0
    notes: list[str] = field(default_factory=list)


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _photo(rng: random.Random, n: int) -> SimpleUploadedFile:
    """A small picture standing in for a phone photo (a ward corner with boxes)."""
    image = Image.new("RGB", (960, 720), (rng.randint(200, 235), rng.randint(200, 235), rng.randint(195, 225)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, 960, 720), fill=(150, 140, 125))
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(40, 760), rng.randint(300, 560)
        w, h = rng.randint(80, 180), rng.randint(60, 160)
        draw.rectangle((x, y, x + w, y + h), fill=(rng.randint(90, 200), rng.randint(60, 160), rng.randint(40, 120)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return SimpleUploadedFile(f"IMG_{n:04d}.jpg", out.getvalue(), content_type="image/jpeg")


def _findings(rng: random.Random, department: Department, photos: list[int]) -> list[dict]:
    codes = list(FINDINGS)
    weights = [FINDINGS[c][0] for c in codes]
    chosen: dict[str, dict] = {}
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        code = rng.choices(codes, weights)[0]
        entry = chosen.setdefault(code, {"code": code, "count": 0, "note": rng.choice(FINDINGS[code][1])})
        entry["count"] += 1
    for entry in chosen.values():
        if entry["code"].startswith(("E", "D1", "D2")) and rng.random() < 0.9:
            photos[0] += 1
            entry["photos"] = [_photo(rng, photos[0])]
    return list(chosen.values())


def _weekdays(today: date) -> list[list[date]]:
    """The working days of each week of the month up to today (Monday first)."""
    weeks: list[list[date]] = []
    day = today.replace(day=1)
    while day <= today:
        if day.weekday() < 5:
            if not weeks or day.weekday() == 0 or weeks[-1][-1].isocalendar()[1] != day.isocalendar()[1]:
                weeks.append([])
            weeks[-1].append(day)
        day += timedelta(days=1)
    return weeks


def _backdate(inspection_round: InspectionRound, day: date, rng: random.Random, tz) -> None:
    moment = timezone.make_aware(datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59))), tz)
    InspectionRound.objects.filter(pk=inspection_round.pk).update(
        date=day, started_at=moment - timedelta(minutes=rng.randint(8, 25)), submitted_at=moment
    )
    records = Record.objects.filter(inspection_finding__round=inspection_round)
    records.update(date=day)
    for item in RectificationItem.objects.filter(finding__in=records):
        RectificationItem.objects.filter(pk=item.pk).update(deadline=day + timedelta(days=7))
    inspection_round.date = day


@transaction.atomic
def load_demo_inspections(*, today: date | None = None) -> DemoInspections:
    outcome = DemoInspections()
    version = newest_version(MONTH_STANDARD)
    inspector, office, leader = _user("inspector"), _user("wmb"), _user("leader")
    if version is None or None in (inspector, office, leader) or InspectionPlan.objects.filter(name=PLAN_NAME).exists():
        return outcome
    today = today or hospital_today()
    standard = Standard.objects.get(code=MONTH_STANDARD)
    month_key = f"{today.year}-{today.month:02d}"
    if ScoringPeriod.objects.filter(standard=standard, key=month_key, finalized_at__isnull=False).exists():
        return outcome
    tz = zoneinfo.ZoneInfo(current_hospital().time_zone)
    rng = random.Random(SEED)
    scope = {s.pk for s in subjects_in_scope(definition=version.definition)}
    departments = list(Department.objects.filter(pk__in=scope, category__in=("clinical", "medtech")).order_by("code"))
    plan = InspectionPlan.objects.create(
        name=PLAN_NAME,
        standard=standard,
        frequency=Frequency.WEEKLY,
        rectify_codes=RECTIFY_CODES,
        rectify_days=7,
        created_by=office,
    )
    plan.departments.set(departments)
    plan.inspectors.set([inspector])
    InspectionPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.make_aware(datetime.combine(today.replace(day=1), time(9)), tz)
    )
    cardio = Department.objects.filter(code="D01").first()
    ortho = Department.objects.filter(code="D09").first()
    photos = [0]
    rounds: list[InspectionRound] = []
    weeks = _weekdays(today)
    for index, week in enumerate(weeks):
        current = index == len(weeks) - 1
        visited = rng.sample(departments, min(len(departments), 3 if current else ROUNDS_PER_WEEK))
        if current:  # the heads in the demo have something fresh to look at and appeal
            visited = [d for d in (cardio, ortho) if d is not None] + visited
        elif index == len(weeks) - 2 and cardio is not None and cardio not in visited:
            visited.append(cardio)  # and something 心血管内科 appealed last week
        for department in visited:
            day = today if current else rng.choice(week)
            inspection_round = round_submit(
                client_token=f"demo-{day.isoformat()}-{department.code}",
                department=department,
                inspector=inspector,
                standard=standard,
                findings=_findings(rng, department, photos)
                or (
                    [{"code": "E2", "count": 1, "note": "护士站物品摆放杂乱"}] if department in (cardio, ortho) else []
                ),
                unannounced=rng.random() < 0.2,
                plan=plan,
                by=inspector,
            )
            _backdate(inspection_round, day, rng, tz)
            rounds.append(inspection_round)
    outcome.rounds = len(rounds)
    outcome.photos = photos[0]
    outcome.findings = sum(r.findings.count() for r in rounds)

    # Appeals: 骨科 disputes today's finding (waiting for the leadership); an older one was decided.
    gk = _user("gk")
    fresh = [r for r in rounds if r.department == ortho and r.date == today]
    if gk is not None and fresh and fresh[0].findings.exists():
        appeal_file(
            finding=fresh[0].findings.first(),
            by=gk,
            reason="巡查时该物品为正在清点的新到耗材，非长期堆放，已当场整理完毕，请求撤销扣分。",
        )
        outcome.appeals += 1
    xnk = _user("xnk")
    earlier = [r for r in rounds if r.department == cardio and r.date < today and r.findings.exists()]
    if xnk is not None and earlier:
        finding = earlier[-1].findings.first()
        appeal = appeal_file(
            finding=finding, by=xnk, reason="该名人员为外院进修医师，已办理胸牌，当时正在更衣。", today=earlier[-1].date
        )
        appeal_decide(appeal=appeal, by=leader, uphold=True, note="经核实进修人员同样应佩戴胸牌，维持扣分。")
        outcome.appeals += 1

    _advance_items(rng, today, office=office, inspector=inspector, xnk=xnk)
    _other_items(today, office=office, leader=leader, cardio=cardio)
    outcome.items = RectificationItem.objects.count()
    period_compute(standard_code=MONTH_STANDARD, period_key=month_key, by=office)
    return outcome


def _advance_items(rng: random.Random, today: date, *, office, inspector, xnk) -> None:
    """Move the items opened by findings along: some closed, some waiting, one returned, one overdue."""
    items = list(RectificationItem.objects.filter(source=Source.FINDING).order_by("deadline", "pk"))
    for n, item in enumerate(items):
        if item.deadline + timedelta(days=1) < today - timedelta(days=7) or n % 4 == 0:
            item = item_start(item=item, by=office, expected_version=item.version)
            item = item_submit_fix(
                item=item, by=office, measures="已组织科室整改，专人负责，每日自查。", expected_version=item.version
            )
            item = item_verify(
                item=item, by=inspector, passed=True, note="复查合格，予以销号。", expected_version=item.version
            )
            closed = min(today, item.deadline - timedelta(days=rng.randint(0, 4)))
            RectificationItem.objects.filter(pk=item.pk).update(
                closed_at=timezone.make_aware(
                    datetime.combine(closed, time(15)), zoneinfo.ZoneInfo(current_hospital().time_zone)
                )
            )
        elif n % 4 == 1:
            item = item_start(item=item, by=office, expected_version=item.version)
            item = item_submit_fix(
                item=item, by=office, measures="已清理杂物，张贴禁烟标识。", expected_version=item.version
            )
            if n % 8 == 1:
                item_verify(
                    item=item,
                    by=inspector,
                    passed=False,
                    note="复查时仍有杂物堆放，请继续整改。",
                    expected_version=item.version,
                )
        elif n % 4 == 2:
            item_start(item=item, by=office, expected_version=item.version)
    late = RectificationItem.objects.filter(state=ItemState.LISTED).order_by("deadline").first()
    if late is not None:  # one item left too long
        RectificationItem.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=3))
    mine = RectificationItem.objects.filter(department__code__startswith="D01", state=ItemState.IN_PROGRESS).first()
    if xnk is not None and mine is not None:
        extension_request(
            item=mine, by=xnk, new_deadline=mine.deadline + timedelta(days=14), reason="需后勤更换储物柜，采购需两周。"
        )


def _other_items(today: date, *, office, leader, cardio) -> None:
    """Items that did not come from a patrol: a complaint and a leadership instruction."""
    if cardio is None:
        return
    item_open(
        department=cardio,
        problem="患者投诉门诊候诊时间过长、叫号不规范（12345转办）",
        source=Source.COMPLAINT,
        deadline=today + timedelta(days=10),
        measures="",
        by=office,
    )
    emergency = Department.objects.filter(name__contains="急诊").order_by("code").first() or cardio
    item_open(
        department=emergency,
        problem="院领导夜查房：急诊候诊区座椅破损、指示标识不清",
        source=Source.INSTRUCTION,
        deadline=today + timedelta(days=5),
        by=leader,
    )
