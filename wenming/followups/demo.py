"""Demo follow-up calls: last month's discharged patients of the clinical departments (a few
hundred rows) imported through the same services as the web upload, a 20 % sample per department
given to the civility office's callers, and part of it called with outcomes. Completed calls go
feedback with answers to the discharge questionnaire in use, so they count in satisfaction.

Deterministic (fixed seeds) and idempotent: the batch is keyed by its name, a second run changes
nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wenming.org.models import Department, DepartmentCategory, Role
from wenming.questionnaires.models import Purpose, QuestionKind
from wenming.questionnaires.selectors import FormSpec, version_in_use

from . import services
from .models import BatchStatus, CallStatus, FollowupBatch, FollowupCall

ROWS = 320
SEED = 20261
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强淑珍红梅海燕春梅文"
# Of the calls the demo makes: completed, no answer (once), refused, wrong number.
OUTCOME_WEIGHTS = (
    (CallStatus.COMPLETED, 70),
    (CallStatus.NO_ANSWER, 15),
    (CallStatus.REFUSED, 8),
    (CallStatus.WRONG_NUMBER, 7),
)


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _csv(departments, start: dt.date, end: dt.date) -> bytes:
    rng = random.Random(SEED)
    days = (end - start).days + 1
    lines = ["姓名,手机,科室,出院日期,住院号"]
    for index in range(ROWS):
        department = departments[index % len(departments)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        date = start + dt.timedelta(days=rng.randrange(days))
        lines.append(f"{name},{phone},{department.code},{date.isoformat()},ZY{start:%y%m}{index:05d}")
    return ("\n".join(lines) + "\n").encode()


def load_demo_followups(*, today: dt.date | None = None) -> FollowupBatch | None:
    """Load the demo batch once; returns it (None when the hospital has no clinical departments or
    no civility office account to call)."""
    today = today or timezone.localdate()
    start, end = _last_month(today)
    name = f"{start.year}年{start.month}月出院患者"
    existing = FollowupBatch.objects.filter(name=name, status=BatchStatus.IMPORTED).first()
    if existing is not None:
        return existing
    User = get_user_model()
    callers = list(User.objects.filter(is_active=True, roles__role=Role.OFFICE).distinct().order_by("username")[:2])
    departments = list(
        Department.objects.filter(is_active=True, category=DepartmentCategory.CLINICAL, parent__isnull=True).order_by(
            "code"
        )[:8]
    )
    if not callers or not departments:
        return None
    by = callers[0]
    batch = services.batch_upload(
        by=by, name=name, start=start, end=end, data=_csv(departments, start, end), file_name="出院患者.csv"
    )
    batch = services.batch_confirm(by=by, batch=batch)
    if batch.status != BatchStatus.IMPORTED:  # e.g. every patient already imported under another name
        return None
    batch = services.batch_script_update(
        by=by,
        batch=batch,
        expected_version=batch.version,
        script=(
            "您好，我是医院文明办的工作人员，您于{出院日期}从{科室}出院。为了改进服务，想占用您两三分钟做个回访，"
            "请问现在方便吗？\n1. 请您为这次住院的总体满意度打分（1–5 分）。\n2. 按问卷逐题询问。\n"
            "3. 您对医院还有什么意见或建议？\n感谢您的支持，祝您早日康复！"
        ),
    )
    services.sample_draw(
        by=by, batch=batch, departments=departments, mode="percent", value=20, callers=callers, seed=SEED
    )
    _call_some(batch)
    return batch


def _call_some(batch: FollowupBatch) -> None:
    """About two thirds of the sample is called; a completed call answers every question (the ratings
    close to the overall one, the first option of a choice: 没有 for the red-envelope question)."""
    rng = random.Random(SEED + 1)
    spec = version_in_use(Purpose.DISCHARGE)
    outcomes = [o for o, _ in OUTCOME_WEIGHTS]
    weights = [w for _, w in OUTCOME_WEIGHTS]
    at = timezone.make_aware(dt.datetime.combine(batch.end + dt.timedelta(days=3), dt.time(9, 0)))
    for call in FollowupCall.objects.filter(batch=batch).select_related("caller").order_by("pk"):
        if rng.random() > 0.66:
            continue
        outcome = rng.choices(outcomes, weights)[0]
        overall = rng.choices((5, 4, 3, 2, 1), (60, 28, 8, 3, 1))[0]
        at += dt.timedelta(minutes=7)
        services.call_record(
            by=call.caller,
            call=call,
            outcome=outcome,
            expected_version=call.version,
            overall=overall,
            answers_data=_answers(spec, overall, rng),
            comment="",
            at=at,
        )


def _answers(spec: FormSpec | None, overall: int, rng: random.Random) -> dict:
    if spec is None:
        return {}
    answers = {}
    for question in spec.questions:
        if question.kind == QuestionKind.RATING:
            answers[question.field] = str(max(1, min(5, overall + rng.choice((-1, 0, 0, 0, 1)))))
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            answers[question.field] = question.options[0]
    return answers
