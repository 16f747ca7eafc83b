"""Benchmark: a year's 医德考评 on the large hospital of ``bench/generate.py`` (5,000 staff).

    .venv/bin/python bench/ethics.py [--year 2026] [--daily 2000] [--runs 5]

Needs a benchmark database holding the generated hospital (see bench/README.md). Each run first
removes what an earlier run left (the cycle, its daily records, the YDKP year's records and
period), then, timing each service call:

1. starts the cycle over every member of staff in post (``cycle_create``: members and the pinned
   scoring period);
2. adds ``--daily`` approved daily records (a mix of praise, red envelopes, criticism, violations and
   ten vetoes) and everyone's self-evaluation and manual scores (Y7, Y8) directly, as months of use
   would have left them;
3. moves the cycle to the hospital step (``cycle_advance``: computes the year for everyone and copies
   the results beside the decisions), gives the computed grades (``hospital_accept_computed``) and
   publishes;

then measures, through Django's test ``Client`` (server time in this process, DEBUG off): the
committee page of the whole hospital and of one department, a department's panel (bench_head), the
publicity list, a person's 医德档案, the eligibility Excel — queries, SQL time, first request and
median of ``--runs``, size.
"""

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from common import database_label, require_bench_database  # sets Django up
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.evaluations.models import (
    CycleState,
    DailyKind,
    DailyRecord,
    DailyState,
    EthicsCycle,
    EthicsMember,
    Objection,
)
from wenming.evaluations.services import cycles, steps
from wenming.org.models import Department
from wenming.scoring.models import Record, RecordKind, RecordStatus, ScoringPeriod
from wenming.standards.models import Standard

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STANDARD = "YDKP-2026"
DAILY = (
    (DailyKind.PRAISE, "P2", 40),
    (DailyKind.RED_ENVELOPE, "P1", 15),
    (DailyKind.AWARD, "P3", 5),
    (DailyKind.CRITICISM, "Y4a", 20),
    (DailyKind.VIOLATION, "Y5a", 5),
    (DailyKind.VIOLATION, "Y6a", 10),
    (DailyKind.OTHER, "", 5),
)


def timed(label: str, call):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    print(f"{label:<58} {1000 * (time.perf_counter() - started):8.0f} ms  {len(queries):5d} queries")
    return result


def reset(year: int, standard: Standard) -> None:
    with transaction.atomic():
        Objection.objects.filter(member__cycle__year=year).delete()
        daily = DailyRecord.objects.filter(cycle__year=year)
        records = list(daily.exclude(record=None).values_list("record_id", flat=True))
        daily.delete()
        Record.objects.filter(pk__in=records).delete()
        EthicsCycle.objects.filter(year=year).delete()
        Record.objects.filter(standard=standard).filter(period_key=str(year)).delete()
        Record.objects.filter(standard=standard, date__year=year).delete()
        ScoringPeriod.objects.filter(standard=standard, key=str(year)).delete()


def fill(cycle: EthicsCycle, office, count: int, rng: random.Random) -> None:
    """Approved daily records with their counting records, self-evaluations and manual scores."""
    members = list(cycle.members.all())
    kinds = [k for k, _code, weight in DAILY for _ in range(weight)]
    codes = {k: c for k, c, _w in DAILY}
    now = timezone.now()
    picks = [(rng.choice(members), rng.choice(kinds)) for _ in range(count)]
    picks += [(rng.choice(members), "veto") for _ in range(10)]
    dailies, records = [], []
    for member, kind in picks:
        day = date(cycle.year, 1, 1) + timedelta(days=rng.randrange(330))
        code = "X7" if kind == "veto" else codes[kind]
        record_kind = {"P": RecordKind.BONUS, "Y": RecordKind.FINDING, "X": RecordKind.VETO}.get(code[:1])
        record = None
        if record_kind:
            record = Record(
                kind=record_kind,
                standard=cycle.standard,
                staff_id=member.staff_id,
                code=code,
                date=day,
                status=RecordStatus.COUNTS,
                entered_by=office,
            )
            records.append(record)
        dailies.append((member, DailyKind.VIOLATION if kind == "veto" else kind, day, code, record))
    Record.objects.bulk_create(records, batch_size=2000)
    DailyRecord.objects.bulk_create(
        [
            DailyRecord(
                cycle=cycle,
                staff_id=m.staff_id,
                department_id=m.department_id,
                kind=kind,
                date=day,
                code=code,
                description="基准测试记录",
                state=DailyState.APPROVED,
                entered_by=office,
                hospital_by=office,
                hospital_at=now,
                record=record,
            )
            for m, kind, day, code, record in dailies
        ],
        batch_size=2000,
    )
    manual = []
    for m in members:
        m.self_summary, m.self_grade, m.self_at = "本年度认真履职，遵守医德规范。", "良好", now
        for code in ("Y7", "Y8"):
            manual.append(
                Record(
                    kind=RecordKind.MANUAL,
                    standard=cycle.standard,
                    staff_id=m.staff_id,
                    code=code,
                    period_key=str(cycle.year),
                    value=Decimal(rng.choice(("10", "9.5", "9", "8.5", "8"))),
                    status=RecordStatus.COUNTS,
                    entered_by=office,
                )
            )
    EthicsMember.objects.bulk_update(members, ["self_summary", "self_grade", "self_at"], batch_size=2000)
    Record.objects.bulk_create(manual, batch_size=2000)


