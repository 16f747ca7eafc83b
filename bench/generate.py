"""Generate a large hospital for the benchmarks: departments, staff, a year of records and feedback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench \\
        .venv/bin/python bench/generate.py [--departments 150] [--staff 5000] [--feedback 2000000]
        [--findings 50000] [--year 2026] [--seed 1] [--reset]

Only for a benchmark database (see bench/common.py): the name of the PostgreSQL database, or the
path of the SQLite file, must contain "bench". It refuses a database that already holds an
organisation, records or feedback unless ``--reset`` is given, which empties the whole database
first (``manage.py flush``). Everything comes from one ``random.Random(seed)``, so the same
arguments give the same hospital.

What it makes (defaults):
* a hospital of 150 departments in a tree: clinical specialties (the big ones with two or three
  wards under them), medical technology, nursing units and administration, in the proportions of a
  large general hospital (≈58% / 12% / 5% / 25%), each with a "carefulness" that drives its
  findings, its patients' ratings and its leadership marks;
* 5,000 staff spread by department size, with the demo's posts, titles, name pools and party
  membership; a small party organisation; two login accounts, ``bench_office`` (文明办) and
  ``bench_head`` (head of the first clinical department with wards);
* the three example standards;
* for WMKS-M-2026: 50,000 findings over the year on its deduction codes, common problems (未佩戴
  工作牌, 物品摆放不规范, 病历书写不规范 …) far more often than serious ones, counts mostly 1, piling
  up in the sloppy departments (careful ones often lose nothing in a month), a few voided on appeal
  or awaiting approval; bonuses (about 6% as many); a handful of vetoes; the
  leadership mark A2 for 96% of departments and months (the rest stays pending);
  for WMKS-Q-2026 the quarterly mark L for 95% of departments and quarters;
* 2,000,000 patient feedback rows over the year (fewer in February and on weekends, mostly in
  daytime), nearly all on clinical departments, ratings mostly 5 and 4, 1.5% invalid, a third
  naming a doctor or nurse; ``local_date`` is the Asia/Shanghai date of ``at``, rows are inserted
  in time order like a live system.

PostgreSQL gets the rows through COPY (psycopg); other databases through ``bulk_create``.
"""

import argparse
import itertools
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from common import database_label, database_size, megabytes, require_bench_database
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from wenming.feedback.models import Feedback
from wenming.org import demo
from wenming.org.models import (
    Department,
    DepartmentCategory,
    Gender,
    Hospital,
    PartyOrganization,
    PartyOrgKind,
    Role,
    RoleAssignment,
    Staff,
    StaffStatus,
)
from wenming.org.services import department_refresh_paths, name_index, role_grant
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

HOSPITAL_NAME = "滨江市中心医院（基准测试）"
TIME_ZONE = "Asia/Shanghai"
MONTH_STANDARD = "WMKS-M-2026"
QUARTER_STANDARD = "WMKS-Q-2026"
OFFICE_USER = "bench_office"
HEAD_USER = "bench_head"

C, M, N, A = (
    DepartmentCategory.CLINICAL,
    DepartmentCategory.MEDTECH,
    DepartmentCategory.NURSING,
    DepartmentCategory.ADMIN,
)
# Shares of the departments by category in a large general hospital.
CATEGORY_SHARES = {C: 0.58, M: 0.12, N: 0.05, A: 0.25}


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Clinical specialties, the ones most likely to have wards first.
CLINICAL_NAMES = words(
    "心血管内科 普外科 骨科 神经内科 呼吸与危重症医学科 消化内科 妇产科 儿科 肿瘤内科 神经外科 肾内科 "
    "内分泌科 泌尿外科 心胸外科 肝胆外科 胃肠外科 血液科 老年医学科 感染科 重症医学科 急诊科 风湿免疫科 "
    "甲状腺乳腺外科 血管外科 脊柱外科 手足外科 烧伤整形科 新生儿科 小儿外科 眼科 耳鼻咽喉科 口腔科 皮肤科 "
    "麻醉科 疼痛科 康复医学科 中医科 针灸推拿科 精神心理科 全科医学科 生殖医学科 肛肠外科 睡眠医学科 "
    "职业病科 放射治疗科 介入血管科 运动医学科 变态反应科 临床心理科 日间病房"
)
MEDTECH_NAMES = words(
    "医学影像科 检验科 超声医学科 药学部 病理科 核医学科 输血科 心电诊断科 内镜中心 介入诊疗中心 临床营养科 "
    "功能检查科 健康管理中心 高压氧治疗中心 静脉用药调配中心 康复治疗部 医学遗传科 神经电生理室 放疗物理室 "
    "临床药学室"
)
NURSING_NAMES = words(
    "护理部 手术室 消毒供应中心 血液净化中心 门诊护理部 急诊护理单元 日间手术中心 静脉治疗护理中心 "
    "伤口造口护理门诊 助产士门诊"
)
ADMIN_NAMES = words(
    "门诊部 院办公室 党委办公室 精神文明建设办公室 医务部 人力资源部 财务部 后勤保障部 信息中心 纪检监察室 "
    "质量管理办公室 医院感染管理科 科教部 医学装备部 总务科 保卫科 审计科 宣传科 工会办公室 团委 医保办公室 "
    "病案统计室 招标采购中心 运营管理部 基建办公室 预防保健科 医患关系办公室 客户服务中心 离退休工作办公室 "
    "档案室 对外合作办公室 规划发展部 法务办公室 物资供应科 膳食科 绩效考核办公室 国有资产管理办公室 "
    "学术期刊编辑部 药事管理办公室 社会工作部"
)
CN_NUMBERS = "一二三四五六七八九十"
# Medical-technology departments whose staff are half doctors (and whose patients rate them).
IMAGING_WORDS = ("影像", "超声", "核医学", "病理", "心电", "内镜", "介入", "放疗", "功能", "电生理")
PATIENT_FACING_MEDTECH = ("影像", "检验", "超声", "药学", "内镜", "健康管理")
PATIENT_FACING_ADMIN = {"门诊部": 3.0, "客户服务中心": 1.0, "医患关系办公室": 0.6, "预防保健科": 0.5}
# Where the findings' inspectors (assessors) work.
INSPECTOR_DEPARTMENTS = ("精神文明建设办公室", "医务部", "护理部", "质量管理办公室", "纪检监察室")

