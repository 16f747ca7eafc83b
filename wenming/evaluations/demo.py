"""The demo hospital's 医德考评: two archived years and the current one at the self-evaluation step.

Each archived year goes through the services end to end — daily records approved department →
hospital (one returned), self-evaluations, the department panels' scores and proposed grades, the
computation with the 优秀 quota and a one-vote veto forcing 较差, the committee's decisions (one
override with its reason), publicity, an objection reviewed, and the archive. Only what a person
would have typed in years past is written directly: the self-evaluations of staff without a demo
login, and the publicity dates (moved back to January of the next year so the archive may close).
The same person is vetoed in both years, so the eligibility export shows a failed 医师定期考核.

The current year has daily records in every state, the self-evaluation open, and most people's
self-evaluations in; the demo logins take it on from there (``nurse`` writes hers, ``xnk`` scores
心血管内科, ``wmb`` moves the cycle on, ``leader`` decides with the committee).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from wenming.org.models import Department, DepartmentCategory, Staff
from wenming.org.selectors import hospital_today
from wenming.standards.models import Standard

from .models import DailyKind, EthicsCycle, EthicsMember
from .services import cycles, daily, steps

STANDARD = "YDKP-2026"
CATEGORIES = [DepartmentCategory.CLINICAL, DepartmentCategory.MEDTECH, DepartmentCategory.NURSING]
# (kind, code, what happened) of the daily records the demo draws from.
RECORDS = (
    (DailyKind.PRAISE, "P2", "患者家属送来锦旗一面，感谢其耐心细致的诊疗。"),
    (DailyKind.PRAISE, "P2", "收到出院患者表扬信，称赞其服务热情周到。"),
    (DailyKind.RED_ENVELOPE, "P1", "拒收患者家属红包 500 元并上交医院纪检部门。"),
    (DailyKind.AWARD, "P3", "参加突发公共事件医疗救援，受到市卫健委通报表彰。"),
    (DailyKind.CRITICISM, "Y4a", "门诊服务态度生硬被患者投诉，经调查属实。"),
    (DailyKind.VIOLATION, "Y5a", "接受患者家属宴请，经查属实，已退还并作检讨。"),
    (DailyKind.VIOLATION, "Y6a", "抽查病历发现不合理检查一例。"),
    (DailyKind.OTHER, "", "主动参加社区义诊，服务群众 120 人次。"),
)
SELF_TEXT = (
    "本年度认真学习医德规范，坚持以病人为中心，文明行医、廉洁行医，全年无投诉，积极参加科室业务学习和义诊活动。",
    "能够尊重患者权利，耐心解释病情，注意保护患者隐私；在团结协作方面仍有提升空间，今后加强沟通。",
    "严格执行诊疗规范，合理检查、合理用药；拒收红包一次并上交；业务上参加继续教育，完成学分要求。",
)
OPINION_TEXT = (
    "工作认真负责，服务热情，同事评价良好。",
    "医德医风表现良好，业务能力有待提高。",
    "表现突出，群众满意度高。",
)


@dataclass
class DemoEvaluations:
    cycles: int = 0  # years added by this run
    members: int = 0  # people in this year's cycle


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _record(cycle, staff, kind, code, text, day, *, office, head=None):
    """A daily record entered by the department's head (when a demo login heads it) or the office,
    and approved through both steps."""
    by = head if head is not None else office
    record = daily.daily_record_create(by=by, cycle=cycle, staff=staff, kind=kind, day=day, code=code, description=text)
    if head is not None:
        record = daily.daily_record_approve(by=head, record=record)
    return daily.daily_record_approve(by=office, record=record)


def _heads() -> dict[int, object]:
    """{department pk: the demo login heading it} for 心血管内科 (xnk) and 骨科 (gk) and their wards."""
    heads = {}
    for username, code in (("xnk", "D01"), ("gk", "D09")):
        user = _user(username)
        top = Department.objects.filter(code=code).first()
        if user is None or top is None:
            continue
        for pk in Department.objects.filter(path__startswith=top.path).values_list("pk", flat=True):
            heads[pk] = user
    return heads


def _fill_self(cycle: EthicsCycle, rng: random.Random, share: float, at) -> None:
    """Self-evaluations of people without a demo login (years past: what they wrote then)."""
    members = list(cycle.members.filter(staff__user__isnull=True, self_at__isnull=True))
    chosen = [m for m in members if rng.random() < share]
    for m in chosen:
        m.self_summary = rng.choice(SELF_TEXT)
        m.self_grade = rng.choice(("优秀", "良好", "良好", "良好"))
        m.self_at = at
        m.version += 1
    EthicsMember.objects.bulk_update(chosen, ["self_summary", "self_grade", "self_at", "version"], batch_size=500)


def _archived_year(year: int, *, standard, office, leader, nurse_user, vetoed: Staff, rng) -> EthicsCycle:
    cycle = cycles.cycle_create(by=office, year=year, standard=standard, categories=CATEGORIES, publicity_days=7)
    heads = _heads()
    members = list(cycle.members.select_related("staff"))
    # 日常记实 through the year; one veto (X7 服务态度恶劣造成恶劣影响) for the same person each year.
    for _n in range(40):
        member = rng.choice(members)
        kind, code, text = rng.choice(RECORDS)
        day = date(year, 1, 1) + timedelta(days=rng.randrange(360))
        _record(cycle, member.staff, kind, code, text, day, office=office, head=heads.get(member.department_id))
    _record(cycle, vetoed, DailyKind.VIOLATION, "X7", "与患者发生激烈冲突并推搡患者，造成恶劣社会影响。",
            date(year, 9, 14), office=office)  # fmt: skip
    returned = daily.daily_record_create(
        by=office, cycle=cycle, staff=members[0].staff, kind=DailyKind.PRAISE, day=date(year, 5, 8), code="P2",
        description="锦旗（无照片）",
    )  # fmt: skip
    daily.daily_record_return(by=office, record=returned, reason="未附锦旗照片，请补充后重新提交。")
    cycle = cycles.cycle_advance(cycle=cycle, by=office)  # → 个人自评
    nurse = next((m for m in members if m.staff.user_id and m.staff.user_id == getattr(nurse_user, "pk", None)), None)
    if nurse is not None:
        steps.self_evaluation_submit(by=nurse_user, member=nurse, summary=SELF_TEXT[0], grade="良好")
    _fill_self(cycle, rng, 0.97, timezone.now())
    cycle = cycles.cycle_advance(cycle=cycle, by=office)  # → 科室评价
    by_head: dict[int, list[EthicsMember]] = {}
    for member in cycle.members.select_related("department"):
        by_head.setdefault(getattr(heads.get(member.department_id), "pk", 0), []).append(member)
    for head_pk, group in by_head.items():
        by = next((u for u in heads.values() if u.pk == head_pk), office)
        scores, opinions = {}, {}
        for member in group:
            y7 = Decimal(rng.choice(("10", "9.5", "9", "9", "8.5", "8")))
            y8 = Decimal(rng.choice(("10", "10", "9.5", "9", "8.5", "8", "7")))
            scores[(member.staff_id, "Y7")], scores[(member.staff_id, "Y8")] = y7, y8
            grade = "优秀" if y7 + y8 >= Decimal("19.5") else "良好"
            opinions[member.pk] = (grade, rng.choice(OPINION_TEXT), member.version)
        steps.department_evaluation_save(
            by=by, cycle=cycle, members=group, scores=scores, seen={}, opinions=opinions, submit=True
        )
    cycle = cycles.cycle_advance(cycle=cycle, by=office)  # → 单位评价 (computed)
    vetoed_member = cycle.members.get(staff=vetoed)
    steps.hospital_decide(
        by=leader, member=vetoed_member, grade="较差", comment="一票否决。",
        improvement_plan="参加医患沟通培训，每月向科室汇报整改情况，暂停评先评优一年。",
    )  # fmt: skip
    candidate = cycle.members.filter(engine_grade="良好", final_grade="").order_by("engine_total").first()
    if candidate is not None:
        steps.hospital_decide(
            by=leader, member=candidate, grade="一般", reason="年内两次服务态度投诉查实，委员会研究降为一般。",
            improvement_plan="科室指定带教老师帮扶，半年后复评。",
        )  # fmt: skip
    steps.hospital_accept_computed(by=leader, cycle=cycle)
    cycle = cycles.cycle_advance(cycle=cycle, by=office)  # → 公示
    objected = cycle.members.filter(final_grade="良好").exclude(staff=vetoed).order_by("-engine_total").first()
    if objected is not None and nurse_user is not None:
        objection = steps.objection_raise(
            by=nurse_user, member=objected, text_="该同志全年获患者表扬多次，建议复核其等次。"
        )
        note = "经复核，优秀名额已满且其得分低于已评优秀人员，维持良好。"
        steps.objection_review(by=leader, objection=objection, upheld=False, note=note)
    # Years past: publicity ran in January of the next year.
    EthicsCycle.objects.filter(pk=cycle.pk).update(
        publicity_start=date(year + 1, 1, 6), publicity_end=date(year + 1, 1, 12)
    )
    cycle.refresh_from_db()
    return cycles.cycle_advance(cycle=cycle, by=office)  # → 已归档


def _current_year(year: int, *, standard, office, nurse_user, rng, today: date) -> EthicsCycle:
    cycle = cycles.cycle_create(
        by=office,
        year=year,
        standard=standard,
        categories=CATEGORIES,
        self_due=today + timedelta(days=7),
        department_due=today + timedelta(days=17),
        publicity_days=7,
    )
    heads = _heads()
    members = list(cycle.members.select_related("staff"))
    last_day = min(today, date(year, 12, 31))
    span = (last_day - date(year, 1, 1)).days or 1
    headed = [m for m in members if m.department_id in heads]
    for n in range(30):
        member = rng.choice(headed if n % 5 == 0 and headed else members)
        kind, code, text = rng.choice(RECORDS)
        day = date(year, 1, 1) + timedelta(days=rng.randrange(span))
        head = heads.get(member.department_id)
        if n % 5 == 0 and head is not None:  # waiting for the department (xnk / gk approve it)
            daily.daily_record_create(by=head, cycle=cycle, staff=member.staff, kind=kind, day=day, code=code,
                                      description=text)  # fmt: skip
        elif n % 5 == 1:  # waiting for the hospital (wmb approves it)
            daily.daily_record_create(by=office, cycle=cycle, staff=member.staff, kind=kind, day=day, code=code,
                                      description=text)  # fmt: skip
        else:
            _record(cycle, member.staff, kind, code, text, day, office=office, head=head)
    cycle = cycles.cycle_advance(cycle=cycle, by=office)  # → 个人自评 (nurse writes hers in the demo)
    _fill_self(cycle, rng, 0.7, timezone.now())
    return cycle


@transaction.atomic
def load_demo_evaluations(*, today: date | None = None) -> DemoEvaluations:
    """Idempotent: a year whose cycle exists is left as it is."""
    today = today or hospital_today()
    outcome = DemoEvaluations()
    standard = Standard.objects.filter(code=STANDARD).first()
    office, leader, nurse_user = _user("wmb"), _user("leader"), _user("nurse")
    if standard is None or office is None or leader is None:
        return outcome
    rng = random.Random(20260)
    vetoed = (
        Staff.objects.filter(department__code="D09", user__isnull=True, status="active").order_by("staff_no").first()
    )
    for year in (today.year - 2, today.year - 1):
        if vetoed is not None and not EthicsCycle.objects.filter(year=year).exists():
            _archived_year(year, standard=standard, office=office, leader=leader, nurse_user=nurse_user,
                           vetoed=vetoed, rng=rng)  # fmt: skip
            outcome.cycles += 1
    if not EthicsCycle.objects.filter(year=today.year).exists():
        _current_year(today.year, standard=standard, office=office, nurse_user=nurse_user, rng=rng, today=today)
        outcome.cycles += 1
    outcome.members = EthicsMember.objects.filter(cycle__year=today.year).count()
    return outcome
