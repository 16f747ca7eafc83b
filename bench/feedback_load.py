"""Load the public submit endpoint ``/r/<code>/`` under gunicorn on PostgreSQL, and compare with
django-survey-and-report doing the same job.

What it does, all from this one process (no Django imported here: the server is a separate process,
as in production):

1. Prepares a benchmark database (its name must contain ``bench``): migrates it and gives it a
   hospital, ``--codes`` departments each with an active QR code.
2. For each gunicorn configuration in ``--configs`` (``sync:2``, ``gthread:2x4`` …) starts gunicorn
   with the production settings (DEBUG off, Redis cache, Celery enqueuing to Redis instead of
   running tasks inline, rate limits raised out of the way), warms it up, and loads it ``--runs``
   times for ``--duration`` seconds with **wrk** (``apt-get install wrk``) from this machine: every
   request a fresh ``submission_id`` and its own User-Agent (a different phone), a random code, the
   ratings in the hospital's usual mix, a comment on ``--comment-share`` of them. Prints
   submissions/s (2xx answers a second) and p50/p99 latency, median of the runs, and the load average.
3. Checks the best configuration: rows created equal the 200 answers (each request tracked, from a
   thread pool), and resending every one of those submission ids — one by one and all at once
   under wrk — creates no row.
4. ``--profile N``: N submissions through Django's WSGI handler in this machine's Python (in a child
   process), under cProfile, with the queries of one submission.
5. Unless ``--skip-dsr``: makes a virtualenv with django-survey-and-report from PyPI (``--dsr-venv``,
   kept between runs), a minimal project with an equivalent one-page anonymous survey (one 1–5
   rating question as radio buttons, one optional comment), serves it the same way on its own
   database and loads it the same way. **CSRF is disabled** in that project for the run (its form
   otherwise needs a GET per POST for the token; disabling it only makes it faster). A POST is
   answered with a redirect to the confirmation page (302 counts as success). Reports the ratio of
   throughputs and whether resending one answer stores it twice.

Run: ``.venv/bin/python bench/feedback_load.py --help``. It stops every gunicorn it started, even on
Ctrl-C. The feedback rows it writes stay in the benchmark database (``--reset`` empties the table
first).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

RATINGS = "5555555555555555555555555555555555555555555555555555555555555555555555555555554444444444444444433321"
COMMENTS = ("医生很耐心，谢谢", "护士服务态度好", "排队时间有点长", "环境干净", "希望增加挂号窗口")


# --- Small helpers --------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_quiet(limit: float, patience: float, pause: float) -> str:
    """Pause ``pause`` seconds, then (with a ``limit``) wait up to ``patience`` seconds for the
    1-minute load average to fall under it. The load average it found."""
    time.sleep(pause)
    deadline = time.monotonic() + patience
    while limit and os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(5)
    return loadavg()


def db_name(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def psql(url: str, sql: str) -> str:
    """Run SQL with psql against the server of ``url`` (database given in the URL)."""
    out = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def ensure_database(url: str) -> None:
    name = db_name(url)
    if "bench" not in name:
        sys.exit(f"Refusing to run: the database name {name!r} does not contain 'bench'.")
    server = url.rsplit("/", 1)[0] + "/postgres"
    if psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        psql(server, f'CREATE DATABASE "{name}"')


class Server:
    """One gunicorn serving ``app`` with ``env``; stopped (the whole process group) on exit."""

    def __init__(self, *, gunicorn, app, env, cwd, port, config: str, log: Path):
        kind, _, size = config.partition(":")
        workers, _, threads = size.partition("x")
        args = [str(gunicorn), app, "--bind", f"127.0.0.1:{port}", "--workers", workers or "2"]
        args += ["--worker-class", kind, "--backlog", "2048", "--log-level", "warning"]
        if kind == "gthread":
            args += ["--threads", threads or "4"]
        self.args, self.env, self.cwd, self.port, self.log = args, env, cwd, port, log
        self.proc = None

    def __enter__(self):
        self.logfile = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.args, env=self.env, cwd=self.cwd, stdout=self.logfile, stderr=self.logfile, start_new_session=True
        )
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logfile.close()

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        sys.exit(f"gunicorn did not answer {path} within {timeout} s; see {self.log}")


# --- wrk ------------------------------------------------------------------------------------

WRK_COMMON = """
local threads = {}
local counter = 0
statuses = {}
sent = 0
setup = function(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
init = function(args)
  math.randomseed(tid * 7919 + os.time())
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local agg, total_sent = {}, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do agg[tostring(k)] = (agg[tostring(k)] or 0) + v end
    total_sent = total_sent + t:get("sent")
  end
  local parts = {}
  for k, v in pairs(agg) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "sent": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
    '"statuses": {%s}}\\n',
    summary.requests, summary.duration, total_sent, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, table.concat(parts, ", ")))
