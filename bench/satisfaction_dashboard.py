"""Benchmark: the satisfaction dashboard (``/satisfaction/``) over 2,000,000 feedback rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench WENMING_VAR_DIR=/tmp/wm-bench-var \\
        .venv/bin/python bench/satisfaction_dashboard.py [--rows 2000000] [--months 1] [--month 2026-11]
        [--answered-share 0.2] [--runs 7] [--reset | --skip-generate] [--profile]

Only for a benchmark database (see bench/common.py): the PostgreSQL database name, or the SQLite
file's path, must contain "bench". It migrates the database, and when it holds no hospital makes
one with bench/generate.py's organisation (``--departments`` departments, ``--staff`` staff, the
example standards, the accounts ``bench_office`` and ``bench_head``); a database already filled by
generate.py is used as it is.

Then it writes ``--rows`` feedback rows (COPY on PostgreSQL, ``bulk_create`` in batches elsewhere)
spread over the ``--months`` months ending with ``--month`` (default: the last full month of the
hospital's calendar). The default, ``--months 1``, puts all of them in the month the dashboard
shows: the worst case the dashboard must carry ("a month of 2,000,000 rows"). Departments get
feedback by category (clinical far more than offices, so some offices stay under 30 responses),
ratings mostly 5 and 4, 1.5% invalid, a third naming a staff member, 4% with a comment, the
channels in a QR-heavy mix; ``--answered-share`` of the QR and kiosk feedback carries the
answers to the outpatient questionnaire (7 rating questions, one per dimension: ``RatingAnswer``
rows), which the dimension profile reads. It refuses a database that already holds feedback
unless ``--reset`` (empties the feedback and what refers to it first) or ``--skip-generate``
(measures what is there).

Measured, through Django's test ``Client`` in this process (server time, DEBUG off; "cold" = the
cache emptied before each request, so every month is counted from the rows; "warm" = the finished
months' counts and dimensions from the cache; median of ``--runs``): the dashboard for the month
as bench_office (whole hospital) cold and warm, for the quarter cold, as bench_head (their
departments; never cached), a department's page, and the public board cold and warm. For each:
status, size, queries and the time spent in SQL. ``--profile`` lists the slowest queries of a cold
dashboard with their plans (EXPLAIN ANALYZE on PostgreSQL).
"""

import argparse
import itertools
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from common import database_label, database_size, megabytes, require_bench_database
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wenming.feedback.models import Feedback
from wenming.org.models import Department, DepartmentCategory, RoleAssignment, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.questionnaires.models import QuestionKind, QuestionnaireVersion, RatingAnswer, VersionStatus
from wenming.scoring.periods import parse_period
from wenming.standards.demo import load_example_standards

OFFICE_USER = "bench_office"
HEAD_USER = "bench_head"
TIME_ZONE = "Asia/Shanghai"

