"""Benchmark: computing periods and showing results on the large hospital of bench/generate.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench \\
        .venv/bin/python bench/scoring.py [--month 2026-10] [--quarter 2026-Q3] [--runs 7] [--profile]

Only for a benchmark database (see bench/common.py); it writes results (recomputations) there.
Prints, for WMKS-M-2026 and its rollup WMKS-Q-2026:

* computing one month for every department in scope (``period_compute``):
  - "first call": the first computation in this process (new connection, nothing cached in Python);
  - "cold": the first computation of each of several other months in this process (their rows not
    yet read by it; the database's and the operating system's caches are not dropped — the machine
    is shared — so "cold" here means "not yet touched by this run");
  - "warm": the median of ``--runs`` recomputations of the same month;
  with the number of queries and the time spent in SQL of one warm run;
* the quarter rollup (which recomputes its three months first): first call and median;
* the ranking page and the scorecard (``scoring:ranking``, ``scoring:scorecard``) through Django's
  test ``Client``, logged in as bench_office (文明办) and bench_head (a department head): status,
  queries, SQL time and server time (first request, then the median of ``--runs``). A page whose URL
  name does not resolve yet is skipped with a message.

``--profile`` lists the slowest queries of a warm month, and on PostgreSQL their EXPLAIN ANALYZE.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter

from common import database_label, database_size, megabytes, require_bench_database
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from wenming.feedback.models import Feedback
from wenming.org.models import Department, RoleAssignment
from wenming.scoring.models import Record, Result, ScoringPeriod
from wenming.scoring.services.periods import period_compute

MONTH_STANDARD = "WMKS-M-2026"
QUARTER_STANDARD = "WMKS-Q-2026"
OFFICE_USER = "bench_office"
HEAD_USER = "bench_head"

# Pages render {% static %}; the manifest storage needs collectstatic, which a benchmark does not run.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def sql_seconds(context: CaptureQueriesContext) -> float:
    return sum(float(q["time"]) for q in context.captured_queries)


class Figures:
    """The summary table printed at the end (Markdown, for bench/README.md)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, time_: str, queries: str = "", note: str = "") -> None:
        self.rows.append((what, time_, queries, note))

    def print(self) -> None:
        print()
        print(f"| measure ({connection.vendor}) | time | queries | note |")
        print("| --- | ---: | ---: | --- |")
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


# --- Computing -------------------------------------------------------------------------------------
def compute(code: str, key: str) -> None:
    period_compute(standard_code=code, period_key=key)


def bench_month(month: str, cold_months: list[str], runs: int, figures: Figures) -> None:
    print(f"\nCompute {MONTH_STANDARD} {month} (every department in scope)")
    first = timed(compute, MONTH_STANDARD, month)
    print(f"  first call in this process:  {ms(first)}")
    cold = []
    for key in cold_months:
        cold.append(timed(compute, MONTH_STANDARD, key))
        print(f"  cold {key}:                {ms(cold[-1])}")
    warm = [timed(compute, MONTH_STANDARD, month) for _i in range(runs)]
    with CaptureQueriesContext(connection) as context:
        captured = timed(compute, MONTH_STANDARD, month)
    queries, sql = len(context.captured_queries), sql_seconds(context)
    print(f"  warm: median {ms(statistics.median(warm))}, best {ms(min(warm))} of {runs}")
    print(f"  one warm run: {len(context.captured_queries)} queries, {ms(sql)} in SQL of {ms(captured)}")
    figures.add("month: first call in process", ms(first), str(queries))
    if cold:
        figures.add(
            "month: cold (median of months first computed in this run)",
            ms(statistics.median(cold)),
            str(queries),
            f"{len(cold)} months, max {ms(max(cold))}",
        )
    figures.add(
        "month: warm (median)", ms(statistics.median(warm)), str(queries), f"{runs} runs; SQL {ms(sql)} of one run"
    )
    sanity(MONTH_STANDARD, month)


