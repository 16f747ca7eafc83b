"""The whole interchange pipeline on an empty database against the worked sample's expected JSON."""

from __future__ import annotations

import json

import pytest

from wenming.scoring.tests.helpers import MONTH, SAMPLE, run

pytestmark = pytest.mark.django_db


def _without_names(results: list[dict]) -> list[dict]:
    return [{key: value for key, value in result.items() if key != "name"} for result in results]


def test_sample_pipeline_matches_expected_json():
    run("import_org", str(SAMPLE / "departments.csv"), str(SAMPLE / "staff.csv"))
    run("import_standard", str(MONTH))
    summary = run("import_records", str(SAMPLE / "records.jsonl"), "--language", "en")
    assert summary.strip() == "248 records imported, 0 already present"
    assert "WMKS-M-2026 2026-10" in run("compute_scores", "WMKS-M-2026", "2026-10", "--language", "en")
    exported = json.loads(run("export_scores", "WMKS-M-2026", "2026-10"))
    expected = json.loads((SAMPLE / "expected-WMKS-M-2026-2026-10.json").read_text(encoding="utf-8"))

    assert exported["standard"] == expected["standard"]
    assert exported["period"] == expected["period"]
    assert exported["version"] == 1
    assert exported["finalized"] is False
    assert _without_names(exported["results"]) == _without_names(expected["results"])
    # Same item keys; ours are in standard order, parents first (the expected file lists children first).
    assert list(exported["results"][0]["items"]) == ["A", "A1", "A2", "B", "C", "D", "D1", "D2", "D3", "E", "S"]
    assert set(exported) == {"standard", "version", "period", "finalized", "results"}
    for result in exported["results"]:
        assert list(result) == [
            "subject", "name", "total", "grade", "vetoed", "rank", "bonus", "deducted", "items", "flags"
        ]  # fmt: skip
        assert result["name"]


def test_export_prints_chinese_unescaped_with_two_decimals():
    run("import_org", str(SAMPLE / "departments.csv"), str(SAMPLE / "staff.csv"))
    run("import_standard", str(MONTH))
    run("import_records", str(SAMPLE / "records.jsonl"))
    run("compute_scores", "WMKS-M-2026", "2026-10")
    text = run("export_scores", "WMKS-M-2026", "2026-10")
    assert "心血管内科" in text
    assert '\n  "results": [' in text  # indent 2
    first = json.loads(text)["results"][0]
    assert all(len(value.split(".")[1]) == 2 for value in first["items"].values())
