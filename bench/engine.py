"""Benchmark: the pure scoring engine on a month of a large hospital (150 departments).

    .venv/bin/python bench/engine.py [SUBJECTS]

Prints the best and median of 20 runs of ``score_period`` for the WMKS-M-2026 standard with busy,
random (seeded) aggregates. The engine works on per-period aggregates, so this is the arithmetic
part of computing a month; the database part is measured by the scoring benchmark (issue 3).
"""

import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from wenming.scoring.engine import SubjectFacts, score_period  # noqa: E402
from wenming.scoring.tests.sample import wmks_month  # noqa: E402


def busy_facts(count: int) -> list[SubjectFacts]:
    """``count`` departments with a realistic month of aggregates for WMKS-M-2026."""
    rng = random.Random(2026)
    codes = ["A1a", "A1b", "B1", "C1", "C4", "D1a", "D2a", "D3b", "E1", "E2"]
    return [
        SubjectFacts(
            subject=f"D{i:03d}",
            findings={code: rng.randint(1, 3) for code in rng.sample(codes, rng.randint(0, 4))},
            bonuses={"F1": rng.randint(0, 4)},
            vetoes=frozenset({"V1"}) if rng.random() < 0.02 else frozenset(),
            manual={"A2": [Decimal(rng.randint(10, 18)) / 2, Decimal(rng.randint(10, 18)) / 2]},
            feedback={5: rng.randint(20, 90), 4: rng.randint(0, 10), 2: rng.randint(0, 5), 1: rng.randint(0, 5)},
        )
        for i in range(count)
    ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    standard, facts = wmks_month(), busy_facts(count)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        score_period(standard, facts)
        timings.append(time.perf_counter() - started)
    best, median = min(timings) * 1000, statistics.median(timings) * 1000
    print(f"score_period, {count} subjects: best {best:.1f} ms, median {median:.1f} ms")


if __name__ == "__main__":
    main()