# Department kinds: a specialty with wards under it, a ward, a specialty without wards, and the rest.
PARENT, WARD, SPECIALTY, MEDTECH, NURSING, ADMIN = "parent", "ward", "specialty", "medtech", "nursing", "admin"
# Relative weights by kind: staff size, patient feedback, findings.
STAFF_WEIGHT = {PARENT: 6, WARD: 36, SPECIALTY: 30, MEDTECH: 25, NURSING: 15, ADMIN: 8}
FINDING_WEIGHT = {PARENT: 0.5, WARD: 1.0, SPECIALTY: 1.0, MEDTECH: 0.7, NURSING: 0.6, ADMIN: 0.3}

# WMKS-M-2026 deduction codes and how often each is found: everyday lapses far more than serious ones.
FINDING_CODES = {
    "D1a": 30,  # 未佩戴工作牌（每人次）
    "E2": 24,  # 物品摆放不规范（每次巡查）
    "D3b": 20,  # 病历书写不规范（每份）
    "B1": 18,  # 无故缺席学习（每人次）
    "D2a": 8,  # 未使用文明用语
    "E1": 6,  # 科室环境脏乱
    "C4": 5,  # 抗生素使用不合理
    "A1b": 4,  # 创建活动无记录
    "D3a": 3,  # 查房无记录
    "E3": 2,  # 吸烟或未制止吸烟
    "A1c": 2,  # 目标任务未分解到人
    "C1": 1.5,  # 服务态度生硬被投诉查实
    "B2": 1,  # 未开展道德讲堂
    "D2b": 1,  # 首诊负责制落实不到位
    "A1a": 0.8,  # 未制定月度创建计划
    "D1b": 0.5,  # 岗位承诺未公示
    "C2": 0.3,  # 不合理检查、用药、收费
    "C3": 0.05,  # 收受红包回扣
}
FINDING_COUNTS = {1: 88, 2: 9, 3: 2, 4: 1}
FINDING_STATUS = {RecordStatus.COUNTS: 96, RecordStatus.VOIDED: 2.5, RecordStatus.PENDING: 1.5}
BONUS_CODES = {"F1": 80, "F3": 17, "F2": 3}
VETO_CODES = {"V1": 4, "V2": 3, "V3": 3}
BONUS_SHARE = 0.06  # bonuses per finding
FINDINGS_PER_VETO = 10_000
MANUAL_SHARE = 0.96  # department-months with the A2 mark entered
QUARTER_MANUAL_SHARE = 0.95
INVALID_SHARE = 0.015
NAMED_STAFF_SHARE = 0.35
COMMENT_SHARE = 0.04
LEFT_SHARE = 0.015

# Busy and quiet months (Spring Festival in February, the 学雷锋 campaign in March …).
FEEDBACK_MONTHS = (0.85, 0.7, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 0.95, 1.0, 1.0)
FINDING_MONTHS = (0.8, 0.6, 1.2, 1.0, 1.0, 1.1, 0.9, 0.9, 1.0, 0.9, 1.2, 1.0)
# Weekday weights (Monday first) for feedback and for inspections.
FEEDBACK_WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.35)
FINDING_WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.05)
# Local hour of the day a patient gives feedback (nights are quiet but not empty).
FEEDBACK_HOURS = (
    *(0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 4, 6, 6, 5),  # 0–11
    *(2, 2, 4, 5, 4, 3, 2, 1.5, 1.2, 0.8, 0.5, 0.3),  # 12–23
)
COMMENTS = {
    5: ("医生很耐心，解释得很清楚", "护士态度好，服务周到", "感谢医护人员的悉心照顾", "环境干净整洁"),
    4: ("总体满意", "医生专业，就是等候时间有点长", "服务不错"),
    3: ("总体还可以", "流程可以再简化", "候诊区有点拥挤"),
    2: ("排队等候时间太长", "医生问诊太匆忙", "病房卫生有待改进"),
    1: ("服务态度差", "收费项目解释不清", "多次沟通没有结果"),
}


