"""Shared by the benchmark scripts: Django set-up and the guard that keeps them off real databases.

The generator empties and fills a database and the scoring benchmark writes results, so both
refuse any database that is not plainly a benchmark one: a PostgreSQL database whose name
contains "bench", or a SQLite file whose name or one of whose folders contains "bench".
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def database_label() -> str:
    """The backend and database name, as printed in the figures."""
    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def bench_database_problem() -> str | None:
    """Why the configured database may not be used by a benchmark, or None when it may."""
    name = str(connection.settings_dict["NAME"] or "")
    if connection.vendor == "sqlite":
        if name in ("", ":memory:") or name.startswith("file:"):
            return "an in-memory SQLite database is not a benchmark database"
        path = Path(name).resolve()
        if not any("bench" in part.lower() for part in (*path.parent.parts, path.name)):
            return f"the SQLite file {path} is not under a bench folder (its path must contain 'bench')"
        return None
    if "bench" not in name.lower():
        return f"the database name {name!r} does not contain 'bench'"
    return None


def require_bench_database() -> None:
    """Exit with a message unless the configured database is a benchmark database."""
    problem = bench_database_problem()
    if problem:
        print(f"Refusing to run: {problem}.", file=sys.stderr)
        print(
            "Point DATABASE_URL at a benchmark database, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wenming_bench\n"
            "  DATABASE_URL=sqlite:////tmp/wm-bench-var/bench.sqlite3",
            file=sys.stderr,
        )
        sys.exit(2)


def database_size() -> int:
    """Bytes the database takes on disk (PostgreSQL: pg_database_size; SQLite: the file and its WAL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # what is still in the WAL goes to the file
        base = Path(connection.settings_dict["NAME"])
        return sum(p.stat().st_size for p in (base, Path(f"{base}-wal")) if p.exists())
    return 0


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"
