"""The worked sample of ``shared/data/sample`` as engine input, built without the YAML parser.

:func:`wmks_month` is ``shared/data/standards/wmks-month.yaml`` written out by hand as a
:class:`StandardDef`; :func:`sample_facts` reads ``departments.csv`` and ``records.jsonl`` and
aggregates them into one :class:`SubjectFacts` per department in scope, the way the product does
for a period (records of the standard dated inside the period, feedback by its local date).
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from wenming.scoring.engine import SubjectFacts
from wenming.scoring.periods import Period, local_date
from wenming.standards.definition import (
    Bonus,
    Cycle,
    Deduction,
    Grade,
    Item,
    Rule,
    StandardDef,
    Subject,
    Veto,
)

SHARED = Path("/work/shared/data")
SAMPLE = SHARED / "sample"
EXPECTED = SAMPLE / "expected-WMKS-M-2026-2026-10.json"

D = Decimal
CATEGORIES = {"临床": "clinical", "医技": "medtech", "护理": "nursing", "行政后勤": "admin"}


def _deduct(code: str, name: str, points: str, *deductions: tuple[str, str, str]) -> Item:
    return Item(
        code=code,
        name=name,
        points=D(points),
        rule=Rule.DEDUCT,
        deductions=tuple(Deduction(c, n, D(p)) for c, n, p in deductions),
    )


def wmks_month() -> StandardDef:
    """WMKS-M-2026 exactly as ``standards/wmks-month.yaml`` says it."""
    return StandardDef(
        code="WMKS-M-2026",
        name="文明科室月度考核细则（2026年版）",
        subject=Subject.DEPARTMENT,
        cycle=Cycle.MONTH,
        full_score=D(100),
        bonus_cap=D(5),
        grades=(
            Grade("优秀", D(95), max_deducted=D(2), quota=D("0.2")),
            Grade("良好", D(85)),
            Grade("合格", D(70)),
            Grade("不合格", D(0)),
        ),
        veto_grade="不合格",
        items=(
            Item(
                code="A",
                name="组织领导与创建机制",
                points=D(15),
                children=(
                    _deduct(
                        "A1",
                        "有科室创建计划、有分工、有记录",
                        "6",
                        ("A1a", "未制定科室月度创建计划", "2"),
                        ("A1b", "创建活动无记录或记录不全", "1"),
                        ("A1c", "目标任务未分解到人", "1"),
                    ),
                    Item(code="A2", name="科室负责人履职评议（领导小组打分）", points=D(9), rule=Rule.MANUAL),
                ),
            ),
            _deduct(
                "B",
                "思想道德与学习",
                "10",
                ("B1", "无故缺席政治学习或业务学习（每人次）", "0.5"),
                ("B2", "未按要求开展道德讲堂等活动", "2"),
            ),
            _deduct(
                "C",
                "医德医风与行风建设",
                "25",
                ("C1", "服务态度生硬被投诉并查实（每起）", "3"),
                ("C2", "不合理检查、不合理用药、不合理收费（每起）", "5"),
                ("C3", "收受红包回扣未主动上交（每起）", "10"),
                ("C4", "抗生素使用不合理（每例）", "1"),
            ),
            Item(
                code="D",
                name="文明优质服务",
                points=D(20),
                children=(
                    _deduct(
                        "D1",
                        "亮牌上岗、公开承诺",
                        "6",
                        ("D1a", "未佩戴工作牌（每人次）", "0.5"),
                        ("D1b", "岗位承诺未公示", "2"),
                    ),
                    _deduct(
                        "D2",
                        "服务流程与文明用语",
                        "8",
                        ("D2a", "未使用文明用语（每人次）", "1"),
                        ("D2b", "首诊负责制落实不到位（每起）", "2"),
                    ),
                    _deduct(
                        "D3",
                        "核心制度落实（三级查房、病历书写）",
                        "6",
                        ("D3a", "查房无记录（每次）", "1"),
                        ("D3b", "病历书写不规范（每份）", "0.5"),
                    ),
                ),
            ),
            _deduct(
                "E",
                "环境卫生与安全",
                "10",
                ("E1", "科室环境脏乱（每次巡查）", "1"),
                ("E2", "物品摆放不规范（每次巡查）", "0.5"),
                ("E3", "吸烟或未制止吸烟（每人次）", "1"),
            ),
            Item(
                code="S",
                name="患者满意度",
                points=D(20),
                rule=Rule.SATISFACTION,
                target=D("0.95"),
                step=D("0.01"),
                step_points=D(1),
                min_responses=30,
            ),
            Item(
                code="F",
                name="加分项",
                rule=Rule.BONUS,
                bonuses=(
                    Bonus("F1", "收到锦旗或表扬信（每件）", D("0.5")),
                    Bonus("F2", "获市级及以上表彰", D(2)),
                    Bonus("F3", "拾金不昧、拒收红包（每起）", D(1)),
                ),
            ),
            Item(
                code="V",
                name="一票否决",
                rule=Rule.VETO,
                vetoes=(
                    Veto("V1", "发生重大医疗责任事故"),
                    Veto("V2", "发生违法违纪案件被查处"),
                    Veto("V3", "发生严重损害医院形象的负面舆情事件"),
                ),
            ),
        ),
    )


def departments() -> dict[str, str]:
    """Department code → category (English word) from ``departments.csv``."""
    with (SAMPLE / "departments.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"]: CATEGORIES.get(row["category"], row["category"]) for row in csv.DictReader(handle)}


def records() -> list[dict]:
    with (SAMPLE / "records.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _facts(subject: str, found: dict) -> SubjectFacts:
    return SubjectFacts(
        subject=subject,
        findings=dict(found["finding"]),
        bonuses=dict(found["bonus"]),
        vetoes=frozenset(found["veto"]),
        manual={code: tuple(values) for code, values in found["manual"].items()},
        feedback=dict(found["feedback"]),
    )


def sample_facts(standard: StandardDef, period: Period) -> list[SubjectFacts]:
    """One SubjectFacts per department the standard applies to, from the sample's records."""
    scope = [
        code
        for code, category in departments().items()
        if standard.applies_to is None or category in standard.applies_to
    ]
    found: dict[str, dict] = {
        code: {
            "finding": Counter(),
            "bonus": Counter(),
            "veto": set(),
            "manual": defaultdict(list),
            "feedback": Counter(),
        }
        for code in scope
    }
    for record in records():
        kind = record["kind"]
        if kind == "feedback":
            subject = record["department"]
            if subject in found and period.contains(local_date(datetime.fromisoformat(record["at"]))):
                found[subject]["feedback"][int(record["overall"])] += 1
            continue
        if record["standard"] != standard.code or record["subject"] not in found:
            continue
        bucket = found[record["subject"]]
        if kind == "manual":
            if record["period"] == period.key:
                bucket["manual"][record["code"]].append(Decimal(str(record["value"])))
        elif period.contains(date.fromisoformat(record["date"])):
            if kind == "veto":
                bucket["veto"].add(record["code"])
            else:
                bucket[kind][record["code"]] += int(record.get("count", 1))
    return [_facts(code, found[code]) for code in scope]


def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))