def bench_quarter(quarter: str, runs: int, figures: Figures) -> None:
    print(f"\nCompute {QUARTER_STANDARD} {quarter} (rollup: computes its months that have begun, then itself)")
    first = timed(compute, QUARTER_STANDARD, quarter)
    print(f"  first call in this process:  {ms(first)}")
    warm = [timed(compute, QUARTER_STANDARD, quarter) for _i in range(runs)]
    with CaptureQueriesContext(connection) as context:
        timed(compute, QUARTER_STANDARD, quarter)
    queries, sql = len(context.captured_queries), sql_seconds(context)
    print(f"  warm: median {ms(statistics.median(warm))}, best {ms(min(warm))} of {runs}")
    print(f"  one warm run: {queries} queries, {ms(sql)} in SQL")
    figures.add("quarter rollup: first call (its 3 months not yet computed in this run)", ms(first), str(queries))
    figures.add("quarter rollup: warm (median)", ms(statistics.median(warm)), str(queries), f"{runs} runs")
    sanity(QUARTER_STANDARD, quarter)


def sanity(code: str, key: str) -> None:
    """What came out: grades, flags, totals, so one can see the data means something."""
    results = list(
        Result.objects.filter(period__standard__code=code, period__key=key).values("total", "grade", "flags")
    )
    if not results:
        print("  (no results)")
        return
    grades = Counter(r["grade"] for r in results)
    flags = Counter(flag.split(":")[0] for r in results for flag in r["flags"])
    totals = sorted(r["total"] for r in results)
    print(
        f"  {len(results)} results; totals min {totals[0]}, median {totals[len(totals) // 2]}, max {totals[-1]}; "
        f"grades {dict(grades)}; flags {dict(flags)}"
    )


