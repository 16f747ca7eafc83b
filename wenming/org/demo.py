"""The demo hospital: a fictional 三级甲等 general hospital with ~50 departments, ~600 staff, its
party organisation and one login account per role. Used by ``manage.py load_demo`` (``make demo``).

Everything is generated from fixed tables and ``random.Random(2026)``, so every run yields the same
people. Loading is idempotent: rows are keyed by department code, staff number, party
organisation code and username; a run creates what is missing, puts demo rows that were changed back
to their demo values, and leaves every other row alone. A second run changes nothing.

The demo password is for demonstrations only. ``load_demo`` refuses to run on a database whose
organisation it did not create (a real hospital's), unless forced.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from wenming.core.audit import audit_log
from wenming.core.models import AuditEntry

from . import services
from .models import (
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
from .selectors import hospital_forget

# For the demo only: documented in README.md and printed by load_demo. Never a real hospital's.
DEMO_PASSWORD = "Wenming2026"  # noqa: S105
SEED = 2026
# The one audit entry a load writes; also how load_demo recognises a database it set up.
AUDIT_ACTION = "org.import.completed"
AUDIT_TARGET = "demo hospital"

HOSPITAL = {"name": "江城市第一人民医院", "short_name": "江城一院", "time_zone": "Asia/Shanghai"}

C, M, N, A = (
    DepartmentCategory.CLINICAL,
    DepartmentCategory.MEDTECH,
    DepartmentCategory.NURSING,
    DepartmentCategory.ADMIN,
)

# --- Party organisation: 医院党委 → 党总支 → 党支部 ----------------------------------------
# (code, name, kind, parent code)
PARTY_ORGS: list[tuple[str, str, str, str | None]] = [
    ("P01", "江城市第一人民医院党委", PartyOrgKind.COMMITTEE, None),
    ("P0101", "内科党总支", PartyOrgKind.GENERAL_BRANCH, "P01"),
    ("P010101", "心血管内科党支部", PartyOrgKind.BRANCH, "P0101"),
    ("P010102", "内科第一党支部", PartyOrgKind.BRANCH, "P0101"),
    ("P010103", "内科第二党支部", PartyOrgKind.BRANCH, "P0101"),
    ("P010104", "急诊重症党支部", PartyOrgKind.BRANCH, "P0101"),
    ("P0102", "外科党总支", PartyOrgKind.GENERAL_BRANCH, "P01"),
    ("P010201", "普外科党支部", PartyOrgKind.BRANCH, "P0102"),
    ("P010202", "骨科党支部", PartyOrgKind.BRANCH, "P0102"),
    ("P010203", "外科联合党支部", PartyOrgKind.BRANCH, "P0102"),
    ("P010204", "妇儿党支部", PartyOrgKind.BRANCH, "P0102"),
    ("P0103", "医技党总支", PartyOrgKind.GENERAL_BRANCH, "P01"),
    ("P010301", "医学影像党支部", PartyOrgKind.BRANCH, "P0103"),
    ("P010302", "检验病理药学党支部", PartyOrgKind.BRANCH, "P0103"),
    ("P0104", "机关党总支", PartyOrgKind.GENERAL_BRANCH, "P01"),
    ("P010401", "机关第一党支部", PartyOrgKind.BRANCH, "P0104"),
    ("P010402", "机关第二党支部", PartyOrgKind.BRANCH, "P0104"),
    ("P0105", "护理党总支", PartyOrgKind.GENERAL_BRANCH, "P01"),
    ("P010501", "内科护理党支部", PartyOrgKind.BRANCH, "P0105"),
    ("P010502", "外科护理党支部", PartyOrgKind.BRANCH, "P0105"),
]
# Nurses of clinical departments belong to the nursing branches, by the system (内科/外科) of
# their department's branch; everyone else to their department's branch.
NURSING_BRANCH_FOR = {"P0101": "P010501", "P0102": "P010502"}
NURSING_OFFICE_BRANCH = "P010501"

# --- Departments ----------------------------------------------------------------------------
# Staffing profiles: who works there.
WARD_PARENT = "ward_parent"  # a clinical department whose beds are in wards: leaders and a few doctors
WARD = "ward"  # a ward (病区): head nurse, doctors, nurses; its head is the head nurse
CLINICAL = "clinical"  # 科主任, 副主任, 护士长, doctors and nurses
IMAGING = "imaging"  # doctors and technicians (放射, 超声, 核医学)
PATHOLOGY = "pathology"
LAB = "lab"  # technicians
PHARMACY = "pharmacy"  # pharmacists
NURSING_OFFICE = "nursing_office"
ADMIN = "admin"


@dataclass(frozen=True)
class DeptSpec:
    code: str
    name: str
    category: str
    parent: str | None
    size: int
    profile: str
    branch: str
    doctor_share: float = 0.35  # of the plain staff, for clinical departments and wards
    male_doctors: float = 0.55
    admin_titles: str = "political"  # title series for an administrative department
    leaders: tuple[tuple[str, str], ...] = ()  # hospital leaders on its roll: (post, title)


def _d(code, name, category, parent, size, profile, branch, **kw) -> DeptSpec:
    return DeptSpec(code, name, category, parent, size, profile, branch, **kw)


SURGICAL = {"male_doctors": 0.75}
DEPARTMENTS: list[DeptSpec] = [
    # 临床 (clinical)
    _d("D01", "心血管内科", C, None, 6, WARD_PARENT, "P010101"),
    _d("D0101", "心内一病区", C, "D01", 24, WARD, "P010101"),
    _d("D0102", "心内二病区", C, "D01", 20, WARD, "P010101"),
    _d("D02", "呼吸与危重症医学科", C, None, 20, CLINICAL, "P010102"),
    _d("D03", "消化内科", C, None, 18, CLINICAL, "P010102"),
    _d("D04", "神经内科", C, None, 18, CLINICAL, "P010102"),
    _d("D05", "内分泌科", C, None, 16, CLINICAL, "P010103", male_doctors=0.45),
    _d("D06", "肾内科", C, None, 16, CLINICAL, "P010103"),
    _d("D07", "血液科", C, None, 14, CLINICAL, "P010103"),
    _d("D08", "普外科", C, None, 6, WARD_PARENT, "P010201", **SURGICAL),
    _d("D0801", "普外一病区", C, "D08", 18, WARD, "P010201", **SURGICAL),
    _d("D0802", "普外二病区", C, "D08", 18, WARD, "P010201", **SURGICAL),
    _d("D09", "骨科", C, None, 6, WARD_PARENT, "P010202", male_doctors=0.85),
    _d("D0901", "骨科一病区", C, "D09", 18, WARD, "P010202", male_doctors=0.85),
    _d("D0902", "骨科二病区", C, "D09", 16, WARD, "P010202", male_doctors=0.85),
    _d("D10", "神经外科", C, None, 16, CLINICAL, "P010203", **SURGICAL),
    _d("D11", "泌尿外科", C, None, 16, CLINICAL, "P010201", male_doctors=0.85),
    _d("D12", "心胸外科", C, None, 14, CLINICAL, "P010203", **SURGICAL),
    _d("D13", "妇产科", C, None, 5, WARD_PARENT, "P010204", male_doctors=0.15),
    _d("D1301", "妇科病区", C, "D13", 16, WARD, "P010204", male_doctors=0.15),
    _d("D1302", "产科病区", C, "D13", 16, WARD, "P010204", male_doctors=0.1),
    _d("D14", "儿科", C, None, 18, CLINICAL, "P010204", male_doctors=0.4),
    _d("D15", "眼科", C, None, 10, CLINICAL, "P010203", doctor_share=0.5),
    _d("D16", "耳鼻咽喉科", C, None, 10, CLINICAL, "P010203", doctor_share=0.5),
    _d("D17", "口腔科", C, None, 10, CLINICAL, "P010203", doctor_share=0.55),
    _d("D18", "皮肤科", C, None, 8, CLINICAL, "P010103", doctor_share=0.6),
    _d("D19", "急诊科", C, None, 22, CLINICAL, "P010104"),
    _d("D20", "重症医学科", C, None, 20, CLINICAL, "P010104", doctor_share=0.3),
    _d("D21", "麻醉科", C, None, 16, CLINICAL, "P010203", doctor_share=0.75),
    _d("D22", "康复医学科", C, None, 12, CLINICAL, "P010103", doctor_share=0.5),
    _d("D23", "中医科", C, None, 8, CLINICAL, "P010103", doctor_share=0.6),
    _d("D24", "感染科", C, None, 14, CLINICAL, "P010102"),
    # 医技 (medical technology)
    _d("D25", "放射科", M, None, 18, IMAGING, "P010301"),
    _d("D26", "超声科", M, None, 10, IMAGING, "P010301"),
    _d("D27", "检验科", M, None, 18, LAB, "P010302"),
    _d("D28", "病理科", M, None, 8, PATHOLOGY, "P010302"),
    _d("D29", "药剂科", M, None, 20, PHARMACY, "P010302"),
    _d("D30", "核医学科", M, None, 6, IMAGING, "P010301"),
    # 护理 (nursing)
    _d("D31", "护理部", N, None, 5, NURSING_OFFICE, NURSING_OFFICE_BRANCH),
    # 行政后勤 (administration and logistics)
    _d("D32", "门诊部", A, None, 8, ADMIN, "P010402", admin_titles="medical"),
    _d(
        "D33",
        "院办公室",
        A,
        None,
        8,
        ADMIN,
        "P010401",
        leaders=(("院长", "主任医师"), ("副院长", "主任医师"), ("副院长", "主任医师")),
    ),
    _d("D34", "党委办公室", A, None, 5, ADMIN, "P010401", leaders=(("党委书记", "高级政工师"),)),
    _d("D35", "医务部", A, None, 7, ADMIN, "P010402", admin_titles="medical"),
    _d("D36", "人力资源部", A, None, 6, ADMIN, "P010401", admin_titles="economics"),
    _d("D37", "财务部", A, None, 8, ADMIN, "P010402", admin_titles="accounting"),
    _d("D38", "后勤保障部", A, None, 10, ADMIN, "P010402", admin_titles="engineering"),
    _d("D39", "信息中心", A, None, 7, ADMIN, "P010402", admin_titles="engineering"),
    _d("D40", "精神文明建设办公室", A, None, 4, ADMIN, "P010401"),
    _d("D41", "纪检监察室", A, None, 4, ADMIN, "P010401", leaders=(("纪委书记", "高级政工师"),)),
]

# --- Titles (职称) by series, most senior first ---------------------------------------------
DOCTOR = ("主任医师", "副主任医师", "主治医师", "住院医师")
NURSE = ("主任护师", "副主任护师", "主管护师", "护师", "护士")
TECH = ("主任技师", "副主任技师", "主管技师", "技师")
PHARM = ("主任药师", "副主任药师", "主管药师", "药师", "药士")
ADMIN_SERIES = {
    "political": ("高级政工师", "政工师", "助理政工师"),
    "economics": ("高级经济师", "经济师", "助理经济师"),
    "accounting": ("高级会计师", "会计师", "助理会计师"),
    "engineering": ("高级工程师", "工程师", "助理工程师"),
    "medical": ("副主任医师", "主治医师", "住院医师"),
}
# How senior a title a person in a post usually holds: weights over the series above.
HEAD_WEIGHTS = (0.7, 0.3)
DEPUTY_WEIGHTS = (0.3, 0.7)
DOCTOR_WEIGHTS = (0.05, 0.2, 0.4, 0.35)
NURSE_WEIGHTS = (0.01, 0.05, 0.3, 0.4, 0.24)
HEAD_NURSE_WEIGHTS = (0.05, 0.4, 0.55)
TECH_WEIGHTS = (0.03, 0.15, 0.4, 0.42)
PHARM_WEIGHTS = (0.03, 0.15, 0.35, 0.37, 0.1)
ADMIN_WEIGHTS = (0.1, 0.55, 0.35)

# Posts (岗位), and how likely a person in that post is a party member.
PARTY_SHARE = {
    "党委书记": 1.0,
    "纪委书记": 1.0,
    "院长": 1.0,
    "副院长": 0.9,
    "科主任": 0.7,
    "主任": 0.7,
    "副主任": 0.55,
    "护士长": 0.5,
    "科长": 0.5,
    "科员": 0.4,
    "干事": 0.4,
}
PARTY_SHARE_DEFAULT = 0.28
# Order in which posts are listed and considered for branch secretary.
POST_RANK = {
    "党委书记": 0,
    "院长": 1,
    "纪委书记": 2,
    "副院长": 3,
    "科主任": 4,
    "主任": 4,
    "副主任": 5,
    "护士长": 6,
    "科长": 7,
}
HOSPITAL_LEADER_POSTS = frozenset({"党委书记", "院长", "纪委书记", "副院长"})
PLAIN_POSTS = frozenset({"医师", "护士", "技师", "药师", "科员", "干事"})
NURSE_POSTS = frozenset({"护士", "护士长"})
LEFT_COUNT = 10

# --- Names --------------------------------------------------------------------------------
# Common surnames, most frequent first (weighted by position). Surnames pypinyin reads wrongly
# out of context (曾 → "ceng") are left out so the pinyin search index is right.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
MALE_CHARS = "伟强磊军洋勇杰涛明超斌辉刚健峰波鹏飞浩宇俊凯文博志宏建国华平东海林晨阳亮毅鑫帅诚瑞睿哲轩昊然翔辰宁远"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷颖琳雪慧莉倩洁萍红梅兰琴云秀佳欣怡璐瑶蕾晶悦璇琪丹岚薇楠雯菲蓉蓓"
PHONE_PREFIXES = ("138", "139", "150", "186", "135", "137", "158", "189")


# --- The demo accounts --------------------------------------------------------------------
@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    # Which generated staff record is this person: (department code, post); None for no staff record.
    staff: tuple[str, str] | None
    # What they see, for the table load_demo prints; %(department)s is their department's name.
    sees: Promise
    # For a department head: the departments their role names (each covers its subtree).
    heads: tuple[str, ...] = ()


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", Role.SYSTEM_ADMIN, None, gettext_lazy("Everything, including the Django admin")),
    DemoAccount(
        "wmb", Role.OFFICE, ("D40", "主任"), gettext_lazy("Whole hospital; manages the organisation; audit log")
    ),
    DemoAccount("leader", Role.LEADERSHIP, ("D34", "党委书记"), gettext_lazy("Whole hospital, read only")),
    DemoAccount("inspector", Role.INSPECTOR, ("D40", "干事"), gettext_lazy("Whole hospital, read only")),
    DemoAccount(
        "xnk", Role.DEPARTMENT_HEAD, ("D01", "科主任"), gettext_lazy("%(department)s and its wards"), heads=("D01",)
    ),
    DemoAccount(
        "gk", Role.DEPARTMENT_HEAD, ("D09", "科主任"), gettext_lazy("%(department)s and its wards"), heads=("D09",)
    ),
    DemoAccount("nurse", Role.STAFF, ("D0101", "护士"), gettext_lazy("Own department only (%(department)s)")),
)


# --- Generating the people -----------------------------------------------------------------
@dataclass
class Person:
    """A staff member as generated, before it is a row."""

    dept: DeptSpec
    post: str
    title: str
    gender: str
    name: str = ""
    staff_no: str = ""
    phone: str = ""
    is_party_member: bool = False
    branch: str | None = None
    status: str = StaffStatus.ACTIVE
    left_on: dt.date | None = None


def _pick(rng: random.Random, series: tuple[str, ...], weights: tuple[float, ...]) -> str:
    return rng.choices(series[: len(weights)], weights=weights)[0]


def _posts_for(dept: DeptSpec, rng: random.Random) -> list[tuple[str, str, str]]:
    """(post, title, kind) for every person in a department; kind drives gender."""
    people: list[tuple[str, str, str]] = [(post, title, "leader") for post, title in dept.leaders]
    remaining = dept.size - len(people)

    def add(post: str, series: tuple[str, ...], weights: tuple[float, ...], kind: str, n: int = 1) -> None:
        nonlocal remaining
        for _i in range(n):
            people.append((post, _pick(rng, series, weights), kind))
        remaining -= n

    if dept.profile in (WARD_PARENT, CLINICAL):
        add("科主任", DOCTOR, HEAD_WEIGHTS, "doctor")
        add("副主任", DOCTOR, DEPUTY_WEIGHTS, "doctor", 2 if dept.size >= 16 or dept.profile == WARD_PARENT else 1)
        add("护士长", NURSE, HEAD_NURSE_WEIGHTS, "nurse")
        if dept.profile == WARD_PARENT:
            add("医师", DOCTOR, DOCTOR_WEIGHTS, "doctor", remaining)
        else:
            doctors = round(remaining * dept.doctor_share)
            add("医师", DOCTOR, DOCTOR_WEIGHTS, "doctor", doctors)
            add("护士", NURSE, NURSE_WEIGHTS, "nurse", remaining)
    elif dept.profile == WARD:
        add("护士长", NURSE, HEAD_NURSE_WEIGHTS, "nurse")
        doctors = round(remaining * dept.doctor_share)
        add("医师", DOCTOR, DOCTOR_WEIGHTS, "doctor", doctors)
        add("护士", NURSE, NURSE_WEIGHTS, "nurse", remaining)
    elif dept.profile == IMAGING:
        add("科主任", DOCTOR, HEAD_WEIGHTS, "doctor")
        add("副主任", DOCTOR, DEPUTY_WEIGHTS, "doctor")
        doctors = remaining // 2
        add("医师", DOCTOR, DOCTOR_WEIGHTS, "doctor", doctors)
        add("技师", TECH, TECH_WEIGHTS, "tech", remaining)
    elif dept.profile == PATHOLOGY:
        add("科主任", DOCTOR, HEAD_WEIGHTS, "doctor")
        add("医师", DOCTOR, DOCTOR_WEIGHTS, "doctor", remaining - 2)
        add("技师", TECH, TECH_WEIGHTS, "tech", remaining)
    elif dept.profile == LAB:
        add("科主任", TECH, HEAD_WEIGHTS, "tech")
        add("副主任", TECH, DEPUTY_WEIGHTS, "tech")
        add("技师", TECH, TECH_WEIGHTS, "tech", remaining)
    elif dept.profile == PHARMACY:
        add("科主任", PHARM, HEAD_WEIGHTS, "pharm")
        add("副主任", PHARM, DEPUTY_WEIGHTS, "pharm")
        add("药师", PHARM, PHARM_WEIGHTS, "pharm", remaining)
    elif dept.profile == NURSING_OFFICE:
        add("主任", NURSE, HEAD_WEIGHTS, "nurse")
        add("副主任", NURSE, DEPUTY_WEIGHTS, "nurse")
        add("干事", NURSE, (0, 0.4, 0.6), "nurse", remaining)
    else:  # ADMIN
        series = ADMIN_SERIES[dept.admin_titles]
        add("主任", series, (0.6, 0.4), "admin")
        if dept.size - len(dept.leaders) >= 5:
            add("副主任", series, (0.4, 0.6), "admin")
        if dept.size - len(dept.leaders) >= 7:
            add("科长", series, (0.2, 0.8), "admin")
        plain = remaining
        add("科员", series, ADMIN_WEIGHTS, "admin", plain - plain // 2)
        add("干事", series, ADMIN_WEIGHTS, "admin", remaining)
    if remaining != 0:
        raise ValueError(f"Demo staffing of {dept.code} does not add up")
    return people


def _gender(rng: random.Random, kind: str, dept: DeptSpec) -> str:
    male_share = {
        "doctor": dept.male_doctors,
        "nurse": 0.06,
        "tech": 0.5,
        "pharm": 0.35,
        "admin": 0.45,
        "leader": 0.75,
    }[kind]
    return Gender.MALE if rng.random() < male_share else Gender.FEMALE


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
    weights = [1 / (i + 8) for i in range(len(SURNAMES))]  # frequent surnames first
    while True:
        surname = rng.choices(SURNAMES, weights=weights)[0]
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        if given[0] == given[-1] and len(given) == 2:
            continue
        name = surname + given
        if name not in taken:
            taken.add(name)
            return name


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


@dataclass
class DemoData:
    people: list[Person]
    heads: dict[str, str]  # department code → staff number of its head
    secretaries: dict[str, str]  # party organisation code → staff number of its secretary


def generate() -> DemoData:
    """Every demo staff member, each department's head and each party organisation's secretary:
    the same on every run."""
    rng = random.Random(SEED)
    org_parent = {code: parent for code, _n, _k, parent in PARTY_ORGS}
    names: set[str] = set()
    phones: set[str] = set()
    people: list[Person] = []
    for dept in DEPARTMENTS:
        for post, title, kind in _posts_for(dept, rng):
            person = Person(dept=dept, post=post, title=title, gender=_gender(rng, kind, dept))
            person.name = _name(rng, person.gender, names)
            person.phone = _phone(rng, phones)
            person.is_party_member = rng.random() < PARTY_SHARE.get(post, PARTY_SHARE_DEFAULT)
            if post in NURSE_POSTS and dept.category == DepartmentCategory.CLINICAL:
                person.branch = NURSING_BRANCH_FOR[org_parent[dept.branch]]
            else:
                person.branch = dept.branch
            people.append(person)
    # Staff numbers in directory order: department by department, the most senior first.
    order = {spec.code: i for i, spec in enumerate(DEPARTMENTS)}
    people.sort(key=lambda p: (order[p.dept.code], POST_RANK.get(p.post, 99)))
    for number, person in enumerate(people, start=1):
        person.staff_no = f"E{number:04d}"

    # A few have left the hospital; never someone with a demo login or a leading post.
    reserved = {_account_person(people, a).staff_no for a in DEMO_ACCOUNTS if a.staff}
    candidates = [p for p in people if p.post in PLAIN_POSTS and p.staff_no not in reserved]
    for person in rng.sample(candidates, LEFT_COUNT):
        person.status = StaffStatus.LEFT
        person.left_on = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(330))
    return DemoData(people=people, heads=_heads(people), secretaries=_secretaries(people))


def _heads(people: list[Person]) -> dict[str, str]:
    """A department's head is its 科主任 (主任 in nursing and administration); a ward's is its head nurse."""
    heads: dict[str, str] = {}
    for p in people:
        if p.dept.profile == WARD:
            wanted = "护士长"
        elif p.dept.category in (DepartmentCategory.ADMIN, DepartmentCategory.NURSING):
            wanted = "主任"
        else:
            wanted = "科主任"
        if p.post == wanted:
            heads.setdefault(p.dept.code, p.staff_no)
    return heads


def _secretaries(people: list[Person]) -> dict[str, str]:
    """Secretaries: the hospital's party secretary leads the committee; each general branch is led by
    its most senior party member, each branch by its most senior remaining one. Hospital leaders
    lead no branch. A branch without a candidate gets its most senior member as one."""

    def rank(p: Person) -> tuple:
        return (POST_RANK.get(p.post, 99), p.staff_no)

    def members(branch: str) -> list[Person]:
        return [
            p
            for p in people
            if p.branch == branch and p.status == StaffStatus.ACTIVE and p.post not in HOSPITAL_LEADER_POSTS
        ]

    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for code, _n, kind, _p in PARTY_ORGS:
        if kind == PartyOrgKind.COMMITTEE:
            chosen[code] = next(p.staff_no for p in people if p.post == "党委书记")
        elif kind == PartyOrgKind.GENERAL_BRANCH:
            pool = [p for b, _n, _k, parent in PARTY_ORGS if parent == code for p in members(b) if p.is_party_member]
            chosen[code] = min(pool, key=rank).staff_no
            taken.add(chosen[code])
    for code, _n, kind, _p in PARTY_ORGS:
        if kind == PartyOrgKind.BRANCH:
            pool = [p for p in members(code) if p.is_party_member and p.staff_no not in taken]
            if not pool:
                senior = min((p for p in members(code) if p.staff_no not in taken), key=rank)
                senior.is_party_member = True
                pool = [senior]
            chosen[code] = min(pool, key=rank).staff_no
            taken.add(chosen[code])
    return chosen


def _account_person(people: list[Person], account: DemoAccount) -> Person:
    code, post = account.staff
    return next(p for p in people if p.dept.code == code and p.post == post)


# --- Loading -----------------------------------------------------------------------------
class NotADemoDatabase(Exception):
    """The database holds an organisation that load_demo did not create."""


@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    passwords_set: list[str] = field(default_factory=list)
    roles_granted: int = 0
    # Primary keys created by this run, by model: filling in their links later is not "putting back".
    fresh: dict[str, set] = field(default_factory=dict)
    lockouts_cleared: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            sum(self.created.values()) or sum(self.updated.values()) or self.passwords_set or self.roles_granted
        )


def is_demo_database() -> bool:
    """True when the organisation tables are empty or were filled by load_demo."""
    if not (Hospital.objects.exists() or Department.objects.exists() or Staff.objects.exists()):
        return True
    return AuditEntry.objects.filter(action=AUDIT_ACTION, target_repr=AUDIT_TARGET).exists()


def _sync(model: type[models.Model], key: str, rows: list[dict[str, Any]], result: LoadResult) -> dict[str, Any]:
    """Create the rows that are missing, put back demo values where they differ; by ``key``.
    Returns the objects by key. Bumps ``version`` (optimistic locking) of rows it changes."""
    existing = model.objects.in_bulk([row[key] for row in rows], field_name=key)
    has_version = any(f.name == "version" for f in model._meta.fields)
    fresh = result.fresh.setdefault(model._meta.model_name, set())
    to_create, to_update, changed_fields = [], [], set()
    restored = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
            existing[row[key]] = obj
            continue
        diff = [name for name, value in row.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, row[name])
            if obj.pk not in fresh:
                restored += 1
                if has_version:
                    obj.version += 1
                    changed_fields.add("version")
            changed_fields.update(diff)
            to_update.append(obj)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=500)
        fresh.update(obj.pk for obj in to_create)
        result.created[model._meta.model_name] += len(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
        if restored:
            result.updated[model._meta.model_name] += restored
    return existing


def _sync_hospital(result: LoadResult) -> Hospital:
    hospital = Hospital.objects.filter(pk=1).first()
    if hospital is None:
        hospital = Hospital.objects.create(pk=1, **HOSPITAL)
        result.created["hospital"] += 1
    elif any(getattr(hospital, k) != v for k, v in HOSPITAL.items()):
        for k, v in HOSPITAL.items():
            setattr(hospital, k, v)
        hospital.version += 1
        hospital.save()
        result.updated["hospital"] += 1
    else:
        return hospital
    # Drop the cached settings now and after commit (a reader in between may cache the old row).
    hospital_forget()
    transaction.on_commit(hospital_forget)
    return hospital


def _sync_departments(result: LoadResult) -> dict[str, Department]:
    """Departments level by level, so each parent has its pk before its children."""
    departments: dict[str, Department] = {}
    for level_is_top in (True, False):
        rows = [
            {
                "code": spec.code,
                "name": spec.name,
                "category": spec.category,
                "parent_id": departments[spec.parent].pk if spec.parent else None,
                "is_active": True,
                "sort_order": order,
            }
            for order, spec in enumerate(DEPARTMENTS, start=1)
            if (spec.parent is None) == level_is_top
        ]
        departments.update(_sync(Department, "code", rows, result))
    services.department_refresh_paths()
    return departments


def _sync_party(result: LoadResult) -> dict[str, PartyOrganization]:
    orgs: dict[str, PartyOrganization] = {}
    by_depth: dict[int, list[tuple[int, tuple]]] = {}
    for order, row in enumerate(PARTY_ORGS, start=1):
        by_depth.setdefault(len(row[0]), []).append((order, row))
    for depth in sorted(by_depth):
        rows = [
            {
                "code": code,
                "name": name,
                "kind": kind,
                "parent_id": orgs[parent].pk if parent else None,
                "sort_order": order,
            }
            for order, (code, name, kind, parent) in by_depth[depth]
        ]
        orgs.update(_sync(PartyOrganization, "code", rows, result))
    return orgs


def _sync_users(people: list[Person], staff: dict[str, Staff], result: LoadResult) -> dict[str, Any]:
    """The demo login accounts with the demo password, linked to their staff records."""
    User = get_user_model()
    usernames = [a.username for a in DEMO_ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    # Hashing is deliberately slow: hash the demo password once and check each distinct stored hash once.
    demo_hash = None
    verdicts: dict[str, bool] = {}

    def has_demo_password(encoded: str) -> bool:
        if encoded not in verdicts:
            try:
                up_to_date = not identify_hasher(encoded).must_update(encoded)
            except ValueError:
                up_to_date = False
            verdicts[encoded] = up_to_date and check_password(DEMO_PASSWORD, encoded)
        return verdicts[encoded]

    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            demo_hash = demo_hash or make_password(DEMO_PASSWORD)
            user = User.objects.create(username=account.username, password=demo_hash, is_active=True)
            users[account.username] = user
            result.created["user"] += 1
            result.passwords_set.append(account.username)
            continue
        update = []
        if not has_demo_password(user.password):
            demo_hash = demo_hash or make_password(DEMO_PASSWORD)
            user.password = demo_hash
            update.append("password")
            result.passwords_set.append(account.username)
        if not user.is_active:
            user.is_active = True
            update.append("is_active")
        if update:
            user.save(update_fields=update)
            if update != ["password"]:
                result.updated["user"] += 1

    # Link each account to its staff record (and to no other).
    linked = {users[a.username].pk: staff[_account_person(people, a).staff_no] for a in DEMO_ACCOUNTS if a.staff}
    holders = Staff.objects.filter(user_id__in=linked).values_list("pk", "user_id")
    stale = [pk for pk, user_id in holders if linked[user_id].pk != pk]
    if stale:
        Staff.objects.filter(pk__in=stale).update(user=None, version=models.F("version") + 1)
        result.updated["staff"] += len(stale)
    fresh_staff = result.fresh.get("staff", set())
    for user_id, record in linked.items():
        if record.user_id != user_id:
            if record.pk in fresh_staff:
                Staff.objects.filter(pk=record.pk).update(user_id=user_id)
            else:
                Staff.objects.filter(pk=record.pk).update(user_id=user_id, version=models.F("version") + 1)
                result.updated["staff"] += 1
            record.user_id = user_id
    return users


def _sync_roles(users: dict[str, Any], departments: dict[str, Department], result: LoadResult) -> None:
    """Roles through services.role_grant, only where missing or different (so a rerun writes nothing)."""
    assignments = {
        (a.user_id, a.role): a
        for a in RoleAssignment.objects.filter(user__in=users.values()).prefetch_related("departments")
    }
    for account in DEMO_ACCOUNTS:
        if account.role == Role.STAFF:
            continue  # the staff role comes with the staff record
        user = users[account.username]
        wanted = [departments[code] for code in account.heads]
        current = assignments.get((user.pk, account.role))
        missing = current is None
        departments_differ = current is not None and {d.pk for d in current.departments.all()} != {d.pk for d in wanted}
        admin_flags_missing = account.role == Role.SYSTEM_ADMIN and not (user.is_staff and user.is_superuser)
        if missing or departments_differ or admin_flags_missing:
            services.role_grant(by=None, user=user, role=account.role, departments=wanted)
            result.roles_granted += 1


def _clear_lockouts(users: dict[str, Any], result: LoadResult) -> None:
    """A demo account locked after wrong passwords is usable again (django-axes records)."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    if AccessAttempt.objects.filter(username__in=list(users)).exists():
        for username in users:
            result.lockouts_cleared += reset(username=username)


