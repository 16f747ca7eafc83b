"""The demo hospital's year of scoring: patrol findings, bonuses, a veto, the leadership's manual
scores and patient feedback for every month of the current year up to today, computed; the months
before this one finalized (定稿), as a civility office would have done, with one correction.

Deterministic (a seeded random per department and month) and idempotent: records carry external
ids ``demo-…``; a second run adds nothing and only computes periods that are not finalized yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from wenming.feedback.models import Feedback
from wenming.org.models import Department, DepartmentCategory, Staff
from wenming.org.selectors import current_hospital, hospital_today
from wenming.standards.definition import Rule
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .aggregation import subjects_in_scope
from .models import Record, RecordKind, RecordStatus, ScoringPeriod
from .periods import Period, local_date, parse_period
from .services import ScoringError, period_compute, period_finalize

MONTH_STANDARD = "WMKS-M-2026"
QUARTER_STANDARD = "WMKS-Q-2026"
PREFIX = "demo-"
LATE_REASON = "领导小组评议未全部完成，经分管院领导同意按现有结果定稿"

# How often each deduction turns up on a weekly patrol (relative weights) and what the inspector wrote.
FINDINGS: dict[str, tuple[int, tuple[str, ...]]] = {
    "A1a": (2, ("本月创建计划未见", "科室月度创建计划未上墙、未存档")),
    "A1b": (5, ("创建活动记录不全，缺签到表", "道德讲堂活动无照片和记录")),
    "A1c": (3, ("目标任务未分解到人",)),
    "B1": (8, ("周三政治学习缺席2人次未请假", "业务学习缺席，无请假手续")),
    "B2": (2, ("本月未开展道德讲堂活动",)),
    "C1": (4, ("患者投诉护士解释不耐心，经核实属实", "门诊患者投诉医生态度生硬，已查实")),
    "C2": (1, ("抽查病历发现重复检查1例",)),
    "C4": (3, ("处方点评：抗生素使用指征不明确",)),
    "D1a": (12, ("巡查时1名护士未佩戴工作牌", "2名医生未亮牌上岗", "实习生未佩戴胸牌")),
    "D1b": (2, ("岗位承诺未在护士站公示",)),
    "D2a": (6, ("导医未使用文明用语", "电话接听未用规范用语")),
    "D2b": (2, ("首诊负责制落实不到位，患者被推诿至他科",)),
    "D3a": (4, ("三级查房记录缺失1次",)),
    "D3b": (7, ("运行病历书写不规范", "病程记录未及时书写")),
    "E1": (6, ("治疗室地面不洁", "走廊堆放杂物，环境脏乱")),
    "E2": (9, ("护士站物品摆放杂乱", "库房物品未分类摆放")),
    "E3": (2, ("楼梯间发现吸烟未制止",)),
}
BONUSES: dict[str, tuple[int, tuple[str, ...]]] = {
    "F1": (10, ("患者家属赠送锦旗", "收到患者表扬信")),
    "F2": (1, ("获市卫健委“优质服务示范科室”称号",)),
    "F3": (2, ("拒收患者红包并上交", "拾到患者钱包归还失主")),
}
# Patients answering per month, by department category (admin departments see few patients).
FEEDBACK_PER_MONTH = {
    DepartmentCategory.CLINICAL: (45, 110),
    DepartmentCategory.NURSING: (30, 70),
    DepartmentCategory.MEDTECH: (25, 60),
    DepartmentCategory.ADMIN: (4, 25),
}
FEEDBACK_COMMENTS = ("护士很耐心", "医生讲解很清楚", "候诊时间有点长", "环境干净整洁", "态度很好，谢谢", "")


@dataclass
class DemoScores:
    records: int = 0
    feedback: int = 0
    computed: list[str] = field(default_factory=list)
    finalized: list[str] = field(default_factory=list)


def _office_user():
    return get_user_model().objects.filter(username="wmb").first()


def _leader_staff() -> Staff | None:
    return Staff.objects.filter(user__username="leader").first()


def _days(period: Period, today: date) -> list[date]:
    last = min(period.end - timedelta(days=1), today)
    return [period.start + timedelta(days=n) for n in range((last - period.start).days + 1)]


def _pick(rng: random.Random, table: dict[str, tuple[int, tuple[str, ...]]]) -> tuple[str, str]:
    codes = list(table)
    code = rng.choices(codes, weights=[table[c][0] for c in codes])[0]
    return code, rng.choice(table[code][1])


def _month_records(
    *, standard: Standard, department: Department, period: Period, today: date, manual_codes: list[str], by, leader
) -> tuple[list[Record], list[Feedback]]:
    rng = random.Random(f"{department.code}:{period.key}")
    days = _days(period, today)
    records: list[Record] = []

    def add(kind: str, code: str, n: int, **values) -> None:
        records.append(
            Record(
                kind=kind,
                standard=standard,
                department=department,
                code=code,
                external_id=f"{PREFIX}{period.key}-{department.code}-{kind}-{n}",
                status=RecordStatus.COUNTS,
                entered_by=by,
                **values,
            )
        )

    # Weekly patrols: a few findings a month, more in the large clinical departments.
    for n in range(rng.choice((0, 0, 1, 1, 2, 2, 3, 4))):
        code, note = _pick(rng, FINDINGS)
        add(RecordKind.FINDING, code, n, date=rng.choice(days), count=rng.choice((1, 1, 1, 2)), note=note)
    if rng.random() < 0.25:
        code, note = _pick(rng, BONUSES)
        add(RecordKind.BONUS, code, 0, date=rng.choice(days), count=1, note=note)
    # The leadership group's monthly review; this month's is not finished yet.
    in_progress = period.contains(today)
    for code in manual_codes:
        if in_progress and rng.random() < 0.4:
            continue
        value = Decimal(rng.choice(range(13, 19))) / 2  # 6.5 … 9.0
        add(RecordKind.MANUAL, code, 0, period_key=period.key, value=value, assessor=leader)

    low, high = FEEDBACK_PER_MONTH.get(department.category, (10, 30))
    mood = rng.random()  # a department patients like less now and then
    weights = (1, 1, 3, 20, 75) if mood > 0.15 else (2, 3, 8, 30, 57)
    tz = ZoneInfo(current_hospital().time_zone)
    feedback = []
    for n in range(round(rng.randint(low, high) * len(days) / (period.end - period.start).days)):
        day = rng.choice(days)
        at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=tz)
        overall = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
        feedback.append(
            Feedback(
                department=department,
                at=at,
                local_date=local_date(at, tz),
                overall=overall,
                answers={"Q1": overall},
                comment=rng.choice(FEEDBACK_COMMENTS) if overall >= 4 else "希望改进服务态度",
                is_valid=rng.random() > 0.01,
                external_id=f"{PREFIX}{period.key}-{department.code}-fb-{n}",
            )
        )
    return records, feedback


def _veto(standard: Standard, departments: list[Department], months: list[Period], by) -> list[Record]:
    """One serious incident in the year: a department loses its month to a veto."""
    if len(months) < 3 or not departments:
        return []
    period = months[len(months) // 2]
    department = departments[len(departments) * 2 // 3]
    return [
        Record(
            kind=RecordKind.VETO,
            standard=standard,
            department=department,
            code="V3",
            date=period.start + timedelta(days=11),
            note="科室人员在网络发布不当言论，造成负面舆情，经院纪委查实",
            external_id=f"{PREFIX}{period.key}-{department.code}-veto",
            status=RecordStatus.COUNTS,
            entered_by=by,
        )
    ]


def _quarter_reviews(today: date, by, leader) -> list[Record]:
    """The leadership group's quarterly review (the manual items of the quarterly standard) of every
    quarter that has ended; the current one is still being reviewed."""
    version = newest_version(QUARTER_STANDARD)
    if version is None:
        return []
    definition = version.definition
    codes = [item.code for item in definition.leaves(Rule.MANUAL)]
    points = {item.code: item.points for item in definition.leaves(Rule.MANUAL)}
    scope = subjects_in_scope(definition=definition)
    records = []
    for quarter in range(1, (today.month - 1) // 3 + 1):  # the quarters that have ended
        key = f"{today.year}-Q{quarter}"
        for subject in scope:
            rng = random.Random(f"{subject.code}:{key}")
            for code in codes:
                share = Decimal(rng.choice(range(80, 99, 2))) / 100  # 80% … 98% of the item's points
                records.append(
                    Record(
                        kind=RecordKind.MANUAL,
                        standard=version.standard,
                        department_id=subject.pk,
                        code=code,
                        period_key=key,
                        value=(points[code] * share * 2).to_integral_value() / 2,  # to half points
                        assessor=leader,
                        external_id=f"{PREFIX}{key}-{subject.code}-manual-{code}",
                        status=RecordStatus.COUNTS,
                        entered_by=by,
                    )
                )
    return records


@transaction.atomic
def _write_records(today: date, by) -> tuple[int, int, list[Period]]:
    version = newest_version(MONTH_STANDARD)
    standard = version.standard
    months = [parse_period(f"{today.year}-{m:02d}") for m in range(1, today.month + 1)]
    if Record.objects.filter(standard=standard, external_id__startswith=PREFIX).exists():
        return 0, 0, months
    definition = version.definition
    manual_codes = [item.code for item in definition.leaves(Rule.MANUAL)]
    scope = {s.pk for s in subjects_in_scope(definition=definition)}
    departments = list(Department.objects.filter(pk__in=scope).order_by("code"))
    leader = _leader_staff()
    records: list[Record] = []
    feedback: list[Feedback] = []
    for period in months:
        for department in departments:
            r, f = _month_records(
                standard=standard,
                department=department,
                period=period,
                today=today,
                manual_codes=manual_codes,
                by=by,
                leader=leader,
            )
            records += r
            feedback += f
    records += _veto(standard, departments, months, by)
    records += _quarter_reviews(today, by, leader)
    Record.objects.bulk_create(records, batch_size=1000)
    Feedback.objects.bulk_create(feedback, batch_size=2000)
    return len(records), len(feedback), months


def _correction(months: list[Period], today: date, by) -> None:
    """A finding of an earlier, finalized month turned out to be wrong: a correction with a reason."""
    if len(months) < 3:
        return
    corrected = ScoringPeriod.objects.filter(
        standard__code=MONTH_STANDARD, key=months[-3].key, finalized_at__isnull=False
    ).first()
    if corrected is None or Record.objects.filter(external_id=f"{PREFIX}correction").exists():
        return
    result = corrected.results.exclude(deducted=0).order_by("subject_code").first()
    if result is None:
        return
    Record.objects.create(
        kind=RecordKind.CORRECTION,
        standard=corrected.standard,
        department_id=result.department_id,
        code="E",
        date=today,
        value=Decimal("1.00"),
        reason="科室申诉：该次环境卫生问题系施工单位所致，经复核撤销扣分，予以更正",
        corrects=corrected,
        external_id=f"{PREFIX}correction",
        status=RecordStatus.COUNTS,
        entered_by=by,
    )


def load_demo_scores(*, today: date | None = None) -> DemoScores:
    """Records, feedback and computed (finalized up to last month) periods for the demo hospital."""
    outcome = DemoScores()
    if newest_version(MONTH_STANDARD) is None:
        return outcome
    by = _office_user()
    today = today or hospital_today()
    outcome.records, outcome.feedback, months = _write_records(today, by)
    finalized = set(ScoringPeriod.objects.filter(finalized_at__isnull=False).values_list("standard__code", "key"))

    def compute(code: str, key: str, finalize: bool) -> None:
        if (code, key) in finalized:
            return
        period_compute(standard_code=code, period_key=key, by=by, today=today)
        outcome.computed.append(f"{code} {key}")
        if finalize:
            try:
                period_finalize(standard_code=code, period_key=key, by=by)
            except ScoringError:  # a manual score still missing: the office finalizes with a reason
                period_finalize(standard_code=code, period_key=key, by=by, reason=LATE_REASON)
            outcome.finalized.append(f"{code} {key}")

    for period in months:
        compute(MONTH_STANDARD, period.key, finalize=period.end <= today)
    if newest_version(QUARTER_STANDARD) is not None:
        for quarter in range(1, (today.month - 1) // 3 + 2):
            period = parse_period(f"{today.year}-Q{quarter}")
            compute(QUARTER_STANDARD, period.key, finalize=period.end <= today)
    _correction(months, today, by)
    return outcome
