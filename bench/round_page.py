"""Benchmark: the round-trip of recording a 20-item inspection round on the phone page.

    .venv/bin/python bench/round_page.py [--runs 3] [--port 8765] [--reuse]

What it measures (the issue: "the round-trip of recording a 20-item round on the phone page
(requests, bytes)"): an inspector on a phone-sized browser (Debian's chromium driven by Playwright,
390×844) logs in, opens the round page ``/inspections/rounds/new/?plan=&department=`` with an empty
browser cache (cold) and again in the same browser (warm), marks 20 deductions (count 1 and a short
Chinese note each; a ~150 KB JPEG on 2 of them, or none in the "without photos" variant), submits
the round (``round.js``: fetch + JSON) and waits for the summary page (``…/done/``). For each step:
the requests the browser made (and how many it answered from its cache), the bytes sent and
received as they went over the wire (headers included; bodies as transferred, i.e. compressed where
the server compressed them) from Playwright's ``request.sizes()``, the wall time in the browser and
the server's time from gunicorn's access log (``%(D)s``).

Set-up, all of it thrown away: a SQLite database and a var folder in ``/tmp/wm-bench-round-var``
(``WENMING_VAR_DIR``; ``DATABASE_URL`` is set to a file there whatever the environment says),
emptied at the start unless ``--reuse`` is given; ``migrate``, ``load_demo`` (account ``inspector``
/ ``Wenming2026``), ``collectstatic`` (WhiteNoise then serves the static files precompressed and,
having hashed names, cacheable for ever), a standard of 26 deduction items (BENCH-ROUND-2026, below)
and a weekly plan over 6 clinical departments with the inspector. The app runs under gunicorn
(2 workers, DEBUG off) on 127.0.0.1; it is stopped at the end.

Each run records two rounds (with and without photos), each in a new browser context (so a new
login and an empty cache) and its own department of the plan (taken in turn). Requests and bytes
are the same from run to run (to a few bytes: dates, ids); times are the median of ``--runs`` with
the range in brackets. ``--details`` lists every request of the first run, as the browser saw it
and as gunicorn logged it (the browser's ``/favicon.ico`` shows only there: Playwright does not
report it).
"""

import argparse
import gzip
import io
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

VAR = Path("/tmp/wm-bench-round-var")
DATABASE = VAR / "bench-round.sqlite3"
ACCESS_LOG = VAR / "gunicorn-access.log"
SERVER_LOG = VAR / "gunicorn.log"

if __name__ == "__main__" and "--reuse" not in sys.argv and VAR.exists():
    shutil.rmtree(VAR)  # before Django is set up: it makes the folder (and a secret key) again