@dataclass
class Dept:
    code: str
    name: str
    category: str
    kind: str
    parent: "Dept | None"
    care: float  # < 0: careful, > 0: sloppy (standard normal)
    staff_weight: float = 0.0
    feedback_weight: float = 0.0
    finding_weight: float = 0.0
    satisfied: float = 0.95  # chance that a patient rates 4 or 5
    sort_order: int = 0
    path: str = ""
    pk: int = 0
    staff: list[int] = field(default_factory=list)  # pks of active staff who see patients


# --- Small helpers ------------------------------------------------------------------------------
def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each ≥ minimum
    when the total allows it."""
    if not weights:
        return []
    floor_each = minimum if total >= minimum * len(weights) else 0
    rest = total - floor_each * len(weights)
    scale = sum(weights) or 1.0
    exact = [rest * w / scale for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [floor_each + s for s in shares]


def batched(rows, size: int):
    """itertools.batched (Python 3.12) for Python 3.11."""
    iterator = iter(rows)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, table: dict, k: int) -> list:
    return rng.choices(list(table), weights=list(table.values()), k=k)


def unique_names(pool: list[str], count: int) -> list[str]:
    """The first ``count`` names of the pool; past its end, second branches (…（二部）)."""
    names = []
    for i in range(count):
        base, round_ = pool[i % len(pool)], i // len(pool)
        names.append(base if round_ == 0 else f"{base}（第{round_ + 1}部）")
    return names


def ward_name(specialty: str, number: int) -> str:
    numeral = CN_NUMBERS[number - 1] if number <= 10 else str(number)
    return f"{specialty}{numeral}病区"


class Timer:
    """Collects (step, rows, seconds) and prints each step as it ends."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int, float]] = []

    def run(self, label: str, function, *args, **kwargs):
        started = time.perf_counter()
        rows = function(*args, **kwargs)
        elapsed = time.perf_counter() - started
        self.steps.append((label, rows, elapsed))
        print(f"  {label:<28} {rows:>10,} rows {elapsed:8.1f} s", flush=True)
        return rows


