"""The import confirmed on the web page runs in a REAL Celery worker (Redis broker, shared test database)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from wenming.org.models import OrgImport, OrgImportStatus, Staff
from wenming.org.tests.test_import_command import database_url

BROKER_URL = os.environ.get("WENMING_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
DATA = Path(__file__).parent / "data"
TIMEOUT = 60


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed in CI for the worker test: {exc}")
        pytest.skip(f"Redis not reachable at {BROKER_URL}")
    return client


def _reset_producers(app):
    """Drop the app's connection and producer pools, and kombu's process-wide registry of them
    (keyed by broker URL), so that no later task in this process picks up a closed pool."""
    from kombu import pools

    pool = getattr(app, "_pool", None)
    if pool is not None:
        pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def celery_on_redis():
    """The test process sends tasks to Redis (on a queue of its own) instead of running them inline."""
    from config.celery import app

    redis_or_skip().flushdb()
    queue = f"wenming-test-{uuid.uuid4().hex[:8]}"
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(task_always_eager=False, broker_url=BROKER_URL, task_default_queue=queue)
    _reset_producers(app)
    yield queue
    app.conf.update(saved)
    _reset_producers(app)


@pytest.fixture
def worker(celery_on_redis, tmp_path):
    """A real worker process on the same database and media folder as this test."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),  # where the import files are kept
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    celery = Path(sys.executable).parent / "celery"
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=warning",
                "-Q",
                celery_on_redis,
                "-n",
                f"{celery_on_redis}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_confirmed_import_runs_in_a_real_worker(scenario, client_for, worker, monkeypatch):
    process, log_path = worker

    def not_here(**kwargs):
        raise AssertionError("the task ran in the test process, not in the worker")

    monkeypatch.setattr("wenming.org.tasks.org_import_run", not_here)
    client = client_for(scenario.office)
    files = {
        "departments": (DATA / "departments_utf8_bom.csv").open("rb"),
        "staff": (DATA / "staff_gb18030.csv").open("rb"),
    }
    try:
        client.post(reverse("org:import"), files)
    finally:
        for handle in files.values():
            handle.close()
    record = OrgImport.objects.get()
    assert record.status == OrgImportStatus.PREVIEWED, record.errors

    client.post(reverse("org:import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status in {OrgImportStatus.QUEUED, OrgImportStatus.RUNNING, OrgImportStatus.DONE}

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.status in {OrgImportStatus.DONE, OrgImportStatus.FAILED} or process.poll() is not None:
            break
        time.sleep(0.3)
    log = log_path.read_text(errors="replace")
    assert record.status == OrgImportStatus.DONE, f"status {record.status}, errors {record.errors}\n{log}"
    assert record.summary["staff_created"] == 1
    assert record.progress_done == record.progress_total == 6
    assert Staff.objects.get(staff_no="E0601").department.code == "D06"
    page = client.get(reverse("org:import_progress", args=[record.pk])).content.decode()
    assert 'hx-trigger="every' not in page