VAR.mkdir(parents=True, exist_ok=True)
os.environ["WENMING_VAR_DIR"] = str(VAR)
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
for name in ("DEBUG", "CELERY_BROKER_URL", "CACHE_URL", "STATIC_ROOT", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
    os.environ.pop(name, None)  # the embedded defaults, all under VAR

from common import ROOT, database_label, require_bench_database  # noqa: E402 — sets Django up
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser tests' settings)
from wenming.inspections.models import InspectionPlan, InspectionRound, Photo, RoundFinding  # noqa: E402
from wenming.org.models import Department, DepartmentCategory  # noqa: E402
from wenming.standards.models import Standard  # noqa: E402
from wenming.standards.services import standard_import  # noqa: E402

PHONE = {"width": 390, "height": 844}
USERNAME, PASSWORD = "inspector", "Wenming2026"
PLAN_NAME = "巡查基准测试（26项扣分）"
FINDINGS = 20
PHOTO_CODES = ("E1", "E2")  # the two findings that get a photo
PHOTO_BYTES = 150 * 1024
RECTIFY_CODES = ["E1", "E2", "E3"]  # as the demo's plan: environment findings open a rectification item

STANDARD_YAML = """\
# A standard for bench/round_page.py: 26 deduction items (the example monthly standard has 18).
code: BENCH-ROUND-2026
name: 文明科室巡查细则（基准测试）
subject: department
cycle: month
full_score: 100
grades:
  - {name: 优秀, min: 95}
  - {name: 良好, min: 85}
  - {name: 合格, min: 70}
  - {name: 不合格, min: 0}
veto_grade: 不合格
items:
  - code: A
    name: 组织领导与创建机制
    points: 10
    rule: deduct
    deductions:
      - {code: A1, name: 未制定科室月度创建计划, points: 2}
      - {code: A2, name: 创建活动无记录或记录不全, points: 1}
      - {code: A3, name: 目标任务未分解到人, points: 1}
  - code: B
    name: 思想道德与学习
    points: 10
    rule: deduct
    deductions:
      - {code: B1, name: 无故缺席政治学习或业务学习（每人次）, points: 0.5}
      - {code: B2, name: 未按要求开展道德讲堂等活动, points: 2}
      - {code: B3, name: 学习笔记不全（每人）, points: 0.5}
  - code: C
    name: 医德医风与行风建设
    points: 25
    rule: deduct
    deductions:
      - {code: C1, name: 服务态度生硬被投诉并查实（每起）, points: 3}
      - {code: C2, name: 不合理检查、不合理用药、不合理收费（每起）, points: 5}
      - {code: C3, name: 收受红包回扣未主动上交（每起）, points: 10}
      - {code: C4, name: 抗生素使用不合理（每例）, points: 1}
      - {code: C5, name: 推诿患者（每起）, points: 2}
  - code: D
    name: 文明优质服务
    points: 20
    children:
      - code: D1
        name: 亮牌上岗、公开承诺
        points: 8
        rule: deduct
        deductions:
          - {code: D1a, name: 未佩戴工作牌（每人次）, points: 0.5}
          - {code: D1b, name: 岗位承诺未公示, points: 2}
          - {code: D1c, name: 仪容仪表不规范（每人次）, points: 0.5}
      - code: D2
        name: 服务流程与文明用语
        points: 12
        rule: deduct
        deductions:
          - {code: D2a, name: 未使用文明用语（每人次）, points: 1}
          - {code: D2b, name: 首诊负责制落实不到位（每起）, points: 2}
          - {code: D2c, name: 上班时间玩手机、闲聊（每人次）, points: 1}
          - {code: D2d, name: 健康宣教未落实（每次）, points: 1}
  - code: E
    name: 环境卫生与安全
    points: 15
    rule: deduct
    deductions:
      - {code: E1, name: 科室环境脏乱（每次巡查）, points: 1}
      - {code: E2, name: 物品摆放不规范（每次巡查）, points: 0.5}
      - {code: E3, name: 吸烟或未制止吸烟（每人次）, points: 1}
      - {code: E4, name: 消防通道堵塞（每处）, points: 2}
      - {code: E5, name: 医疗废物分类不规范（每次）, points: 1}
      - {code: E6, name: 公示栏信息未及时更新, points: 0.5}
      - {code: E7, name: 便民设施损坏未报修（每处）, points: 0.5}
      - {code: E8, name: 卫生间不洁（每次巡查）, points: 0.5}
  - code: S
    name: 患者满意度
    points: 20
    rule: satisfaction
    target: 0.95
    step: 0.01
    step_points: 1
    min_responses: 30
"""
STANDARD_CODE = "BENCH-ROUND-2026"

NOTES = (
    "护士站物品摆放杂乱",
    "候诊区地面有积水",
    "一名护士未佩戴工作牌",
    "走廊堆放杂物",
    "公示栏信息已过期",
    "医疗废物未分类",
    "治疗车未归位",
    "值班医生接诊时语气生硬",
    "健康宣教资料缺失",
    "卫生间地面湿滑无提示",
)


# --- Set-up (Django, in this process) ------------------------------------------------------------


def set_up(reuse: bool) -> None:
    require_bench_database()
    started = time.perf_counter()
    if reuse and (VAR / "ready").exists():  # written once the set-up below has finished
        print(f"Reusing {database_label()}")
    else:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_demo", stdout=io.StringIO())  # it prints the demo logins
        call_command("collectstatic", verbosity=0, interactive=False)
        standard_import(text=STANDARD_YAML, filename="bench-round.yaml")
        (VAR / "ready").write_text("set up by bench/round_page.py\n")
        print(f"Set up {database_label()} in {time.perf_counter() - started:.0f} s")
    inspector = get_user_model().objects.get(username=USERNAME)
    plan = InspectionPlan.objects.filter(name=PLAN_NAME).first()
    if plan is None:
        plan = InspectionPlan.objects.create(
            name=PLAN_NAME, standard=Standard.objects.get(code=STANDARD_CODE), rectify_codes=RECTIFY_CODES
        )
        departments = Department.objects.filter(is_active=True, category=DepartmentCategory.CLINICAL)
        plan.departments.set(list(departments.order_by("path")[:6]))
        plan.inspectors.set([inspector])


def plan_and_departments() -> tuple[int, list[tuple[int, str]]]:
    plan = InspectionPlan.objects.get(name=PLAN_NAME)
    return plan.pk, [(d.pk, d.name) for d in plan.departments.order_by("path")]


def make_photo(path: Path, seed: int) -> int:
    """A photo-like JPEG (smooth colour fields with some grain, 1280×960, no EXIF) of about
    PHOTO_BYTES: the JPEG quality is searched for."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _i in range(64 * 48)])
    image = small.resize((1280, 960), Image.BICUBIC).filter(ImageFilter.GaussianBlur(6))
    grain = Image.effect_noise((1280, 960), 24).convert("RGB")
    image = Image.blend(image, grain, 0.18)
    low, high, best = 20, 95, None
    while low <= high:
        quality = (low + high) // 2
        image.save(path, format="JPEG", quality=quality)
        size = path.stat().st_size
        if best is None or abs(size - PHOTO_BYTES) < abs(best[1] - PHOTO_BYTES):
            best = (quality, size)
        if size < PHOTO_BYTES:
            low = quality + 1
        else:
            high = quality - 1
    image.save(path, format="JPEG", quality=best[0])
    return path.stat().st_size


# --- The server -----------------------------------------------------------------------------------


def start_server(port: int) -> subprocess.Popen:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is taken: choose another with --port.")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--access-logfile",
        str(ACCESS_LOG),
        "--access-logformat",
        "%(s)s\t%(B)s\t%(D)s\t%({content-length}i)s\t%(r)s",
    ]
    log = SERVER_LOG.open("ab")
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as answer:
                answer.read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_server(server)
                sys.exit(f"gunicorn did not start; see {SERVER_LOG}")
            time.sleep(0.3)
    return server


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- Recording the network ----------------------------------------------------------------------


@dataclass
class Hit:
    method: str
    url: str
    kind: str  # Playwright's resource type
    status: int = 0
    sent: int = 0  # request headers + body
    sent_body: int = 0
    received: int = 0  # response headers + body as transferred
    received_body: int = 0
    decoded: int | None = None  # the body after decompression (documents and fetches only)
    gzipped: int | None = None  # that body through gzip -6 (what compressing it would send)
    accept_encoding: str = ""
    encoding: str = ""
    cached: bool = False
    duration: float = 0.0  # ms, request start to response end (Playwright timing)
    failed: str = ""


@dataclass
class ServerHit:
    status: str
    body: int
    micros: int
    request_length: int
    line: str


@dataclass
class Phase:
    name: str
    hits: list[Hit] = field(default_factory=list)
    server: list[ServerHit] = field(default_factory=list)
    wall: float = 0.0  # ms

    def network(self) -> list[Hit]:
        return [h for h in self.hits if not h.cached]

    @property
    def requests(self) -> int:
        return len(self.network())

    @property
    def from_cache(self) -> int:
        return sum(h.cached for h in self.hits)

    @property
    def sent(self) -> int:
        return sum(h.sent for h in self.network())

    @property
    def received(self) -> int:
        return sum(h.received for h in self.network())

    @property
    def server_ms(self) -> float:
        return sum(s.micros for s in self.server) / 1000


class Recorder:
    """Every request of one page, filed under the phase current when it started. Whether the
    browser answered it from its cache comes from the DevTools protocol (Playwright reports cached
    requests like the others)."""

    def __init__(self, page, context) -> None:
        self.page = page
        self.phase: Phase | None = None
        self.cached: set[str] = set()  # DevTools request ids answered from the browser's cache
        self.log_offset = ACCESS_LOG.stat().st_size if ACCESS_LOG.exists() else 0
        self.pending: dict = {}
        self.urls: dict[str, str] = {}
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        self.cdp = cdp
        cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on(
            "Network.responseReceived",
            lambda e: e["response"].get("fromDiskCache") and self.cached.add(e["requestId"]),
        )
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)

    def clear_cache(self) -> None:
        self.cdp.send("Network.clearBrowserCache")

    def _request(self, request) -> None:
        if self.phase is None or request.url.startswith("data:"):
            return
        hit = Hit(request.method, request.url, request.resource_type)
        self.phase.hits.append(hit)
        self.pending[request] = hit

    def _finished(self, request) -> None:
        hit = self.pending.pop(request, None)
        if hit is None:
            return
        sizes = request.sizes()
        response = request.response()
        hit.sent_body = max(sizes["requestBodySize"], 0)
        if request.method == "POST":  # Playwright counts no body made of files (Blobs): the header does
            length = request.header_value("content-length") or ""
            hit.sent_body = max(hit.sent_body, int(length) if length.isdigit() else 0)
        hit.sent = max(sizes["requestHeadersSize"], 0) + hit.sent_body
        hit.received_body = max(sizes["responseBodySize"], 0)
        hit.received = max(sizes["responseHeadersSize"], 0) + hit.received_body
        timing = request.timing
        hit.duration = max(timing["responseEnd"], 0)
        if response is not None:
            hit.status = response.status
            hit.encoding = response.headers.get("content-encoding", "")
            if hit.kind in ("document", "fetch", "xhr") and response.status < 300:
                try:
                    body = response.body()
                except PlaywrightError:  # the page has moved on and the body is gone
                    body = None
                if body is not None:
                    hit.decoded, hit.gzipped = len(body), len(gzip.compress(body, compresslevel=6))
                hit.accept_encoding = request.header_value("accept-encoding") or ""

    def _failed(self, request) -> None:
        hit = self.pending.pop(request, None)
        if hit is not None:
            hit.failed = request.failure or "failed"

    def start(self, name: str) -> Phase:
        self.phase = Phase(name)
        self.cached = set()
        return self.phase

    def finish(self) -> Phase:
        self.page.wait_for_load_state("networkidle")
        time.sleep(0.2)  # gunicorn writes its access log line after the answer
        phase = self.phase
        # Playwright does not give the DevTools request id: the last n requests of a URL are the
        # n answered from the cache (a URL is fetched before the cache can answer it).
        from_cache = Counter(self.urls.get(request_id, "") for request_id in self.cached)
        for hit in reversed(phase.hits):
            if from_cache[hit.url] > 0:
                hit.cached = True
                from_cache[hit.url] -= 1
        with ACCESS_LOG.open("rb") as log:
            log.seek(self.log_offset)
            lines = log.read().decode().splitlines()
            self.log_offset = log.tell()
        for line in lines:
            status, body, micros, length, request_line = line.split("\t", 4)
            phase.server.append(
                ServerHit(
                    status,
                    int(body) if body.isdigit() else 0,
                    int(micros),
                    int(length) if length.isdigit() else 0,
                    request_line,
                )
            )
        self.phase = None
        return phase


# --- One round -------------------------------------------------------------------------------------


def record_round(browser, base: str, plan: int, department: int, photos: list[Path]) -> list[Phase]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    recorder = Recorder(page, context)
    phases = []
    try:
        recorder.start("log in (login page, POST, home page)")
        started = time.perf_counter()
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        recorder.phase.wall = (time.perf_counter() - started) * 1000
        phases.append(recorder.finish())

        url = f"{base}/inspections/rounds/new/?plan={plan}&department={department}"
        recorder.clear_cache()
        for name in ("open the round page, cold cache", "open the round page, warm cache"):
            phase = recorder.start(name)
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            phase.wall = (time.perf_counter() - started) * 1000
            phases.append(recorder.finish())

        phase = recorder.start(f"mark {FINDINGS} findings" + (f", {len(photos)} photos" if photos else ""))
        started = time.perf_counter()
        rows = page.locator(".wm-f[data-code]")
        codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
        assert len(codes) >= 24, f"the checklist has {len(codes)} deductions"
        chosen = codes[:FINDINGS]
        for code in PHOTO_CODES[: len(photos)]:
            assert code in chosen
        given = dict(zip(PHOTO_CODES, photos, strict=False))
        for number, code in enumerate(chosen):
            row = page.get_by_test_id(f"finding-{code}")
            row.locator(".wm-step button").last.click()
            row.locator(f"textarea[name=f-{code}-note]").fill(f"{NOTES[number % len(NOTES)]}（{number + 1}）")
            if code in given:
                row.locator(f"input[name=f-{code}-photos]").set_input_files(str(given[code]))
                row.locator(".wm-photos:not([hidden])").wait_for()
        total = page.locator("[data-total]").inner_text()
        assert total.startswith(str(FINDINGS)), total
        page.wait_for_timeout(400)  # the draft is saved 300 ms after typing
        phase.wall = (time.perf_counter() - started) * 1000
        phases.append(recorder.finish())

        phase = recorder.start("submit (POST) and the done page")
        started = time.perf_counter()
        with page.expect_navigation(url="**/done/", wait_until="load"):
            page.get_by_test_id("submit-round").click()
        phase.wall = (time.perf_counter() - started) * 1000
        page.get_by_test_id("round-done").wait_for()
        phases.append(recorder.finish())
    finally:
        context.close()
    return phases


# --- Reporting ---------------------------------------------------------------------------------------


def kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB"


def median(values: list[float]) -> str:
    middle = statistics.median(values)
    if len(values) > 1 and max(values) - min(values) >= 1:
        return f"{middle:,.0f} ({min(values):,.0f}–{max(values):,.0f})"
    return f"{middle:,.0f}"


def same(values: list[int]) -> str:
    return f"{values[0]:,}" if len(set(values)) == 1 else f"{min(values):,}–{max(values):,}"


def describe(runs: list[list[Phase]], title: str) -> None:
    print(f"\n{title} — Markdown, medians of {len(runs)} runs; times in ms")
    print("| step | requests (+ from cache) | sent | received | server time | wall time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for index, first in enumerate(runs[0]):
        same_phase = [run[index] for run in runs]
        requests = same([p.requests for p in same_phase])
        cached = same([p.from_cache for p in same_phase])
        sent = statistics.median([p.sent for p in same_phase])
        received = statistics.median([p.received for p in same_phase])
        server = median([p.server_ms for p in same_phase])
        wall = median([p.wall for p in same_phase])
        print(f"| {first.name} | {requests} (+{cached}) | {kib(sent)} | {kib(received)} | {server} | {wall} |")
    posts = [(post_of(run[4]), [s for s in run[4].server if s.line.startswith("POST ")]) for run in runs]
    print(
        f"| … of which the POST (fetch, JSON answer) | 1 | {kib(statistics.median(h.sent for h, _s in posts))} | "
        f"{kib(statistics.median(h.received for h, _s in posts))} | "
        f"{median([sum(x.micros for x in s) / 1000 for _h, s in posts])} | {median([h.duration for h, _s in posts])} |"
    )
    # Phases: 0 log in, 1 open cold, 2 open warm, 3 mark, 4 submit and the done page.
    for label, picks in (("cold", (1, 3, 4)), ("warm", (2, 3, 4))):
        rows = [[run[i] for i in picks] for run in runs]
        requests = same([sum(p.requests for p in r) for r in rows])
        sent = statistics.median([sum(p.sent for p in r) for r in rows])
        received = statistics.median([sum(p.received for p in r) for r in rows])
        server = median([sum(p.server_ms for p in r) for r in rows])
        print(
            f"| **round-trip, page {label}** (open, mark, submit, done) | **{requests}** | **{kib(sent)}** | "
            f"**{kib(received)}** | {server} | |"
        )
    server_times(runs)


SERVER_REQUESTS = (
    ("the round page (GET)", re.compile(r"GET /inspections/rounds/new/\?")),
    ("the round (POST)", re.compile(r"POST /inspections/rounds/new/ ")),
    ("the done page (GET)", re.compile(r"GET /inspections/rounds/\d+/done/ ")),
    ("the notifications badge (htmx, every page)", re.compile(r"GET /notifications/badge/ ")),
    ("a static file (WhiteNoise)", re.compile(r"GET /static/")),
)


def server_times(runs: list[list[Phase]]) -> None:
    """gunicorn's time for each kind of request of the round (log in excluded)."""
    print("  server time per request (gunicorn, median and range, ms):")
    for label, pattern in SERVER_REQUESTS:
        times = [s.micros / 1000 for run in runs for phase in run[1:] for s in phase.server if pattern.match(s.line)]
        if times:
            middle, low, high = statistics.median(times), min(times), max(times)
            print(f"    {label}: {middle:,.1f} ({low:,.1f}–{high:,.1f}), {len(times)} requests")


def post_of(phase: Phase) -> Hit:
    return next(h for h in phase.hits if h.method == "POST")


def compression(run: list[Phase]) -> None:
    """What the answers were sent as: HTML and JSON come from Django, static files from WhiteNoise."""
    print("\nCompression (the browser sent Accept-Encoding: " + (run[1].hits[0].accept_encoding or "—") + ")")
    seen = set()
    for phase in run:
        for hit in phase.network():
            path = "/" + hit.url.split("//", 1)[-1].split("/", 1)[-1]
            key = (hit.method, re.sub(r"\d+", "N", path.split("?")[0]))
            if hit.kind not in ("document", "fetch", "xhr") or hit.decoded is None or key in seen:
                continue
            seen.add(key)
            print(
                f"  {hit.method} {path[:60]}: Content-Encoding {hit.encoding or 'none'}, body "
                f"{kib(hit.received_body)} on the wire, {kib(hit.decoded)} decoded, {kib(hit.gzipped)} gzipped (-6)"
            )


def details(run: list[Phase]) -> None:
    """The requests of one run, one line each (what the table adds up)."""
    for phase in run:
        print(f"\n  {phase.name}: wall {phase.wall:,.0f} ms")
        for hit in phase.hits:
            path = hit.url.split("//", 1)[-1].split("/", 1)[-1]
            where = "cache" if hit.cached else f"{hit.status}"
            decoded = f" (decoded {kib(hit.decoded)})" if hit.decoded is not None else ""
            encoding = f" [{hit.encoding}]" if hit.encoding else ""
            print(
                f"    {hit.method:4} /{path[:70]:70} {hit.kind:10} {where:>5}  sent {kib(hit.sent):>10}  "
                f"received {kib(hit.received):>10}{encoding}{decoded}  {hit.duration:,.0f} ms{hit.failed}"
            )
        for server in phase.server:
            print(
                f"    server: {server.line[:80]:80} {server.status} {kib(server.body):>10} "
                f"in {server.micros / 1000:,.1f} ms, request body {kib(server.request_length)}"
            )


def last_round() -> int:
    return InspectionRound.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def check_rounds(after: int, expected: int, photos: int) -> None:
    """The rounds this run submitted are all stored, with their findings and photos."""
    connections.close_all()
    rounds = InspectionRound.objects.filter(plan__name=PLAN_NAME, pk__gt=after)
    found = rounds.count()
    findings = RoundFinding.objects.filter(round__in=rounds).count()
    stored_photos = Photo.objects.filter(finding__round__in=rounds).count()
    print(f"\nStored: {found} rounds, {findings} findings, {stored_photos} photos")
    assert found == expected and findings == expected * FINDINGS and stored_photos == photos, "rounds missing"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds of each kind (default 3)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--details", action="store_true", help="list every request of the first run")
    options = parser.parse_args(argv)
    runs = max(1, options.runs)

    set_up(options.reuse)
    plan, departments = plan_and_departments()
    photos = [VAR / "IMG_0001.jpg", VAR / "IMG_0002.jpg"]
    sizes = [make_photo(path, seed) for seed, path in enumerate(photos, start=1)]
    print(f"Plan {PLAN_NAME} (pk {plan}): {', '.join(name for _pk, name in departments)}")
    print(f"Photos: {', '.join(kib(s) for s in sizes)} (1280×960 JPEG)")
    after = last_round()
    print(f"Load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    connections.close_all()

    base = f"http://127.0.0.1:{options.port}"
    with_photos: list[list[Phase]] = []
    without_photos: list[list[Phase]] = []
    server = start_server(options.port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for run in range(runs):
                    with_photos.append(
                        record_round(browser, base, plan, departments[(2 * run) % len(departments)][0], photos)
                    )
                    without_photos.append(
                        record_round(browser, base, plan, departments[(2 * run + 1) % len(departments)][0], [])
                    )
                    print(f"run {run + 1} of {runs} done")
            finally:
                browser.close()
    finally:
        stop_server(server)

    check_rounds(after, 2 * runs, runs * len(photos))
    if options.details:
        print("\nEvery request of the first run, with photos:")
        details(with_photos[0])
        print("\nEvery request of the first run, without photos:")
        details(without_photos[0])
    compression(with_photos[0])
    print(f"\nLoad average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    describe(with_photos, f"With photos ({len(photos)} × ~150 KB)")
    describe(without_photos, "Without photos")


if __name__ == "__main__":
    main()