# Pages render {% static %}; the manifest storage needs collectstatic, which a benchmark does not run.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# How many patients rate a department of each category, relative to the others.
CATEGORY_WEIGHT = {
    DepartmentCategory.CLINICAL: 10.0,
    DepartmentCategory.MEDTECH: 2.0,
    DepartmentCategory.NURSING: 0.6,
    DepartmentCategory.ADMIN: 0.08,
}
CHANNELS = (("qr", 78), ("kiosk", 8), ("followup", 10), ("office", 2), ("import", 2))
INVALID_SHARE = 0.015
NAMED_STAFF_SHARE = 0.35
COMMENT_SHARE = 0.04
WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.35)
HOURS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 4, 6, 6, 5, 2, 2, 4, 5, 4, 3, 2, 1.5, 1.2, 0.8, 0.5, 0.3)
COMMENTS = {
    5: ("医生很耐心，解释得很清楚", "护士态度好，服务周到", "感谢医护人员的悉心照顾"),
    4: ("总体满意", "就是等候时间有点长", "服务不错"),
    3: ("总体还可以", "流程可以再简化", "候诊区有点拥挤"),
    2: ("排队时间太长", "医生解释不够清楚", "挂号太难"),
    1: ("服务态度差", "等了三个小时没人管", "收费不清楚"),
}
FEEDBACK_COLUMNS = [
    "id",
    "department_id",
    "staff_id",
    "at",
    "local_date",
    "overall",
    "answers",
    "comment",
    "channel",
    "questionnaire_version_id",
    "is_valid",
    "created_at",
    "client_key",
    "flag_reasons",
    "review_status",
]
ANSWER_COLUMNS = ["id", "feedback_id", "question_id", "dimension_id", "rating"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def sql_seconds(context: CaptureQueriesContext) -> float:
    return sum(float(q["time"]) for q in context.captured_queries)


# --- The hospital -----------------------------------------------------------------------------------
def ensure_hospital(args, rng: random.Random) -> None:
    """Use the hospital there is (bench/generate.py's), or make one with generate.py's organisation."""
    User = get_user_model()
    if User.objects.filter(username=OFFICE_USER).exists():
        print(f"Hospital: the one in the database ({Department.objects.count()} departments)")
        return
    if Department.objects.exists():
        print("Refusing to run: the database holds departments but no bench_office account.", file=sys.stderr)
        sys.exit(2)
    import generate  # bench/generate.py: the same organisation as the other benchmarks

    started = time.perf_counter()
    departments = generate.plan_departments(args.departments, rng)
    with transaction.atomic():
        generate.create_hospital()
        generate.create_departments(departments)
        _rows, branch_of = generate.create_party(departments)
        generate.create_staff(departments, args.staff, branch_of, args.year, rng)
        generate.create_accounts(departments)
        load_example_standards()
    print(
        f"Hospital: made {len(departments)} departments and {args.staff:,} staff "
        f"in {time.perf_counter() - started:.1f} s"
    )


def outpatient_version() -> QuestionnaireVersion:
    """The published outpatient questionnaire (made from its template when there is none)."""
    from wenming.questionnaires import services

    version = (
        QuestionnaireVersion.objects.filter(questionnaire__purpose="outpatient", status=VersionStatus.PUBLISHED)
        .order_by("-pk")
        .first()
    )
    if version is not None:
        return version
    office = get_user_model().objects.get(username=OFFICE_USER)
    questionnaire = services.questionnaire_create(
        by=office, name="门诊患者满意度调查（基准测试）", purpose="outpatient", template="outpatient"
    )
    draft = questionnaire.versions.get(number=1)
    version = services.version_publish(by=office, version=draft, expected_version=draft.version)
    services.questionnaire_use(by=office, questionnaire=questionnaire)
    return version


# --- Feedback ------------------------------------------------------------------------------------------
def empty_feedback() -> None:
    """Delete every feedback row and what refers to it (only ever in a benchmark database)."""
    related = [
        rel
        for rel in Feedback._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]
    if connection.vendor == "postgresql":
        tables = [Feedback._meta.db_table, *(rel.related_model._meta.db_table for rel in related)]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} CASCADE")
        return
    with transaction.atomic():
        for rel in related:
            manager = rel.related_model._base_manager
            if rel.field.null:
                manager.filter(**{f"{rel.field.name}__isnull": False}).update(**{rel.field.name: None})
            else:
                manager.all()._raw_delete(connection.alias)
        Feedback.objects.all()._raw_delete(connection.alias)


def load(model, columns: list[str], rows) -> int:
    """COPY on PostgreSQL, bulk_create elsewhere (bench/generate.py's loader)."""
    import generate

    return generate.load_rows(model, columns, rows)


