"""The demo hospital's complaints, praise and petitions: a dozen cases of 心血管内科 and 骨科 in
every state and kind — one made from a patient's low rating, a substantiated complaint that
recorded C1 and opened a ledger item, a pennant (锦旗) that recorded the F1 bonus, two overdue.

Everything goes through the services (numbers, deadlines, audit timeline and notifications are
real), as the office (wmb) and the heads (xnk, gk) would do it. Idempotent: a case whose content
(or, from a rating, whose feedback) is already there is left alone, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from wenming.feedback.models import Feedback
from wenming.org.models import Department, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.scoring.models import ScoringPeriod
from wenming.standards.models import Standard

from . import services
from .models import Case

MONTH_STANDARD = "WMKS-M-2026"
ORDER = ["received", "investigating", "handling", "replied", "closed"]


@dataclass(frozen=True)
class Spec:
    kind: str
    source: str
    department: str
    state: str
    content: str
    days_ago: int = 1
    finding: str = "substantiated"
    investigation: str = ""
    decision: str = ""
    reply: str = ""
    satisfaction: str = ""
    contact: tuple[str, str] = ("", "")
    with_staff: bool = False
    score: bool = False
    item: bool = False


SPECS = (
    Spec(
        "complaint",
        "phone",
        "D01",
        "closed",
        "患者家属来电反映：夜间护士巡视时态度生硬，问询输液情况时不耐烦。",
        days_ago=2,
        investigation="调阅护理记录并约谈当班护士，情况属实。",
        decision="当事护士书面检查，科室组织服务礼仪培训。",
        reply="已电话向家属致歉并说明整改措施。",
        satisfaction="satisfied",
        contact=("刘女士", "13907150001"),
        with_staff=True,
        score=True,
        item=True,
    ),
    Spec(
        "praise",
        "letter",
        "D09",
        "closed",
        "患者出院后送来锦旗“医术精湛 医德高尚”，感谢骨科团队。",
        days_ago=3,
        investigation="核实锦旗已送达科室。",
        decision="在院内通报表扬。",
        reply="已向患者致谢。",
        satisfaction="satisfied",
        contact=("陈先生", "13907150002"),
        with_staff=True,
        score=True,
    ),
    Spec(
        "petition",
        "visit",
        "D09",
        "received",
        "患者来访反映住院费用清单中有重复收费项目，要求核查。",
        days_ago=12,
        contact=("赵先生", "13907150003"),
    ),
    Spec("complaint", "mailbox", "D01", "received", "意见箱来信：门诊候诊时间过长，叫号系统经常跳号。", days_ago=1),
    Spec(
        "complaint",
        "online",
        "D0901",
        "investigating",
        "网上留言：病区卫生间地面湿滑，无防滑提示。",
        days_ago=10,
        contact=("匿名", ""),
    ),
    Spec(
        "complaint",
        "phone",
        "D01",
        "handling",
        "来电反映医生查房时解释病情过于简单。",
        days_ago=4,
        finding="partly",
        investigation="医生解释时间偏短，但内容无误。",
        decision="提醒医生加强沟通，增加病情告知时间。",
        contact=("孙女士", "13907150004"),
        with_staff=True,
    ),
    Spec(
        "petition",
        "letter",
        "D01",
        "handling",
        "来信要求复印完整病历，称窗口办理流程不清。",
        days_ago=3,
        finding="not_substantiated",
        investigation="病历复印流程已公示，患者资料不全未能办理。",
        contact=("周先生", "13907150005"),
    ),
    Spec(
        "complaint",
        "phone",
        "D09",
        "replied",
        "患者反映骨科护士站夜间电话长时间无人接听。",
        days_ago=5,
        investigation="当晚护士处置急诊患者，属实。",
        decision="调整夜班电话转接设置。",
        reply="已电话解释原因并致歉。",
        satisfaction="dissatisfied",
        contact=("吴先生", "13907150006"),
    ),
    Spec(
        "praise",
        "online",
        "D01",
        "replied",
        "网上留言表扬心内科护士耐心细致，主动帮助行动不便的老人。",
        days_ago=2,
        investigation="科室核实属实。",
        decision="在科务会上表扬。",
        reply="已回复留言致谢。",
        with_staff=True,
    ),
    Spec(
        "complaint",
        "visit",
        "D09",
        "closed",
        "家属来访称医生拒绝开具诊断证明。",
        days_ago=6,
        finding="not_substantiated",
        investigation="诊断证明需检查结果齐全后开具，医生已告知。",
        decision="向家属解释开具条件。",
        reply="当面解释，家属表示理解。",
        satisfaction="fairly",
        contact=("郑女士", "13907150007"),
    ),
    Spec("praise", "mailbox", "D09", "received", "意见箱表扬信：感谢骨科二病区护士长的悉心照顾。", days_ago=0),
)


@dataclass
class DemoComplaints:
    created: int = 0
    records: int = 0
    items: int = 0


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _first_staff(department: Department) -> Staff | None:
    return Staff.objects.filter(department=department, status=StaffStatus.ACTIVE).order_by("staff_no").first()


def _may_record(standard: Standard, day: date) -> bool:
    return not ScoringPeriod.objects.filter(
        standard=standard, start__lte=day, end__gt=day, finalized_at__isnull=False
    ).exists()


def _advance(case: Case, spec: Spec, *, office, head, today: date) -> Case:
    target = ORDER.index(spec.state)
    worker = head or office
    if target >= 1:
        case = services.case_start(case=case, by=worker, expected_version=case.version)
    if target >= 2:
        case = services.case_investigate(
            case=case,
            by=worker,
            investigation=spec.investigation or "科室调查中。",
            finding=spec.finding,
            expected_version=case.version,
        )
    if target >= 2 and spec.decision:
        case = services.case_decide(case=case, by=worker, decision=spec.decision, expected_version=case.version)
    if target >= 3:
        case = services.case_reply(
            case=case,
            by=office,
            reply=spec.reply,
            method="phone",
            satisfaction=spec.satisfaction if spec.state == "replied" else "",
            expected_version=case.version,
        )
    return case


def _score_and_item(case: Case, spec: Spec, *, office, standard, today: date, outcome: DemoComplaints) -> Case:
    if spec.score and standard is not None and _may_record(standard, today):
        services.case_record_score(case=case, by=office, standard=standard, day=today, expected_version=case.version)
        outcome.records += 1
        case.refresh_from_db()
    if spec.item:
        services.case_open_item(
            case=case,
            by=office,
            problem="夜间护理服务态度整改：组织服务礼仪培训，完善巡视沟通规范。",
            deadline=today + timedelta(days=14),
            expected_version=case.version,
        )
        outcome.items += 1
        case.refresh_from_db()
    return case


@transaction.atomic
def load_demo_complaints(*, today: date | None = None) -> DemoComplaints:
    outcome = DemoComplaints()
    office = _user("wmb")
    if office is None:
        return outcome
    today = today or hospital_today()
    heads = {"D01": _user("xnk"), "D09": _user("gk"), "D0901": _user("gk")}
    departments = {d.code: d for d in Department.objects.filter(code__in=heads)}
    standard = Standard.objects.filter(code=MONTH_STANDARD).first()
    for spec in SPECS:
        department = departments.get(spec.department)
        if department is None or Case.objects.filter(content=spec.content).exists():
            continue
        received_on = today - timedelta(days=spec.days_ago)
        case = services.case_intake(
            by=office,
            kind=spec.kind,
            source=spec.source,
            department=department,
            staff=_first_staff(department) if spec.with_staff else None,
            content=spec.content,
            contact_name=spec.contact[0],
            contact_phone=spec.contact[1],
            received_on=received_on,
        )
        outcome.created += 1
        head = heads.get(spec.department)
        case = _advance(case, spec, office=office, head=head, today=today)
        if spec.state == "closed":
            # What a substantiated case means is recorded before closing, as the office would.
            case = _score_and_item(case, spec, office=office, standard=standard, today=today, outcome=outcome)
            services.case_close(case=case, by=office, satisfaction=spec.satisfaction, expected_version=case.version)
    _from_feedback(office=office, head=heads["D01"], today=today, outcome=outcome)
    if outcome.records:
        from wenming.scoring.services import period_compute

        period_compute(standard_code=MONTH_STANDARD, period_key=f"{today.year}-{today.month:02d}", by=office)
    return outcome


def _from_feedback(*, office, head, today: date, outcome: DemoComplaints) -> None:
    """A complaint made from the lowest demo rating with a comment (心血管内科 first), under investigation."""
    feedback = (
        Feedback.objects.filter(overall__lte=2, is_valid=True)
        .exclude(comment="")
        .select_related("department", "staff")
        .order_by("-department__code", "-local_date", "pk")
        .filter(department__code__startswith="D01")
        .first()
    ) or Feedback.objects.filter(overall__lte=2, is_valid=True).exclude(comment="").order_by(
        "-local_date", "pk"
    ).first()
    if feedback is None or Case.objects.filter(feedback=feedback).exists():
        return
    case = services.case_intake(
        by=office,
        kind="complaint",
        source="rating",
        department=feedback.department,
        staff=feedback.staff,
        content=f"患者评价 {feedback.overall}/5（{feedback.local_date.isoformat()}）：{feedback.comment}",
        received_on=max(feedback.local_date, today - timedelta(days=2)),
        feedback=feedback,
    )
    outcome.created += 1
    worker = head if head is not None and services.may_work_on(head, case.department) else office
    services.case_start(case=case, by=worker, expected_version=case.version)
