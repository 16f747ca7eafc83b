"""Benchmark: the rectification ledger page and its XLSX export on 10,000 items in 150 departments.

    .venv/bin/python bench/ledger.py [--items 10000] [--departments 150] [--staff 1500] [--runs 5]

The database: ``DATABASE_URL`` when it is set (it must be a benchmark database, see
``bench/common.py``: the PostgreSQL ``wenming_bench``, or a SQLite file under a "bench" folder),
otherwise a throwaway SQLite file, ``/tmp/wm-bench-ledger/bench-ledger.sqlite3``, migrated on first
use. A database that already holds the hospital of ``bench/generate.py`` (or of an earlier run) is
used as it is; an empty one gets a hospital of ``--departments`` departments and ``--staff`` staff
from the same generator, with the accounts ``bench_office`` (文明办) and ``bench_head`` (科主任 of a
specialty with wards). The items are replaced when there are not exactly ``--items`` of them (only
the ledger's tables are touched).

The items (one seeded ``random.Random``): spread over every department (wards and busy clinical
departments more), 35% closed out, 20% listed, 25% being rectified, 20% awaiting verification;
deadlines from four months ago to two months ahead (so about a third of the open ones are overdue);
a responsible person of the department for most; measures once work has begun.

Measured through Django's test ``Client`` (server time in this process, DEBUG off), logged in as
bench_office and bench_head: the ledger's first page, a page in the middle, a filtered page, a text
search, the HTMX partial, and the XLSX export of the whole ledger (read to its last byte). For each:
the number of queries and the time in SQL of one request, the first request and the median of
``--runs``, and the response size.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

DEFAULT_DB = Path("/tmp/wm-bench-ledger/bench-ledger.sqlite3")
if not os.environ.get("DATABASE_URL"):
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
    os.environ.setdefault("WENMING_VAR_DIR", str(DEFAULT_DB.parent))

from common import database_label, require_bench_database  # noqa: E402 — sets Django up
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from wenming.org.models import Department, Staff, StaffStatus  # noqa: E402
from wenming.org.selectors import hospital_today  # noqa: E402
from wenming.rectification.models import (  # noqa: E402
    ExtensionRequest,
    ItemEvidence,
    ItemState,
    RectificationItem,
    Source,
)

OFFICE_USER = "bench_office"
HEAD_USER = "bench_head"

# Pages render {% static %}; the manifest storage needs collectstatic, which a benchmark does not run.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PROBLEMS = (
    "护士站物品摆放杂乱，治疗车未归位",
    "候诊区地面有积水，未放置防滑提示",
    "医务人员未佩戴工作牌",
    "病历书写不规范，首次病程记录不完整",
    "科室创建活动记录缺失",
    "走廊堆放杂物，消防通道不畅",
    "患者投诉服务态度生硬，已查实",
    "便民服务设施损坏未及时维修",
    "健康宣教资料过期未更新",
    "医疗废物分类不规范",
    "公示栏信息未及时更新",
    "值班人员脱岗",
)
MEASURES = (
    "已组织科室人员学习相关制度，每日交班前检查",
    "已联系总务科维修，并安排专人巡查",
    "已重新整理并张贴标识，护士长每周抽查",
    "已召开科室会议通报，纳入月度考核",
)
STATES = (
    (ItemState.CLOSED, 0.35),
    (ItemState.LISTED, 0.20),
    (ItemState.IN_PROGRESS, 0.25),
    (ItemState.AWAITING_CHECK, 0.20),
)
SOURCES = (
    (Source.FINDING, 0.55),
    (Source.SUPERVISION, 0.2),
    (Source.COMPLAINT, 0.15),
    (Source.INSTRUCTION, 0.05),
    (Source.OTHER, 0.05),
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def pick(rng: random.Random, table) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


# --- Data --------------------------------------------------------------------------------------------


def ensure_schema() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def ensure_hospital(departments: int, staff: int, seed: int) -> None:
    """The generated hospital, unless the database already has its accounts."""
    if get_user_model().objects.filter(username__in=[OFFICE_USER, HEAD_USER]).count() == 2:
        print(f"Hospital: {Department.objects.count()} departments, {Staff.objects.count():,} staff (already there)")
        return
    if Department.objects.exists():
        print("Refusing to run: the database has departments but not the bench accounts; use an empty database.")
        sys.exit(2)
    import generate

    rng = random.Random(seed)
    started = time.perf_counter()
    plan = generate.plan_departments(departments, rng)
    with transaction.atomic():
        generate.create_hospital()
        generate.create_departments(plan)
        _rows, branch_of = generate.create_party(plan)
        generate.create_staff(plan, staff, branch_of, hospital_today().year, rng)
        generate.create_accounts(plan)
    print(
        f"Hospital: {len(plan)} departments, {Staff.objects.count():,} staff made in "
        f"{time.perf_counter() - started:.1f} s"
    )


def ensure_items(count: int, seed: int) -> None:
    existing = RectificationItem.objects.count()
    if existing == count:
        print(f"Items: {count:,} (already there)")
        return
    started = time.perf_counter()
    rng = random.Random(seed)
    today = hospital_today()
    now = timezone.now()
    departments = list(Department.objects.filter(is_active=True).values_list("pk", "depth", "category"))
    weights = [(3 if depth else 1) * (2 if category == "clinical" else 1) for _pk, depth, category in departments]
    people: dict[int, list[int]] = {}
    for pk, department_id in Staff.objects.filter(status=StaffStatus.ACTIVE).values_list("pk", "department_id"):
        people.setdefault(department_id, []).append(pk)
    rows = []
    for i in range(count):
        department_id = rng.choices(departments, weights)[0][0]
        state = pick(rng, STATES)
        deadline = today + timedelta(days=rng.randint(-120, 60))
        staff = people.get(department_id)
        rows.append(
            RectificationItem(
                department_id=department_id,
                problem=f"{rng.choice(PROBLEMS)}（{i + 1}）",
                source=pick(rng, SOURCES),
                deadline=deadline,
                state=state,
                responsible_id=rng.choice(staff) if staff and rng.random() < 0.85 else None,
                measures=rng.choice(MEASURES) if state != ItemState.LISTED else "",
                closed_at=now - timedelta(days=rng.randint(0, 120)) if state == ItemState.CLOSED else None,
            )
        )
    with transaction.atomic():
        if existing:
            ItemEvidence.objects.all().delete()
            ExtensionRequest.objects.all().delete()
            RectificationItem.objects.all().delete()
        RectificationItem.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE rectification_rectificationitem")
    print(f"Items: {count:,} made in {time.perf_counter() - started:.1f} s (replacing {existing:,})")


# --- Measuring ---------------------------------------------------------------------------------------


def read(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(label: str, client: Client, url: str, runs: int, rows: list, **headers) -> None:
    def get():
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost", **headers)
        size = read(response)
        return response, size, time.perf_counter() - started

    response, size, first = get()
    if response.status_code != 200:
        print(f"  {label}: {url} answered {response.status_code}")
        return
    times = [get()[2] for _i in range(runs)]
    with CaptureQueriesContext(connection) as context:
        get()
    sql = sum(float(q["time"]) for q in context.captured_queries)
    median = statistics.median(times)
    print(
        f"  {label:<44} {len(context.captured_queries):>3} queries  SQL {ms(sql):>7}  "
        f"first {ms(first):>7}  median {ms(median):>7}  {size / 1024:,.0f} KiB"
    )
    rows.append((label, len(context.captured_queries), ms(sql), ms(first), ms(median), f"{size / 1024:,.0f} KiB"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=150)
    parser.add_argument("--staff", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    require_bench_database()
    print(f"Database: {database_label()}")
    ensure_schema()
    ensure_hospital(args.departments, args.staff, args.seed)
    ensure_items(args.items, args.seed)

    User = get_user_model()
    office, head = User.objects.get(username=OFFICE_USER), User.objects.get(username=HEAD_USER)
    head_code = head.roles.get().departments.get().code
    today = hospital_today()
    open_items = RectificationItem.objects.exclude(state=ItemState.CLOSED)
    print(
        f"{RectificationItem.objects.count():,} items, {open_items.count():,} open, "
        f"{open_items.filter(deadline__lt=today).count():,} overdue; "
        f"{RectificationItem.objects.filter(department__path__startswith=f'{head_code}/').count():,} "
        f"in bench_head's departments ({head_code} and its wards)"
    )
    print(f"\nPages (Django test Client, DEBUG {settings.DEBUG}; first request, then the median of {args.runs})")
    rows: list = []
    office_client, head_client = Client(), Client()
    office_client.force_login(office)
    head_client.force_login(head)
    pages = RectificationItem.objects.count() // 50
    measure("ledger, 文明办, page 1", office_client, "/rectification/", args.runs, rows)
    measure(f"ledger, 文明办, page {pages // 2}", office_client, f"/rectification/?page={pages // 2}", args.runs, rows)
    measure(
        "ledger, 文明办, a specialty, overdue",
        office_client,
        f"/rectification/?department={head_code}&overdue=yes",
        args.runs,
        rows,
    )
    measure("ledger, 文明办, search 积水", office_client, "/rectification/?q=%E7%A7%AF%E6%B0%B4", args.runs, rows)
    measure(
        "ledger, 文明办, HTMX partial (state filter)",
        office_client,
        "/rectification/?state=in_progress",
        args.runs,
        rows,
        HTTP_HX_REQUEST="true",
    )
    measure("ledger, 科主任, page 1", head_client, "/rectification/", args.runs, rows)
    measure("board (every open item)", head_client, "/rectification/board/", args.runs, rows)
    measure("XLSX export, 文明办, whole ledger", office_client, "/rectification/export.xlsx", args.runs, rows)
    measure("XLSX export, 科主任", head_client, "/rectification/export.xlsx", args.runs, rows)

    print("\n| measure | queries | SQL | first | median | size |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, queries, sql, first, median, size in rows:
        print(f"| {label} | {queries} | {sql} | {first} | {median} | {size} |")


if __name__ == "__main__":
    main()