# --- Bulk loading ---------------------------------------------------------------------------------
def load_rows(model: type[models.Model], columns: list[str], rows, *, chunk: int = 20_000) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, attribute names such as
    ``department_id``): COPY on PostgreSQL, bulk_create elsewhere. Returns how many."""
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, rows)
    count = 0
    for batch in batched(rows, chunk):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch], batch_size=2000)
        count += len(batch)
    return count


def _copy_rows(model: type[models.Model], columns: list[str], rows) -> int:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[c].column) for c in columns)
    json_columns = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for i in json_columns:
                    row[i] = _json_text(row[i])
            copy.write_row(row)
            count += 1
    return count


def _json_text(value) -> str:
    import json

    return "{}" if value == {} else json.dumps(value, ensure_ascii=False)


# --- The organisation -----------------------------------------------------------------------------
def plan_departments(count: int, rng: random.Random) -> list[Dept]:
    """The department tree in directory order (each specialty followed by its wards)."""
    by_category = dict(zip(CATEGORY_SHARES, apportion(count, list(CATEGORY_SHARES.values())), strict=True))
    clinical = by_category[C]
    specialties = min(len(CLINICAL_NAMES), max(1, round(clinical * 0.5))) if clinical else 0
    ward_total = clinical - specialties
    parents = min(specialties, max(1, round(ward_total / 2.5))) if ward_total else 0
    wards_of = [0] * specialties
    for i in range(ward_total):
        wards_of[i % parents] += 1

    top: list[tuple[str, str, str, int]] = []  # (name, category, kind, wards)
    for i, name in enumerate(unique_names(CLINICAL_NAMES, specialties)):
        top.append((name, C, PARENT if wards_of[i] else SPECIALTY, wards_of[i]))
    for names, category, kind in (
        (MEDTECH_NAMES, M, MEDTECH),
        (NURSING_NAMES, N, NURSING),
        (ADMIN_NAMES, A, ADMIN),
    ):
        top.extend((name, category, kind, 0) for name in unique_names(names, by_category[category]))

    width = max(3, len(str(len(top))))
    departments: list[Dept] = []
    for i, (name, category, kind, wards) in enumerate(top, start=1):
        dept = Dept(code=f"D{i:0{width}d}", name=name, category=category, kind=kind, parent=None, care=rng.gauss(0, 1))
        departments.append(dept)
        for w in range(1, wards + 1):
            departments.append(
                Dept(
                    code=f"{dept.code}{w:02d}",
                    name=ward_name(name, w),
                    category=C,
                    kind=WARD,
                    parent=dept,
                    # A ward shares some of its specialty's habits.
                    care=0.5 * dept.care + 0.87 * rng.gauss(0, 1),
                )
            )
    for order, dept in enumerate(departments, start=1):
        dept.sort_order = order
        dept.path = f"{dept.parent.path if dept.parent else ''}{dept.code}/"
        dept.staff_weight = STAFF_WEIGHT[dept.kind] * rng.uniform(0.7, 1.3)
        # Findings pile up in the sloppy departments (and there hit the items' caps, 扣完为止).
        dept.finding_weight = FINDING_WEIGHT[dept.kind] * math.exp(1.4 * dept.care) * rng.uniform(0.8, 1.2)
        dept.feedback_weight = _feedback_weight(dept, rng)
        dept.satisfied = min(0.995, max(0.85, 0.948 - 0.018 * dept.care + rng.gauss(0, 0.01)))
    return departments


def _feedback_weight(dept: Dept, rng: random.Random) -> float:
    """How many patients rate a department, relative to the others."""
    spread = math.exp(rng.gauss(0, 0.3))
    if dept.kind == WARD:
        return 10 * spread
    if dept.kind == SPECIALTY:
        return 12 * spread
    if dept.kind == PARENT:
        return 3 * spread  # its outpatient clinic; the beds are in the wards
    if dept.kind == MEDTECH:
        return (4 if any(word in dept.name for word in PATIENT_FACING_MEDTECH) else 1.2) * spread
    if dept.kind == NURSING:
        return 1.0 * spread
    base_name = dept.name.split("（")[0]
    # Administrative offices: a patient rarely rates them, so many fall short of the 30 responses.
    return PATIENT_FACING_ADMIN.get(base_name, rng.uniform(0.01, 0.25)) * spread


def create_hospital() -> int:
    defaults = {"name": HOSPITAL_NAME, "short_name": "滨江中心", "time_zone": TIME_ZONE}
    Hospital.objects.update_or_create(pk=1, defaults=defaults)
    return 1


def create_departments(departments: list[Dept]) -> int:
    """Level by level (parents get their pk first); paths and depths as the services form them."""
    for depth in sorted({d.path.count("/") - 1 for d in departments}):
        level = [d for d in departments if d.path.count("/") - 1 == depth]
        rows = Department.objects.bulk_create(
            [
                Department(
                    code=d.code,
                    name=d.name,
                    category=d.category,
                    parent_id=d.parent.pk if d.parent else None,
                    sort_order=d.sort_order,
                    path=d.path,
                    depth=depth,
                )
                for d in level
            ]
        )
        for dept, row in zip(level, rows, strict=True):
            dept.pk = row.pk
    changed = department_refresh_paths()
    if changed:
        raise RuntimeError(f"{changed} department paths differed from what the services compute")
    return len(departments)


def create_party(departments: list[Dept]) -> tuple[int, dict[str, int]]:
    """党委 → a general branch per category → a branch per four top-level departments.
    Returns the rows made and, per department code, the pk of its branch."""
    committee = PartyOrganization.objects.create(code="P01", name="医院党委", kind=PartyOrgKind.COMMITTEE)
    general_names = {C: "临床党总支", M: "医技党总支", N: "护理党总支", A: "机关党总支"}
    generals = {}
    for i, (category, name) in enumerate(general_names.items(), start=1):
        generals[category] = PartyOrganization.objects.create(
            code=f"P01{i:02d}", name=name, kind=PartyOrgKind.GENERAL_BRANCH, parent=committee, sort_order=i
        )
    branch_of: dict[str, int] = {}
    made = 1 + len(generals)
    for category, general in generals.items():
        tops = [d for d in departments if d.parent is None and d.category == category]
        for number, group in enumerate(batched(tops, 4), start=1):
            branch = PartyOrganization.objects.create(
                code=f"{general.code}{number:02d}",
                name=f"{general.name.removesuffix('党总支')}第{number}党支部",
                kind=PartyOrgKind.BRANCH,
                parent=general,
                sort_order=number,
            )
            made += 1
            for top in group:
                for dept in departments:
                    if dept is top or dept.parent is top:
                        branch_of[dept.code] = branch.pk
    return made, branch_of


def _posts_for(dept: Dept, size: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(post, title, kind) for each person; the department's head first."""
    people: list[tuple[str, str, str]] = []

    def add(post: str, series, weights, kind: str, n: int = 1) -> None:
        for _i in range(max(0, min(n, size - len(people)))):
            people.append((post, demo._pick(rng, series, weights), kind))

    def rest() -> int:
        return size - len(people)

    if dept.kind in (PARENT, SPECIALTY):
        add("科主任", demo.DOCTOR, demo.HEAD_WEIGHTS, "doctor")
        add("副主任", demo.DOCTOR, demo.DEPUTY_WEIGHTS, "doctor", 2 if size >= 16 or dept.kind == PARENT else 1)
        if dept.kind == PARENT:
            add("医师", demo.DOCTOR, demo.DOCTOR_WEIGHTS, "doctor", rest())
        else:
            add("护士长", demo.NURSE, demo.HEAD_NURSE_WEIGHTS, "nurse")
            add("医师", demo.DOCTOR, demo.DOCTOR_WEIGHTS, "doctor", round(rest() * 0.4))
            add("护士", demo.NURSE, demo.NURSE_WEIGHTS, "nurse", rest())
    elif dept.kind == WARD:
        add("护士长", demo.NURSE, demo.HEAD_NURSE_WEIGHTS, "nurse")
        add("医师", demo.DOCTOR, demo.DOCTOR_WEIGHTS, "doctor", round(rest() * 0.35))
        add("护士", demo.NURSE, demo.NURSE_WEIGHTS, "nurse", rest())
    elif dept.kind == MEDTECH:
        if "药" in dept.name:
            add("科主任", demo.PHARM, demo.HEAD_WEIGHTS, "pharm")
            add("副主任", demo.PHARM, demo.DEPUTY_WEIGHTS, "pharm")
            add("药师", demo.PHARM, demo.PHARM_WEIGHTS, "pharm", rest())
        elif any(word in dept.name for word in IMAGING_WORDS):
            add("科主任", demo.DOCTOR, demo.HEAD_WEIGHTS, "doctor")
            add("副主任", demo.DOCTOR, demo.DEPUTY_WEIGHTS, "doctor")
            add("医师", demo.DOCTOR, demo.DOCTOR_WEIGHTS, "doctor", rest() // 2)
            add("技师", demo.TECH, demo.TECH_WEIGHTS, "tech", rest())
        else:
            add("科主任", demo.TECH, demo.HEAD_WEIGHTS, "tech")
            add("副主任", demo.TECH, demo.DEPUTY_WEIGHTS, "tech")
            add("技师", demo.TECH, demo.TECH_WEIGHTS, "tech", rest())
    elif dept.kind == NURSING:
        if dept.name.startswith("护理部"):
            add("主任", demo.NURSE, demo.HEAD_WEIGHTS, "nurse")
            add("副主任", demo.NURSE, demo.DEPUTY_WEIGHTS, "nurse")
            add("干事", demo.NURSE, (0, 0.4, 0.6), "nurse", rest())
        else:
            add("护士长", demo.NURSE, demo.HEAD_NURSE_WEIGHTS, "nurse")
            add("护士", demo.NURSE, demo.NURSE_WEIGHTS, "nurse", rest())
    else:
        series = demo.ADMIN_SERIES["political" if "党" in dept.name or "文明" in dept.name else "economics"]
        add("主任", series, (0.6, 0.4), "admin")
        if size >= 5:
            add("副主任", series, (0.4, 0.6), "admin")
        if size >= 7:
            add("科长", series, (0.2, 0.8), "admin")
        add("科员", series, demo.ADMIN_WEIGHTS, "admin", rest() - rest() // 2)
        add("干事", series, demo.ADMIN_WEIGHTS, "admin", rest())
    return people


MALE_SHARE = {"doctor": 0.55, "nurse": 0.06, "tech": 0.5, "pharm": 0.35, "admin": 0.45}
PATIENT_POSTS = frozenset({"科主任", "副主任", "医师", "护士长", "护士", "技师", "药师"})


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    chars = demo.MALE_CHARS if gender == Gender.MALE else demo.FEMALE_CHARS
    surname_cum = cumulative(1 / (i + 8) for i in range(len(demo.SURNAMES)))
    while True:
        surname = rng.choices(demo.SURNAMES, cum_weights=surname_cum)[0]
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        name = surname + given
        if name not in taken or len(taken) > 200_000:
            taken.add(name)
            return name


def create_staff(departments: list[Dept], total: int, branch_of: dict[str, int], year: int, rng: random.Random) -> int:
    sizes = apportion(total, [d.staff_weight for d in departments], minimum=3)
    names: set[str] = set()
    phones: set[str] = set()
    rows: list[Staff] = []
    owners: list[tuple[Dept, str]] = []
    for dept, size in zip(departments, sizes, strict=True):
        for post, title, kind in _posts_for(dept, size, rng):
            gender = Gender.MALE if rng.random() < MALE_SHARE[kind] else Gender.FEMALE
            name = _name(rng, gender, names)
            initials, pinyin = name_index(name)
            while True:
                phone = rng.choice(demo.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                if phone not in phones:
                    phones.add(phone)
                    break
            party = rng.random() < demo.PARTY_SHARE.get(post, demo.PARTY_SHARE_DEFAULT)
            left = post in ("医师", "护士", "技师", "药师", "科员", "干事") and rng.random() < LEFT_SHARE
            rows.append(
                Staff(
                    staff_no=f"B{len(rows) + 1:05d}",
                    name=name,
                    name_initials=initials,
                    name_pinyin=pinyin,
                    gender=gender,
                    department_id=dept.pk,
                    title=title,
                    post=post,
                    is_party_member=party,
                    party_branch_id=branch_of.get(dept.code) if party else None,
                    phone=phone,
                    status=StaffStatus.LEFT if left else StaffStatus.ACTIVE,
                    left_on=date(year - 1, 1, 1) + timedelta(days=rng.randrange(365)) if left else None,
                )
            )
            owners.append((dept, post))
    Staff.objects.bulk_create(rows, batch_size=1000)
    heads: dict[int, Department] = {}
    for (dept, post), staff in zip(owners, rows, strict=True):
        if staff.status == StaffStatus.ACTIVE and post in PATIENT_POSTS:
            dept.staff.append(staff.pk)
        if dept.pk not in heads:  # the first person of a department is its head
            heads[dept.pk] = Department(pk=dept.pk, head_id=staff.pk)
    Department.objects.bulk_update(list(heads.values()), ["head"], batch_size=500)
    return len(rows)


def head_department(departments: list[Dept]) -> Dept:
    """The department bench_head leads: the first specialty with wards (else the first clinical one)."""
    return next((d for d in departments if d.kind == PARENT), None) or next(d for d in departments if d.category == C)


def create_accounts(departments: list[Dept]) -> int:
    """bench_office (文明办) and bench_head (head of the first specialty with wards), no password:
    the benchmark logs them in with force_login."""
    User = get_user_model()
    office_dept = next((d for d in departments if d.name == "精神文明建设办公室"), None) or next(
        d for d in departments if d.category == A
    )
    head_dept = head_department(departments)
    made = 0
    for username, role, dept in ((OFFICE_USER, Role.OFFICE, office_dept), (HEAD_USER, Role.DEPARTMENT_HEAD, head_dept)):
        user = User(username=username, is_active=True)
        user.set_unusable_password()
        user.save()
        Staff.objects.filter(pk=Department.objects.values_list("head_id", flat=True).get(pk=dept.pk)).update(user=user)
        heads = [Department.objects.get(pk=dept.pk)] if role == Role.DEPARTMENT_HEAD else []
        role_grant(by=None, user=user, role=role, departments=heads)
        made += 1
    return made


# --- Records ----------------------------------------------------------------------------------------
RECORD_COLUMNS = [
    "kind",
    "standard_id",
    "department_id",
    "code",
    "date",
    "period_key",
    "count",
    "value",
    "note",
    "assessor_id",
    "status",
    "entered_by_id",
    "created_at",
    "updated_at",
    "version",
    "decided_by_id",
    "decided_at",
    "reason",
]


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return [first + timedelta(days=i) for i in range((end - first).days)]


def spread_over_months(
    total: int, weights: list[float], months: tuple[float, ...], rng: random.Random
) -> list[list[int]]:
    """counts[d][m]: ``total`` over departments × 12 months, with ±30% noise per cell."""
    cells = [w * mw * rng.uniform(0.7, 1.3) for w in weights for mw in months]
    flat = apportion(total, cells)
    return [flat[i * 12 : (i + 1) * 12] for i in range(len(weights))]


def dated_records(
    *,
    kind: str,
    total: int,
    codes: dict,
    departments: list[Dept],
    weights: list[float],
    year: int,
    standard_id: int,
    office_id: int,
    assessors: list[int],
    rng: random.Random,
    counts: dict | None = None,
    statuses: dict | None = None,
    note: str = "",
):
    """Findings, bonuses or vetoes dated on (mostly) working days, yielded in date order per month."""
    now = timezone.now()
    cells = spread_over_months(total, weights, FINDING_MONTHS, rng)
    count_values = list(counts or {1: 1})
    count_cum = cumulative((counts or {1: 1}).values())
    status_values = list(statuses or {RecordStatus.COUNTS: 1})
    status_cum = cumulative((statuses or {RecordStatus.COUNTS: 1}).values())
    code_values, code_cum = list(codes), cumulative(codes.values())
    for month in range(1, 13):
        days = month_days(year, month)
        day_cum = cumulative(FINDING_WEEKDAYS[d.weekday()] for d in days)
        rows = []
        for dept, per_month in zip(departments, cells, strict=True):
            n = per_month[month - 1]
            if not n:
                continue
            picked_days = rng.choices(days, cum_weights=day_cum, k=n)
            picked_codes = rng.choices(code_values, cum_weights=code_cum, k=n)
            picked_counts = rng.choices(count_values, cum_weights=count_cum, k=n)
            picked_status = rng.choices(status_values, cum_weights=status_cum, k=n)
            for day, code, count, status in zip(picked_days, picked_codes, picked_counts, picked_status, strict=True):
                decided = status == RecordStatus.VOIDED
                rows.append(
                    (
                        kind,
                        standard_id,
                        dept.pk,
                        code,
                        day,
                        "",
                        count,
                        None,
                        note,
                        rng.choice(assessors) if assessors else None,
                        status,
                        office_id,
                        now,
                        now,
                        1,
                        office_id if decided else None,
                        now if decided else None,
                        "申诉成立，予以撤销" if decided else "",
                    )
                )
        rows.sort(key=itemgetter(4))
        yield from rows


def manual_records(
    *,
    departments: list[Dept],
    keys: list[str],
    code: str,
    points: float,
    share: float,
    standard_id: int,
    office_id: int,
    rng: random.Random,
):
    """Leadership marks (0.5 steps) for most departments and periods, by one to three members."""
    now = timezone.now()
    for key in keys:
        for dept in departments:
            if rng.random() >= share:
                continue  # not entered yet: the result stays pending
            mean = points * (0.92 - 0.04 * dept.care)
            for _i in range(rng.choices((1, 2, 3), weights=(75, 20, 5))[0]):
                mark = min(points, max(points * 0.45, round((mean + rng.gauss(0, points * 0.06)) * 2) / 2))
                yield (
                    RecordKind.MANUAL, standard_id, dept.pk, code, None, key, 1, Decimal(f"{mark:.2f}"), "",
                    None, RecordStatus.COUNTS, office_id, now, now, 1, None, None, "",
                )  # fmt: skip


def create_records(departments: list[Dept], *, findings: int, year: int, rng: random.Random) -> dict[str, int]:
    month_id = Standard.objects.get(code=MONTH_STANDARD).pk
    quarter_id = Standard.objects.get(code=QUARTER_STANDARD).pk
    office_id = get_user_model().objects.get(username=OFFICE_USER).pk
    assessors = list(
        Staff.objects.filter(department__name__in=INSPECTOR_DEPARTMENTS, status=StaffStatus.ACTIVE)
        .order_by("staff_no")
        .values_list("pk", flat=True)[:20]
    )
    finding_weights = [d.finding_weight for d in departments]
    # Commendations follow patients (clinical departments), vetoes the sloppy departments.
    bonus_weights = [d.feedback_weight * math.exp(-0.3 * d.care) for d in departments]
    common = {"departments": departments, "year": year, "standard_id": month_id, "office_id": office_id}
    made: dict[str, int] = {}
    started = time.perf_counter()
    made["findings"] = load_rows(
        Record,
        RECORD_COLUMNS,
        dated_records(
            kind=RecordKind.FINDING, total=findings, codes=FINDING_CODES, weights=finding_weights,
            assessors=assessors, rng=rng, counts=FINDING_COUNTS, statuses=FINDING_STATUS, **common,
        ),
    )  # fmt: skip
    made["bonuses"] = load_rows(
        Record,
        RECORD_COLUMNS,
        dated_records(
            kind=RecordKind.BONUS, total=round(findings * BONUS_SHARE), codes=BONUS_CODES, weights=bonus_weights,
            assessors=[], rng=rng, counts={1: 9, 2: 1}, **common,
        ),
    )  # fmt: skip
    made["vetoes"] = load_rows(
        Record,
        RECORD_COLUMNS,
        dated_records(
            kind=RecordKind.VETO, total=max(1, round(findings / FINDINGS_PER_VETO)), codes=VETO_CODES,
            weights=finding_weights, assessors=[], rng=rng, note="经调查核实", **common,
        ),
    )  # fmt: skip
    made["manual (A2, months)"] = load_rows(
        Record,
        RECORD_COLUMNS,
        manual_records(
            departments=departments, keys=[f"{year}-{m:02d}" for m in range(1, 13)], code="A2", points=9,
            share=MANUAL_SHARE, standard_id=month_id, office_id=office_id, rng=rng,
        ),
    )  # fmt: skip
    made["manual (L, quarters)"] = load_rows(
        Record,
        RECORD_COLUMNS,
        manual_records(
            departments=departments, keys=[f"{year}-Q{q}" for q in range(1, 5)], code="L", points=15,
            share=QUARTER_MANUAL_SHARE, standard_id=quarter_id, office_id=office_id, rng=rng,
        ),
    )  # fmt: skip
    made["_seconds"] = time.perf_counter() - started
    return made


# --- Feedback ----------------------------------------------------------------------------------------
FEEDBACK_COLUMNS = [
    "department_id",
    "staff_id",
    "at",
    "local_date",
    "overall",
    "answers",
    "comment",
    "is_valid",
    "created_at",
    # No database defaults for these (COPY names every column it fills).
    "channel",
    "client_key",
    "flag_reasons",
    "review_status",
]


def rating_cum(satisfied: float) -> list[float]:
    """Cumulative weights of ratings 5, 4, 3, 2, 1: most satisfied patients give 5."""
    unsatisfied = 1 - satisfied
    return cumulative((satisfied * 0.82, satisfied * 0.18, unsatisfied * 0.55, unsatisfied * 0.25, unsatisfied * 0.2))


def feedback_month(departments: list[Dept], counts: list[int], year: int, month: int, rng: random.Random) -> list:
    """One month's feedback rows, in time order."""
    zone = ZoneInfo(TIME_ZONE)
    days = month_days(year, month)
    day_cum = cumulative(FEEDBACK_WEEKDAYS[d.weekday()] for d in days)
    hour_cum = cumulative(FEEDBACK_HOURS)
    midnight = {d: datetime(d.year, d.month, d.day, tzinfo=zone) for d in days}
    hours = range(24)
    rows = []
    for dept, n in zip(departments, counts, strict=True):
        if not n:
            continue
        picked_days = rng.choices(days, cum_weights=day_cum, k=n)
        picked_hours = rng.choices(hours, cum_weights=hour_cum, k=n)
        ratings = rng.choices((5, 4, 3, 2, 1), cum_weights=rating_cum(dept.satisfied), k=n)
        named = dept.staff
        for day, hour, overall in zip(picked_days, picked_hours, ratings, strict=True):
            # Local wall-clock time on that day (Shanghai keeps no summer time), stored as aware.
            at = midnight[day] + timedelta(seconds=hour * 3600 + rng.randrange(3600))
            staff = rng.choice(named) if named and rng.random() < NAMED_STAFF_SHARE else None
            comment = rng.choice(COMMENTS[overall]) if rng.random() < COMMENT_SHARE else ""
            valid = rng.random() >= INVALID_SHARE
            rows.append((dept.pk, staff, at, day, overall, {}, comment, valid, at, "qr", "", [], ""))
    rows.sort(key=itemgetter(2))
    return rows


def create_feedback(departments: list[Dept], total: int, year: int, rng: random.Random) -> int:
    cells = spread_over_months(total, [d.feedback_weight for d in departments], FEEDBACK_MONTHS, rng)
    made = 0
    for month in range(1, 13):
        started = time.perf_counter()
        rows = feedback_month(departments, [per_month[month - 1] for per_month in cells], year, month, rng)
        generated = time.perf_counter() - started
        with transaction.atomic():
            made += load_rows(Feedback, FEEDBACK_COLUMNS, rows)
        print(
            f"    {year}-{month:02d}: {len(rows):>9,} rows (generate {generated:.1f} s, "
            f"insert {time.perf_counter() - started - generated:.1f} s)",
            flush=True,
        )
    return made


# --- Checks and the command ---------------------------------------------------------------------
def check_local_dates(rng: random.Random, sample: int = 5000) -> int:
    """``local_date`` is the Asia/Shanghai date of ``at``, on a sample of rows read back."""
    from django.db.models import Max, Min

    from wenming.scoring.periods import local_date

    bounds = Feedback.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    pks = [rng.randint(bounds["low"], bounds["high"]) for _i in range(sample)]
    rows = list(Feedback.objects.filter(pk__in=pks).only("at", "local_date"))
    wrong = [f.pk for f in rows if local_date(f.at, TIME_ZONE) != f.local_date]
    if wrong:
        raise RuntimeError(f"feedback rows with a wrong local_date: {wrong[:10]}")
    return len(rows)


def vacuum_analyze() -> int:
    """What autovacuum does after a big load (planner statistics, the visibility map that lets
    index-only scans skip the table); the test server this was written on runs with autovacuum off."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return 0


def has_data() -> list[str]:
    checks = {
        "hospital": Hospital.objects,
        "departments": Department.objects,
        "staff": Staff.objects,
        "records": Record.objects,
        "feedback": Feedback.objects,
        "login accounts": get_user_model().objects,
        "role assignments": RoleAssignment.objects,
    }
    return [name for name, manager in checks.items() if manager.exists()]


def summary_of_sizes() -> list[tuple[str, str]]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_total_relation_size(relid) FROM pg_catalog.pg_statio_user_tables "
            "ORDER BY 2 DESC LIMIT 6"
        )
        return [(name, megabytes(size)) for name, size in cursor.fetchall()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--departments", type=int, default=150)
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--feedback", type=int, default=2_000_000)
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty the (benchmark) database first")
    args = parser.parse_args(argv)
    if args.departments < 4 or args.staff < 3 * args.departments:
        parser.error("give at least 4 departments and 3 staff per department")

    require_bench_database()
    print(f"Database: {database_label()}")
    present = has_data()
    if present and not args.reset:
        print(f"Refusing to run: the database already holds {', '.join(present)}. Use --reset to empty it first.")
        sys.exit(2)

    rng = random.Random(args.seed)
    timer = Timer()
    started = time.perf_counter()
    if args.reset:
        timer.run("reset (flush)", lambda: call_command("flush", interactive=False, verbosity=0) or 0)
    departments = plan_departments(args.departments, rng)
    with transaction.atomic():
        timer.run("hospital", create_hospital)
        timer.run("departments", create_departments, departments)
        party_rows, branch_of = create_party(departments)
        timer.steps.append(("party organisations", party_rows, 0.0))
        timer.run("staff", create_staff, departments, args.staff, branch_of, args.year, rng)
        timer.run("login accounts", create_accounts, departments)
        timer.run("standards", lambda: len(load_example_standards()))
    with transaction.atomic():
        records = create_records(departments, findings=args.findings, year=args.year, rng=rng)
    seconds = records.pop("_seconds")
    for label, rows in records.items():
        print(f"  records: {label:<19} {rows:>10,} rows")
    timer.steps.append(("records", sum(records.values()), seconds))
    print(f"  {'records':<28} {sum(records.values()):>10,} rows {seconds:8.1f} s", flush=True)
    print("  feedback:")
    timer.run("feedback", create_feedback, departments, args.feedback, args.year, rng)
    if connection.vendor == "postgresql":
        timer.run("VACUUM (ANALYZE)", vacuum_analyze)
    checked = check_local_dates(random.Random(args.seed))
    print(f"  local_date checked against at (Asia/Shanghai) on {checked:,} rows read back: all right")

    total = time.perf_counter() - started
    categories = Counter(d.category for d in departments)
    rows_made = sum(rows for label, rows, _s in timer.steps if label not in ("VACUUM (ANALYZE)", "reset (flush)"))
    print()
    print(
        f"Done in {total:.0f} s: {len(departments)} departments "
        f"({', '.join(f'{k} {v}' for k, v in categories.items())}), "
        f"{rows_made:,} rows in all."
    )
    print(f"Database size: {megabytes(database_size())}")
    for name, size in summary_of_sizes():
        print(f"  {name:<32} {size:>10}")
    head = head_department(departments)
    print(f"Accounts for the page benchmark: {OFFICE_USER} (文明办), {HEAD_USER} (head of {head.name} {head.code})")


if __name__ == "__main__":
    main()