def generate_feedback(args, rng: random.Random, months: list, version: QuestionnaireVersion) -> tuple[int, int]:
    """Write ``args.rows`` feedback rows over ``months``, day by day in time order. (rows, answers)"""
    zone = ZoneInfo(TIME_ZONE)
    departments = list(Department.objects.filter(is_active=True).values_list("pk", "category"))
    staff_of: dict[int, list[int]] = {}
    for pk, department_id in Staff.objects.filter(status=StaffStatus.ACTIVE).values_list("pk", "department_id"):
        staff_of.setdefault(department_id, []).append(pk)
    weights = [CATEGORY_WEIGHT.get(category, 1.0) * math.exp(rng.gauss(0, 0.4)) for _pk, category in departments]
    dept_cum = list(itertools.accumulate(weights))
    satisfied = {pk: min(0.995, max(0.82, rng.gauss(0.94, 0.03))) for pk, _c in departments}
    questions = list(
        version.questions.filter(kind=QuestionKind.RATING).order_by("order").values_list("pk", "key", "dimension_id")
    )
    channel_names = [c for c, _w in CHANNELS]
    channel_cum = list(itertools.accumulate(w for _c, w in CHANNELS))
    days = [m.start + timedelta(days=i) for m in months for i in range((m.end - m.start).days)]
    day_cum = list(itertools.accumulate(WEEKDAYS[d.weekday()] for d in days))
    per_day = [0] * len(days)
    for index in rng.choices(range(len(days)), cum_weights=day_cum, k=args.rows):
        per_day[index] += 1
    hour_cum = list(itertools.accumulate(HOURS))
    next_id = (Feedback.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_answer = (RatingAnswer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    made = answers_made = 0
    started = time.perf_counter()
    for day, count in zip(days, per_day, strict=True):
        if not count:
            continue
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        rows, answers = [], []
        picked = rng.choices(departments, cum_weights=dept_cum, k=count)
        hours = rng.choices(range(24), cum_weights=hour_cum, k=count)
        channels = rng.choices(channel_names, cum_weights=channel_cum, k=count)
        moments = sorted(midnight + timedelta(seconds=h * 3600 + rng.randrange(3600)) for h in hours)
        for (department_id, _category), at, channel in zip(picked, moments, channels, strict=True):
            share = satisfied[department_id]
            unsatisfied = 1 - share
            overall = rng.choices(
                (5, 4, 3, 2, 1),
                weights=(share * 0.8, share * 0.2, unsatisfied * 0.55, unsatisfied * 0.25, unsatisfied * 0.2),
            )[0]
            named = staff_of.get(department_id)
            staff = rng.choice(named) if named and rng.random() < NAMED_STAFF_SHARE else None
            comment = rng.choice(COMMENTS[overall]) if rng.random() < COMMENT_SHARE else ""
            answered = channel in ("qr", "kiosk") and questions and rng.random() < args.answered_share
            given = {}
            if answered:
                for question_id, key, dimension_id in questions:
                    rating = overall if rng.random() < 0.6 else max(1, min(5, overall + rng.choice((-2, -1, 1))))
                    given[key] = rating
                    answers.append((next_answer, next_id, question_id, dimension_id, rating))
                    next_answer += 1
            rows.append(
                (
                    next_id,
                    department_id,
                    staff,
                    at,
                    day,
                    overall,
                    given,
                    comment,
                    channel,
                    version.pk if answered else None,
                    rng.random() >= INVALID_SHARE,
                    at,
                    "",
                    [],
                    "",
                )
            )
            next_id += 1
        with transaction.atomic():
            made += load(Feedback, FEEDBACK_COLUMNS, rows)
            answers_made += load(RatingAnswer, ANSWER_COLUMNS, answers) if answers else 0
        if day.day == 1 or day == days[-1]:
            print(
                f"    up to {day}: {made:>10,} feedback, {answers_made:>10,} answers "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Feedback, RatingAnswer):
                table = model._meta.db_table
                highest = f"COALESCE((SELECT MAX(id) FROM {table}), 1)"
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {highest})")
            cursor.execute("VACUUM (ANALYZE) feedback_feedback")
            cursor.execute("VACUUM (ANALYZE) questionnaires_ratinganswer")
    return made, answers_made


# --- Pages -------------------------------------------------------------------------------------------------
class Figures:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, *row: str) -> None:
        self.rows.append(row)

    def print(self) -> None:
        print()
        print(f"| page ({connection.vendor}) | median | first | queries | SQL | size |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


def bench_page(label: str, client: Client, url: str, *, runs: int, cold: bool, figures: Figures) -> None:
    def get():
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        return response, time.perf_counter() - started

    response, first = get()
    times = [get()[1] for _i in range(runs)]
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as context:
        client.get(url, HTTP_HOST="localhost")
    queries, sql = len(context.captured_queries), sql_seconds(context)
    size = len(response.content)
    print(
        f"  {label}: {url} → {response.status_code}, {size / 1024:,.0f} KiB; first {ms(first)}, "
        f"median {ms(statistics.median(times))} of {runs}; {queries} queries, {ms(sql)} in SQL"
    )
    if response.status_code != 200:
        print(f"    unexpected status {response.status_code}", file=sys.stderr)
    figures.add(label, ms(statistics.median(times)), ms(first), str(queries), ms(sql), f"{size / 1024:,.0f} KiB")


def profile(client: Client, url: str) -> None:
    """The slowest queries of a cold dashboard, with their plans."""
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        client.get(url, HTTP_HOST="localhost")
    queries = sorted(context.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    print(f"\nSlowest queries of a cold {url} ({len(queries)} queries, {ms(sql_seconds(context))} in SQL):")
    for q in queries[:6]:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:240]}")
    explain = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    for q in queries[:3]:
        if not q["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"{explain} {q['sql']}")
            print(f"\n{explain} {q['sql'][:160]}…")
            for row in cursor.fetchall():
                print("   ", row[-1])


def bench_pages(month, runs: int, figures: Figures) -> None:
    from wenming.satisfaction import services
    from wenming.satisfaction.models import PublicBoard

    print("\nPages (Django test Client, server time in this process)")
    User = get_user_model()
    office, head = User.objects.get(username=OFFICE_USER), User.objects.get(username=HEAD_USER)
    head_dept = (
        RoleAssignment.objects.filter(user=head)
        .exclude(departments__code=None)
        .values_list("departments__code", flat=True)
        .first()
    )
    board = PublicBoard.objects.filter(pk=1).first()
    if board is None or not board.enabled or board.period_key != month.key:
        services.public_board_update(
            by=office,
            enabled=True,
            title="患者满意度公示",
            period_key=month.key,
            min_responses=30,
            expected_version=board.version if board else 1,
        )
    office_client, head_client, public_client = Client(), Client(), Client()
    office_client.force_login(office)
    head_client.force_login(head)
    quarter = f"{month.start.year}-Q{(month.start.month - 1) // 3 + 1}"
    pages = [
        ("dashboard, month, 文明办, cold", office_client, f"/satisfaction/?period={month.key}", True),
        ("dashboard, month, 文明办, warm", office_client, f"/satisfaction/?period={month.key}", False),
        (
            "dashboard, month, lowest first, 文明办, warm",
            office_client,
            f"/satisfaction/?period={month.key}&order=lowest",
            False,
        ),
        ("dashboard, quarter, 文明办, cold", office_client, f"/satisfaction/?period={quarter}", True),
        ("dashboard, month, 科主任", head_client, f"/satisfaction/?period={month.key}", False),
        (
            f"department page {head_dept}, month, 科主任",
            head_client,
            f"/satisfaction/{head_dept}/?period={month.key}",
            False,
        ),
        ("public board, cold", public_client, "/satisfaction/public/", True),
        ("public board, warm", public_client, "/satisfaction/public/", False),
    ]
    for label, client, url, cold in pages:
        bench_page(label, client, url, runs=runs, cold=cold, figures=figures)


# --- The command ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="feedback rows to write (default 2,000,000)")
    parser.add_argument("--months", type=int, default=1, help="spread them over this many months (default 1)")
    parser.add_argument("--month", default="", help="the month the dashboard shows, YYYY-MM (default: last full month)")
    parser.add_argument(
        "--answered-share", type=float, default=0.2, help="share of QR/kiosk feedback with questionnaire answers"
    )
    parser.add_argument("--departments", type=int, default=150, help="when making the hospital")
    parser.add_argument("--staff", type=int, default=3000, help="when making the hospital")
    parser.add_argument("--year", type=int, default=2026, help="when making the hospital (staff hiring dates)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty the feedback (and what refers to it) first")
    parser.add_argument("--skip-generate", action="store_true", help="measure the feedback already there")
    parser.add_argument("--profile", action="store_true", help="the slowest queries of a cold dashboard, with plans")
    args = parser.parse_args(argv)
    if args.months < 1 or args.rows < 0 or not 0 <= args.answered_share <= 1:
        parser.error("--months must be at least 1, --rows not negative, --answered-share between 0 and 1")

    require_bench_database()
    print(f"Database: {database_label()}")
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    ensure_hospital(args, rng)
    month = parse_period(args.month) if args.month else parse_period(hospital_today().strftime("%Y-%m")).previous()
    if month.cycle != "month":
        parser.error("--month takes a month, YYYY-MM")
    months = [month]
    while len(months) < args.months:
        months.insert(0, months[0].previous())

    if not args.skip_generate:
        if Feedback.objects.exists():
            if not args.reset:
                print(
                    "Refusing to run: the database already holds feedback. Use --reset to empty it first, "
                    "or --skip-generate to measure what is there.",
                    file=sys.stderr,
                )
                sys.exit(2)
            started = time.perf_counter()
            empty_feedback()
            print(f"Emptied the feedback in {time.perf_counter() - started:.1f} s")
        version = outpatient_version()
        print(f"Feedback: {args.rows:,} rows over {months[0].key} … {months[-1].key}")
        started = time.perf_counter()
        made, answers = generate_feedback(args, rng, months, version)
        print(f"  {made:,} feedback and {answers:,} rating answers in {time.perf_counter() - started:.0f} s")

    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Database: {database_label()}, {megabytes(database_size())}")
    print(f"Machine: {os.cpu_count()} cores, load average {load_average}; Python {platform.python_version()}")
    in_month = Feedback.objects.filter(local_date__gte=month.start, local_date__lt=month.end).count()
    print(
        f"Data: {Department.objects.count()} departments, {Feedback.objects.count():,} feedback rows "
        f"({in_month:,} in {month.key}), {RatingAnswer.objects.count():,} rating answers"
    )
    figures = Figures()
    bench_pages(month, args.runs, figures)
    if args.profile:
        client = Client()
        client.force_login(get_user_model().objects.get(username=OFFICE_USER))
        profile(client, f"/satisfaction/?period={month.key}")
    figures.print()
    print(f"\nLoad average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