end
"""

WRK_WENMING = """
local codes = {%(codes)s}
local ratings = "%(ratings)s"
local comments = {%(comments)s}
local comment_share = %(comment_share)f
local nonce = "%(nonce)s"
request = function()
  counter = counter + 1
  sent = sent + 1
  local sid = string.format("%%s%%04x%%020x", nonce, tid, counter)
  local code = codes[math.random(#codes)]
  local r = math.random(#ratings)
  local body = "overall=" .. ratings:sub(r, r) .. "&submission_id=" .. sid .. "&comment="
  if math.random() < comment_share then body = body .. comments[math.random(#comments)] end
  return wrk.format("POST", "/r/" .. code .. "/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "Mozilla/5.0 (Linux; Android 14) MicroMessenger bench/" .. nonce .. "-" .. tid .. "-" .. counter,
  }, body)
end
"""

# Resend: each thread walks through its share of the given (code, submission id, body) lines, again
# and again; the answers must all be the thank-you page and no row may appear.
WRK_RESEND = """
local lines = {}
local pos = 0
init = function(args)
  local i = 0
  for line in io.lines("%(file)s") do
    i = i + 1
    if i %% %(threads)d == tid - 1 then table.insert(lines, line) end
  end
end
request = function()
  sent = sent + 1
  pos = pos %% #lines + 1
  local code, body = lines[pos]:match("^(%%S+) (.*)$")
  return wrk.format("POST", "/r/" .. code .. "/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "Mozilla/5.0 resend " .. pos,
  }, body)
end
"""

WRK_DSR = """
local body_start = "%(body)s"
local ratings = "%(ratings)s"
local comments = {%(comments)s}
local comment_share = %(comment_share)f
request = function()
  counter = counter + 1
  sent = sent + 1
  local r = math.random(#ratings)
  local body = string.format(body_start, ratings:sub(r, r))
  if math.random() < comment_share then body = body .. comments[math.random(#comments)] end
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "Mozilla/5.0 (Linux; Android 14) bench/" .. tid .. "-" .. counter,
  }, body)
end
"""


def lua_list(items) -> str:
    return ", ".join(json.dumps(item, ensure_ascii=True) for item in items)


def urlencoded_lua(text: str) -> str:
    return urllib.parse.quote(text)


def run_wrk(*, port: int, script: str, duration: int, connections: int, threads: int, workdir: Path) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=workdir, delete=False) as f:
        f.write(WRK_COMMON + script)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s", "-s", f.name,
         f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    os.unlink(f.name)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    result = json.loads(line[len("WRKJSON ") :])
    ok = sum(n for status, n in result["statuses"].items() if status.startswith(("2", "3")))
    seconds = result["duration_us"] / 1e6
    result.update(ok=ok, rate=ok / seconds, seconds=seconds)
    return result


def fmt_run(r: dict) -> str:
    return (
        f"{r['rate']:7.1f}/s  p50 {r['p50_us'] / 1000:6.1f} ms  p90 {r['p90_us'] / 1000:6.1f} ms  "
        f"p99 {r['p99_us'] / 1000:6.1f} ms  answers {r['statuses']}  errors "
        f"{ {k: v for k, v in r['errors'].items() if v} or 0 }"
    )


def measure(*, label, port, make_script, count_rows, args, workdir: Path) -> dict:
    """Warm up, then ``args.runs`` timed runs; each run's new rows are counted against its 2xx."""
    run_wrk(port=port, script=make_script(), duration=args.warmup, connections=args.connections,
            threads=args.wrk_threads, workdir=workdir)  # fmt: skip
    runs = []
    for i in range(args.runs):
        load = wait_quiet(args.max_load, args.patience, args.pause)
        before = count_rows()
        result = run_wrk(port=port, script=make_script(), duration=args.duration, connections=args.connections,
                         threads=args.wrk_threads, workdir=workdir)  # fmt: skip
        time.sleep(1)  # let the requests in flight when wrk stopped finish
        result["rows"] = count_rows() - before
        result["load"] = load
        in_flight = result["sent"] - result["requests"]
        print(
            f"  {label} run {i + 1}: {fmt_run(result)}\n"
            f"      rows created {result['rows']} vs 2xx {result['ok']} (+{in_flight} requests in flight when wrk "
            f"closed its connections: {result['ok']} ≤ rows ≤ {result['ok'] + in_flight}); load before: {load}",
            flush=True,
        )
        runs.append(result)
    summary = {
        "label": label,
        "rate": statistics.median(r["rate"] for r in runs),
        "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
        "loads": [r["load"] for r in runs],
        "runs": runs,
    }
    print(
        f"  {label}: median {summary['rate']:.1f} submissions/s, p50 {summary['p50_ms']:.1f} ms, "
        f"p99 {summary['p99_ms']:.1f} ms",
        flush=True,
    )
    return summary


# --- Wenming --------------------------------------------------------------------------------

PREPARE = """
import json, sys
from wenming.feedback import services
from wenming.feedback.models import Feedback, RatingCode
from wenming.org.models import Department, Hospital
reset, count = sys.argv[1] == "1", int(sys.argv[2])
if reset:
    Feedback.objects.all().delete()
Hospital.objects.update_or_create(pk=1, defaults={"name": "压测人民医院", "short_name": "压测医院"})
have = set(Department.objects.filter(code__startswith="B").values_list("code", flat=True))
for i in range(count):
    code = f"B{i:04d}"
    if code not in have:
        Department.objects.create(code=code, name=f"压测科室{i:04d}")
services.rating_codes_ensure(by=None)
codes = list(RatingCode.objects.filter(active=True, kind="department", department__code__startswith="B")
             .order_by("department__code").values_list("code", flat=True)[:count])
print(json.dumps(codes))
"""

COUNT = "from wenming.feedback.models import Feedback; print(Feedback.objects.count())"

PROFILE = r"""
import cProfile, io, pstats, sys, time, uuid
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
n, codes = int(sys.argv[1]), sys.argv[2].split(",")
handler = WSGIHandler()

def environ(i):
    body = f"overall=5&comment=&submission_id={uuid.uuid4().hex}".encode()
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/r/{codes[i % len(codes)]}/", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": f"profile {i}", "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }

def call(i):
    status = []
    out = b"".join(handler(environ(i), lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), (status, out[:500])

for i in range(50):
    call(i)
with CaptureQueriesContext(connection) as ctx:
    call(10**6)
print(f"Queries of one submission ({len(ctx.captured_queries)}):")
for q in ctx.captured_queries:
    print(f"  {q['time']}s  {q['sql'][:220]}")
start = time.perf_counter()
for i in range(n):
    call(i)
plain = time.perf_counter() - start
print(f"\n{n} submissions in one process, no profiler: {plain / n * 1000:.2f} ms each ({n / plain:.0f}/s on one core)")
profile = cProfile.Profile()
profile.enable()
for i in range(n):
    call(n + i)
profile.disable()
for key in ("cumulative", "tottime"):
    s = io.StringIO()
    pstats.Stats(profile, stream=s).strip_dirs().sort_stats(key).print_stats(35)
    print(s.getvalue())
"""


def wenming_env(args, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WENMING_"))}
    env.update(
        DATABASE_URL=args.database_url,
        CACHE_URL=args.cache_url,
        CELERY_BROKER_URL=args.broker_url,
        WENMING_VAR_DIR=str(workdir / "var"),
        DJANGO_SETTINGS_MODULE=args.settings,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        WENMING_FEEDBACK_CODE_PER_MINUTE="100000000",
        WENMING_FEEDBACK_CLIENT_PER_MINUTE="100000000",
        SECRET_KEY="bench-feedback-load-" + "x" * 40,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), *args.pythonpath, env.get("PYTHONPATH", "")) if p),
    )
    return env


def django_run(env, code: str, *argv) -> str:
    out = subprocess.run(
        [str(VENV_PY), "-c", "import django; django.setup()\n" + code, *argv],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode:
        sys.exit(f"Django child failed:\n{out.stderr[-3000:]}")
    return out.stdout


def post(port: int, path: str, body: str, ua: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": ua},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check_wenming(args, env, port: int, codes: list[str], workdir: Path) -> None:
    """Every request tracked: rows == 200s; then resending all of them creates nothing."""
    count = lambda: int(django_run(env, COUNT))  # noqa: E731
    rng = random.Random(1)
    sent = [(rng.choice(codes), f"overall={rng.choice(RATINGS)}&comment=&submission_id={uuid.uuid4().hex}")
            for _ in range(args.check)]  # fmt: skip
    before = count()
    with ThreadPoolExecutor(args.connections) as pool:
        answers = list(pool.map(lambda cb: post(port, f"/r/{cb[0]}/", cb[1], "check " + cb[1][-32:]), sent))
    created = count() - before
    ok = answers.count(200)
    print(f"  tracked: {len(sent)} submissions, {ok} answered 200, {created} rows created "
          f"→ {'equal' if ok == created else 'NOT EQUAL'}", flush=True)  # fmt: skip
    with ThreadPoolExecutor(args.connections) as pool:
        again = list(pool.map(lambda cb: post(port, f"/r/{cb[0]}/", cb[1], "again " + cb[1][-32:]), sent))
    after_one = count()
    # The same ids once more, from wrk at full speed for a few seconds (each sent many times).
    lines = workdir / "resend.txt"
    lines.write_text("".join(f"{code} {body}\n" for code, body in sent))
    threads = args.wrk_threads
    result = run_wrk(port=port, script=WRK_RESEND % {"file": lines, "threads": threads}, duration=5,
                     connections=args.connections, threads=threads, workdir=workdir)  # fmt: skip
    time.sleep(1)
    after_all = count()
    dup = int(
        django_run(
            env,
            "from django.db.models import Count; from wenming.feedback.models import Feedback;"
            "print(Feedback.objects.values('submission_id').annotate(n=Count('pk')).filter(n__gt=1).count())",
        )
    )
    print(
        f"  resent each once: answers { {a: again.count(a) for a in set(again)} }, "
        f"new rows {after_one - before - created}; "
        f"resent by wrk {result['requests']} times ({result['rate']:.0f}/s, answers {result['statuses']}): new rows "
        f"{after_all - after_one}; submission ids stored twice in the whole table: {dup}",
        flush=True,
    )


def bench_wenming(args, workdir: Path) -> dict | None:
    env = wenming_env(args, workdir)
    (workdir / "var").mkdir(exist_ok=True)
    ensure_database(args.database_url)
    subprocess.run([str(VENV_PY), "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    codes = json.loads(django_run(env, PREPARE, "1" if args.reset else "0", str(args.codes)))
    print(f"Wenming: {len(codes)} codes on {db_name(args.database_url)}, settings {args.settings}", flush=True)
    if args.profile:
        print(django_run(env, PROFILE, str(args.profile), ",".join(codes[:50])), flush=True)
        if args.profile_only:
            return None
    count = lambda: int(django_run(env, COUNT))  # noqa: E731
    results = []
    for config in args.configs:

        def script():
            nonce = f"{random.getrandbits(32):08x}"  # a new one each run: the ids never repeat
            return WRK_WENMING % {
                "codes": lua_list(codes), "ratings": RATINGS, "comments": lua_list(map(urlencoded_lua, COMMENTS)),
                "comment_share": args.comment_share, "nonce": nonce,
            }  # fmt: skip

        server = Server(gunicorn=GUNICORN, app=args.app, env=env, cwd=ROOT, port=args.port, config=config,
                        log=workdir / "gunicorn.log")  # fmt: skip
        with server:
            server.wait_ready(f"/r/{codes[0]}/")
            results.append(measure(label=f"wenming {config}", port=args.port, make_script=script, count_rows=count,
                                   args=args, workdir=workdir))  # fmt: skip
    best = max(results, key=lambda r: r["rate"])
    print(f"Best: {best['label']}", flush=True)
    if args.check:
        config = best["label"].split()[-1]
        server = Server(gunicorn=GUNICORN, app=args.app, env=env, cwd=ROOT, port=args.port, config=config,
                        log=workdir / "gunicorn.log")  # fmt: skip
        with server:
            server.wait_ready(f"/r/{codes[0]}/")
            check_wenming(args, env, args.port, codes, workdir)
    return {"results": results, "best": best}


# --- django-survey-and-report -------------------------------------------------------------

DSR_SETTINGS = """
import os
SECRET_KEY = "bench-dsr-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "survey",
]
# CSRF disabled for the benchmark (see bench/feedback_load.py): the stock list without CsrfViewMiddleware.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "dsrbench.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["DSR_DB"], "USER": "postgres",
    "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
STATIC_URL = "/static/"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
"""

DSR_URLS = """
from django.urls import include, path
urlpatterns = [path("survey/", include("survey.urls"))]
"""

DSR_PREPARE = """
import json, sys
from survey.models import Answer, Question, Response, Survey
if sys.argv[1] == "1":
    Response.objects.all().delete()
survey = Survey.objects.filter(name="患者满意度").first()
if survey is None:
    survey = Survey.objects.create(name="患者满意度", description="扫码评价我们的服务", is_published=True,
                                   need_logged_user=False, editable_answers=True, display_method=Survey.ALL_IN_ONE_PAGE,
                                   expire_date="2099-12-31")
    Question.objects.create(survey=survey, text="总体满意度", order=1, required=True, type=Question.RADIO,
                            choices="1, 2, 3, 4, 5")
    Question.objects.create(survey=survey, text="意见或建议", order=2, required=False, type=Question.TEXT)
rating, comment = survey.questions.order_by("order")
print(json.dumps({"survey": survey.pk, "rating": rating.pk, "comment": comment.pk}))
"""

DSR_COUNT = "from survey.models import Response; print(Response.objects.count())"


def dsr_setup(args, workdir: Path) -> tuple[dict, Path]:
    venv = Path(args.dsr_venv)
    py = venv / "bin" / "python"
    if not (venv / "bin" / "gunicorn").exists():
        print(f"Making {venv} with django-survey-and-report (PyPI) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "django-survey-and-report", "gunicorn",
                        "psycopg[binary]"], check=True)  # fmt: skip
    project = workdir / "dsr-project"
    (project / "dsrbench").mkdir(parents=True, exist_ok=True)
    (project / "dsrbench" / "__init__.py").write_text("")
    (project / "dsrbench" / "settings.py").write_text(DSR_SETTINGS)
    (project / "dsrbench" / "urls.py").write_text(DSR_URLS)
    (project / "dsrbench" / "wsgi.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'dsrbench.settings')\n"
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WENMING_"))}
    env.update(DSR_DB=db_name(args.dsr_database_url), DJANGO_SETTINGS_MODULE="dsrbench.settings",
               PYTHONPATH=str(project))  # fmt: skip
    ensure_database(args.dsr_database_url)
    subprocess.run([str(py), "-m", "django", "migrate", "-v0"], env=env, cwd=project, check=True)
    return env, py


def dsr_run(py: Path, env, project: Path, code: str, *argv) -> str:
    out = subprocess.run([str(py), "-c", "import django; django.setup()\n" + code, *argv],
                         env=env, cwd=project, capture_output=True, text=True)  # fmt: skip
    if out.returncode:
        sys.exit(f"django-survey-and-report child failed:\n{out.stderr[-3000:]}")
    return out.stdout


def bench_dsr(args, workdir: Path) -> dict:
    env, py = dsr_setup(args, workdir)
    project = workdir / "dsr-project"
    ids = json.loads(dsr_run(py, env, project, DSR_PREPARE, "1" if args.reset else "0"))
    path = f"/survey/{ids['survey']}/"
    body = f"question_{ids['rating']}=%s&question_{ids['comment']}="
    count = lambda: int(dsr_run(py, env, project, DSR_COUNT))  # noqa: E731
    version = subprocess.run([str(py), "-m", "pip", "show", "django-survey-and-report"], capture_output=True,
                             text=True).stdout.split("Version: ")[1].split()[0]  # fmt: skip
    print(f"django-survey-and-report {version}: survey {path} on {db_name(args.dsr_database_url)}", flush=True)
    results = []
    for config in args.dsr_configs or args.configs:

        def script():
            return WRK_DSR % {"body": body, "ratings": RATINGS, "comments": lua_list(map(urlencoded_lua, COMMENTS)),
                              "comment_share": args.comment_share, "path": path}  # fmt: skip

        server = Server(gunicorn=Path(args.dsr_venv) / "bin" / "gunicorn", app="dsrbench.wsgi:application", env=env,
                        cwd=project, port=args.port + 1, config=config, log=workdir / "gunicorn-dsr.log")  # fmt: skip
        with server:
            server.wait_ready(path)
            results.append(measure(label=f"dsr {config}", port=args.port + 1, make_script=script, count_rows=count,
                                   args=args, workdir=workdir))  # fmt: skip
            if config == (args.dsr_configs or args.configs)[-1]:
                one = body % "4" + "同一份回答"
                before = count()
                answers = [post(args.port + 1, path, one, "resend") for _ in range(3)]
                print(f"  the same answer sent 3 times: answers {answers}, responses stored {count() - before}",
                      flush=True)  # fmt: skip
    best = max(results, key=lambda r: r["rate"])
    print(f"Best: {best['label']}", flush=True)
    return {"results": results, "best": best}


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/wenming_bench_feedback",
        help="PostgreSQL database for Wenming (name must contain 'bench'; created if missing)",
    )
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/5", help="Django cache (rate limits, codes)")
    parser.add_argument(
        "--broker-url",
        default="redis://127.0.0.1:6379/5",
        help="Celery broker: tasks are enqueued, as in production, not run in the request",
    )
    parser.add_argument(
        "--settings",
        default="config.settings",
        help="DJANGO_SETTINGS_MODULE for the server (a throwaway module to try a change)",
    )
    parser.add_argument("--pythonpath", action="append", default=[], help="extra folder on the server's path")
    parser.add_argument("--app", default="config.wsgi:application", help="the WSGI application gunicorn serves")
    parser.add_argument("--codes", type=int, default=300, help="departments with a QR code (default 300)")
    parser.add_argument(
        "--configs",
        type=lambda s: s.split(","),
        default=["sync:2", "sync:3", "sync:4", "gthread:2x4"],
        help="gunicorn configurations, comma-separated KIND:WORKERS[xTHREADS] (default %(default)s)",
    )
    parser.add_argument("--duration", type=int, default=30, help="seconds a timed run lasts (default 30)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per configuration (default 3)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before the timed runs (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (default 1: leave the cores to the server)"
    )
    parser.add_argument("--comment-share", type=float, default=0.1, help="share of submissions with a comment")
    parser.add_argument("--pause", type=float, default=5, help="seconds of rest before each timed run (default 5)")
    parser.add_argument(
        "--max-load",
        type=float,
        default=0,
        help="then wait for the 1-minute load average to fall under this (default 0: do not wait; "
        "the runs themselves keep it near the core count)",
    )
    parser.add_argument("--patience", type=float, default=120, help="…but no longer than this many seconds")
    parser.add_argument(
        "--check",
        type=int,
        default=2000,
        help="tracked submissions for the rows-equal-200s and resend checks (0: skip)",
    )
    parser.add_argument("--profile", type=int, default=0, help="profile N submissions in-process (0: skip)")
    parser.add_argument("--profile-only", action="store_true", help="only prepare and profile")
    parser.add_argument("--port", type=int, default=8790, help="Wenming's port; django-survey-and-report's is +1")
    parser.add_argument("--reset", action="store_true", help="delete the feedback (and survey responses) first")
    parser.add_argument("--skip-dsr", action="store_true", help="do not compare with django-survey-and-report")
    parser.add_argument("--dsr-only", action="store_true", help="only django-survey-and-report")
    parser.add_argument("--dsr-venv", default="/tmp/wm-bench-dsr-venv", help="its virtualenv (made when missing)")
    parser.add_argument("--dsr-database-url", default="postgres://postgres@127.0.0.1:5432/wenming_bench_dsr")
    parser.add_argument(
        "--dsr-configs",
        type=lambda s: s.split(","),
        default=None,
        help="its gunicorn configurations (default: the same as --configs)",
    )
    parser.add_argument(
        "--workdir", default=None, help="folder for logs and the generated project (default: a temp one)"
    )
    args = parser.parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True).returncode:
        sys.exit("wrk is missing: apt-get install -y wrk")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="wm-feedback-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {os.cpu_count()} cores, load average {loadavg()}; wrk {args.wrk_threads} thread(s), "
          f"{args.connections} connections, {args.runs} × {args.duration} s per configuration; logs in {workdir}",
          flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    ours = None if args.dsr_only else bench_wenming(args, workdir)
    if args.profile_only:
        return
    theirs = None if args.skip_dsr else bench_dsr(args, workdir)
    print("\nSummary (medians of the runs):")
    for part in (ours, theirs):
        for r in (part or {}).get("results", []):
            print(f"  {r['label']:<22} {r['rate']:7.1f}/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                  f"load {r['loads']}")  # fmt: skip
    if ours and theirs:
        ratio = ours["best"]["rate"] / theirs["best"]["rate"]
        print(f"  best against best: {ours['best']['label']} / {theirs['best']['label']} = {ratio:.1f}×")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