def page(client: Client, label: str, url: str, runs: int) -> None:
    times = []
    first = None
    for n in range(runs + 1):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
        elapsed = 1000 * (time.perf_counter() - started)
        if n == 0:
            first = elapsed
        else:
            times.append(elapsed)
    sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(
        f"{label:<44} {response.status_code} {statistics.median(times):7.0f} ms (first {first:.0f})"
        f"  {len(queries):3d} queries, SQL {sql:5.0f} ms  {len(body) / 1024:8.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--daily", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    require_bench_database()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    standard = Standard.objects.get(code=STANDARD)
    users = get_user_model().objects
    office, head = users.get(username="bench_office"), users.get(username="bench_head")
    print(f"database: {database_label()}")
    reset(args.year, standard)
    rng = random.Random(1)
    cycle = timed(
        "cycle_create (every member of staff in post)",
        lambda: cycles.cycle_create(by=office, year=args.year, standard=standard),
    )
    members = cycle.members.count()
    print(f"  {members} people")
    cycle = cycles.cycle_advance(cycle=cycle, by=office)
    cycle = cycles.cycle_advance(cycle=cycle, by=office)
    timed(
        f"fill: {args.daily} daily records, self-evaluations, manual scores",
        lambda: fill(cycle, office, args.daily, rng),
    )
    cycle = timed(
        "cycle_advance → hospital step (compute, copy results)", lambda: cycles.cycle_advance(cycle=cycle, by=office)
    )
    timed("hospital_accept_computed", lambda: steps.hospital_accept_computed(by=office, cycle=cycle))
    cycle = timed("cycle_advance → publicity (quota check)", lambda: cycles.cycle_advance(cycle=cycle, by=office))
    assert cycle.state == CycleState.PUBLICITY
    grades = dict(cycle.members.values_list("final_grade").annotate(n=__import__("django").db.models.Count("pk")))
    print(f"  grades: {grades}")
    client = Client()
    client.force_login(office)
    department = Department.objects.filter(pk__in=cycle.members.values("department_id")).order_by("-depth").first()
    person = cycle.members.select_related("staff").filter(engine_vetoed=True).first() or cycle.members.first()
    year = args.year
    page(client, "committee page, whole hospital (office)", f"/evaluations/{year}/committee/", args.runs)
    page(client, "committee page, one department", f"/evaluations/{year}/committee/?department=D001", args.runs)
    page(client, "committee page, needing attention", f"/evaluations/{year}/committee/?show=attention", args.runs)
    page(client, "cycle page with progress (office)", f"/evaluations/{year}/", args.runs)
    page(client, "publicity list", f"/evaluations/{year}/publicity/", args.runs)
    page(client, "daily records list (office)", f"/evaluations/{year}/records/", args.runs)
    page(client, "医德档案 of a vetoed person", f"/people/{person.staff.staff_no}/ethics/", args.runs)
    page(client, "登记表 DOCX", f"/people/{person.staff.staff_no}/ethics/{year}/form.docx", args.runs)
    page(client, "登记表 PDF", f"/people/{person.staff.staff_no}/ethics/{year}/form.pdf", args.runs)
    page(client, "eligibility list", f"/evaluations/{year}/eligibility/?draft=1", args.runs)
    page(client, "eligibility Excel", f"/evaluations/{year}/eligibility.xlsx?draft=1", args.runs)
    client.force_login(head)
    head_department = Department.objects.get(code="D001")
    page(
        client, f"department panel {head_department.name} (科主任)", f"/evaluations/{year}/departments/D001/", args.runs
    )
    print(f"  (a ward: {department.code}, {department.name})")


if __name__ == "__main__":
    main()