def profile(code: str, key: str) -> None:
    """The slowest queries of one warm computation, with their plans (EXPLAIN ANALYZE on PostgreSQL)."""
    with CaptureQueriesContext(connection) as context:
        compute(code, key)
    queries = sorted(context.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    total = sql_seconds(context)
    print(f"\nSlowest queries of one warm computation of {code} {key} ({len(queries)} queries, {ms(total)} in SQL):")
    for q in queries[:8]:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
    if connection.vendor != "postgresql":
        for q in queries[:3]:
            if q["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN QUERY PLAN {q['sql']}")
                    print(f"\nEXPLAIN QUERY PLAN {q['sql'][:200]}…")
                    for row in cursor.fetchall():
                        print("   ", row[-1])
        return
    for q in queries[:3]:
        if not q["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {q['sql']}")
            print(f"\nEXPLAIN ANALYZE {q['sql'][:200]}…")
            for (line,) in cursor.fetchall():
                print("   ", line)


# --- Pages -------------------------------------------------------------------------------------------
def page_url(name: str, *args: str) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def bench_page(label: str, client: Client, url: str, runs: int, figures: Figures) -> None:
    def get():
        return client.get(url, HTTP_HOST="localhost")

    started = time.perf_counter()
    try:
        response = get()
    except Exception as exc:  # noqa: BLE001 — a page still being written may fail; say so and go on
        print(f"  {label}: {url} raised {type(exc).__name__}: {exc}")
        figures.add(label, "error", "", f"{type(exc).__name__}")
        return
    first = time.perf_counter() - started
    times = []
    for _i in range(runs):
        started = time.perf_counter()
        get()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as context:
        get()
    queries, sql = len(context.captured_queries), sql_seconds(context)
    size = len(response.content)
    print(
        f"  {label}: {url} → {response.status_code}, {size / 1024:,.0f} KiB; first {ms(first)}, "
        f"median {ms(statistics.median(times))} of {runs}; {queries} queries, {ms(sql)} in SQL"
    )
    note = f"HTTP {response.status_code}, {size / 1024:,.0f} KiB, SQL {ms(sql)}, first {ms(first)}"
    figures.add(label, ms(statistics.median(times)), str(queries), note)


def bench_pages(month: str, quarter: str, runs: int, figures: Figures) -> None:
    print("\nPages (Django test Client, server time in this process)")
    User = get_user_model()
    office, head = User.objects.get(username=OFFICE_USER), User.objects.get(username=HEAD_USER)
    head_dept = (
        RoleAssignment.objects.filter(user=head)
        .values_list("departments__code", flat=True)
        .exclude(departments__code=None)
        .first()
    )
    other_dept = Department.objects.filter(category="clinical", parent__isnull=False).order_by("code").first()
    if page_url("scoring:ranking", MONTH_STANDARD, month) is None:
        print("  skipped the ranking page: the URL name scoring:ranking does not resolve yet")
        figures.add("ranking page", "skipped", "", "scoring:ranking not there yet")
    else:
        office_client = Client()
        office_client.force_login(office)
        bench_page(
            "ranking page, month (office)",
            office_client,
            page_url("scoring:ranking", MONTH_STANDARD, month),
            runs,
            figures,
        )
        bench_page(
            "ranking page, quarter (office)",
            office_client,
            page_url("scoring:ranking", QUARTER_STANDARD, quarter),
            runs,
            figures,
        )
    if page_url("scoring:scorecard", MONTH_STANDARD, month, head_dept) is None:
        print("  skipped the scorecard: the URL name scoring:scorecard does not resolve yet")
        figures.add("scorecard", "skipped", "", "scoring:scorecard not there yet")
        return
    office_client = Client()
    office_client.force_login(office)
    head_client = Client()
    head_client.force_login(head)
    bench_page(
        f"scorecard, month, {other_dept.code} (office)",
        office_client,
        page_url("scoring:scorecard", MONTH_STANDARD, month, other_dept.code),
        runs,
        figures,
    )
    bench_page(
        f"scorecard, month, {head_dept} (department head)",
        head_client,
        page_url("scoring:scorecard", MONTH_STANDARD, month, head_dept),
        runs,
        figures,
    )
    bench_page(
        f"scorecard, quarter, {head_dept} (department head)",
        head_client,
        page_url("scoring:scorecard", QUARTER_STANDARD, quarter, head_dept),
        runs,
        figures,
    )


# --- The command ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--quarter", default="2026-Q3")
    parser.add_argument(
        "--cold-months",
        default="2026-01,2026-02,2026-03,2026-04,2026-05,2026-06",
        help="months computed once each for the cold figure (comma separated; empty: none)",
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="the slowest queries and their plans")
    parser.add_argument("--skip-compute", action="store_true", help="only the pages (periods already computed)")
    args = parser.parse_args(argv)

    require_bench_database()
    if not Department.objects.exists() or not get_user_model().objects.filter(username=OFFICE_USER).exists():
        print("No benchmark hospital here: run bench/generate.py first.", file=sys.stderr)
        sys.exit(2)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Database: {database_label()}, {megabytes(database_size())}")
    print(
        f"Machine: {os.cpu_count()} cores, load average {load} (shared with other work); "
        f"Python {platform.python_version()}"
    )
    print(
        f"Data: {Department.objects.count()} departments, {Record.objects.count():,} records, "
        f"{Feedback.objects.count():,} feedback rows"
    )
    figures = Figures()
    cold_months = [m.strip() for m in args.cold_months.split(",") if m.strip()]
    if args.skip_compute:
        for code, key in ((MONTH_STANDARD, args.month), (QUARTER_STANDARD, args.quarter)):
            if not ScoringPeriod.objects.filter(standard__code=code, key=key).exists():
                compute(code, key)
    else:
        bench_month(args.month, cold_months, args.runs, figures)
        bench_quarter(args.quarter, args.runs, figures)
    if args.profile:
        profile(MONTH_STANDARD, args.month)
        profile(QUARTER_STANDARD, args.quarter)
    bench_pages(args.month, args.quarter, args.runs, figures)
    figures.print()
    print(f"\nLoad average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