@transaction.atomic
def load_demo(*, force: bool = False) -> LoadResult:
    """Load (or restore) the demo hospital. Idempotent; see the module docstring.
    Raises NotADemoDatabase when the organisation tables hold a hospital load_demo did not create."""
    if not force and not is_demo_database():
        raise NotADemoDatabase
    result = LoadResult()
    data = generate()
    hospital = _sync_hospital(result)
    departments = _sync_departments(result)
    orgs = _sync_party(result)

    staff_rows = []
    for p in data.people:
        initials, pinyin = services.name_index(p.name)
        staff_rows.append(
            {
                "staff_no": p.staff_no,
                "name": p.name,
                "name_initials": initials,
                "name_pinyin": pinyin,
                "gender": p.gender,
                "department_id": departments[p.dept.code].pk,
                "title": p.title,
                "post": p.post,
                "is_party_member": p.is_party_member,
                "party_branch_id": orgs[p.branch].pk if p.is_party_member else None,
                "phone": p.phone,
                "status": p.status,
                "left_on": p.left_on,
            }
        )
    staff = _sync(Staff, "staff_no", staff_rows, result)
    _sync(
        Department,
        "code",
        [{"code": code, "head_id": staff[staff_no].pk} for code, staff_no in data.heads.items()],
        result,
    )
    _sync(
        PartyOrganization,
        "code",
        [{"code": code, "secretary_id": staff[staff_no].pk} for code, staff_no in data.secretaries.items()],
        result,
    )
    users = _sync_users(data.people, staff, result)
    _sync_roles(users, departments, result)
    _clear_lockouts(users, result)

    if result.changed:
        audit_log(
            actor=None,
            action=AUDIT_ACTION,
            target=hospital,
            target_repr=AUDIT_TARGET,
            data={
                "source": "load_demo",
                "created": dict(result.created),
                "updated": dict(result.updated),
                "passwords_reset": result.passwords_set,
            },
        )
    return result
