"""standard_import / standard_import_plan, the selectors and the versions (scoring.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from wenming.core.audit import describe
from wenming.core.models import AuditEntry
from wenming.standards.definition import Cycle, Subject
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.parse import StandardError, StandardSummary
from wenming.standards.selectors import known_standard_summary, newest_version, version_for
from wenming.standards.services import standard_import, standard_import_plan

from .test_canonical import REWRITTEN
from .yaml_cases import BASE, MONTH, QUARTER, YEAR, bend, line_of

pytestmark = pytest.mark.django_db


def import_en(text, **kwargs):
    with translation.override("en"):
        return standard_import(text=text, **kwargs)


def refused(text) -> list[str]:
    with translation.override("en"), pytest.raises(StandardError) as exc:
        standard_import(text=text)
    return exc.value.problems


def test_the_example_standards_import():
    month = import_en(MONTH.read_bytes(), filename="wmks-month.yaml")
    quarter = import_en(QUARTER.read_bytes())
    year = import_en(YEAR.read_bytes())
    assert [(o.version.standard.code, o.version.number, o.created) for o in (month, quarter, year)] == [
        ("WMKS-M-2026", 1, True),
        ("WMKS-Q-2026", 1, True),
        ("YDKP-2026", 1, True),
    ]
    version = StandardVersion.objects.get(standard__code="WMKS-M-2026")
    assert version.source == MONTH.read_text(encoding="utf-8")
    assert version.source_filename == "wmks-month.yaml"
    assert version.name == "文明科室月度考核细则（2026年版）" == version.standard.name
    assert (version.standard.subject, version.standard.cycle) == ("department", "month")
    assert len(version.content_hash) == 64
    defn = version.definition
    assert defn.code == "WMKS-M-2026" and defn.items[1].deductions[0].points == Decimal("0.5")
    assert StandardVersion.objects.get(standard__code="WMKS-Q-2026").definition.items[0].source == "WMKS-M-2026"


def test_the_quarterly_one_first_is_refused_naming_item_m_and_nothing_is_stored():
    text = QUARTER.read_text(encoding="utf-8")
    assert refused(text) == [
        f"line {line_of(text, 'code: M')}: item M: the source standard WMKS-M-2026 does not exist; import it first"
    ]
    assert (Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_a_bad_file_stores_nothing():
    import_en(BASE)
    before = (Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count())
    assert refused(bend("full_score: 100", "full_score: 99"))
    assert (Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count()) == before


def test_importing_the_same_content_again_changes_nothing():
    first = import_en(BASE)
    again = import_en(BASE)
    rewritten = import_en(REWRITTEN)  # other key order, comments, quoting, number spellings
    assert (again.created, again.version, again.diff) == (False, first.version, [])
    assert (rewritten.created, rewritten.version) == (False, first.version)
    assert StandardVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="standards.version.created").count() == 1


def test_different_content_becomes_the_next_version_with_a_diff():
    import_en(BASE)
    outcome = import_en(bend("name: Second, points: 0.5}", "name: Second, points: 1}"), filename="t2.yaml")
    assert (outcome.created, outcome.version.number) == (True, 2)
    assert [change.text for change in outcome.diff] == ["deduction A1b: points 0.5 → 1"]
    third = import_en(bend("name: Test standard", "name: Renamed"))
    assert third.version.number == 3
    assert [c.text for c in third.diff] == ["name: “Test standard” → “Renamed”", "deduction A1b: points 1 → 0.5"]
    standard = Standard.objects.get(code="T-1")
    assert standard.name == "Renamed"
    assert list(standard.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert newest_version("T-1") == third.version
    assert version_for("T-1", 2) == outcome.version and version_for("T-1", 9) is None
    assert version_for("T-1", 1).definition.items[0].children[0].deductions[1].points == Decimal("0.5")
    assert version_for("T-1", 2).definition.items[0].children[0].deductions[1].points == 1
    # Going back to earlier content is a new version too: versions only grow.
    assert import_en(BASE).version.number == 4


def test_a_new_version_is_audited():
    first = import_en(BASE, filename="t.yaml")
    entry = AuditEntry.objects.get(action="standards.version.created")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        None,
        "standards.standardversion",
        str(first.version.pk),
    )
    assert entry.data["code"] == "T-1" and entry.data["number"] == 1 and entry.data["filename"] == "t.yaml"
    assert entry.data["content_hash"] == first.version.content_hash
    with translation.override("en"):
        assert describe(entry) == "imported assessment standard T-1 version 1"


def test_the_user_who_imports_is_recorded(scenario):
    outcome = import_en(BASE, by=scenario.office)
    assert outcome.version.created_by == scenario.office
    entry = AuditEntry.objects.get(action="standards.version.created")
    assert entry.actor == scenario.office and entry.actor_name == "office"
    import_en(bend("bonus_cap: 5", "bonus_cap: 4"), by=scenario.office)
    entry = AuditEntry.objects.filter(action="standards.version.created").order_by("-id").first()
    assert entry.data["changes"] == ["bonus cap: 5 → 4"]


def test_a_standard_keeps_its_subject_and_cycle():
    import_en(BASE)
    problems = refused(bend("cycle: month", "cycle: quarter", bend("subject: department", "subject: staff")))
    assert problems == [
        "subject: the standard T-1 scores department and cannot change to staff; give the new standard a new code",
        "cycle: the standard T-1 has the cycle month and cannot change to quarter; give the new standard a new code",
    ]
    assert StandardVersion.objects.count() == 1


def test_the_plan_says_what_would_happen_and_writes_nothing():
    with translation.override("en"):
        plan = standard_import_plan(text=BASE)
        assert (plan.current, plan.number, plan.unchanged) == (None, 1, False)
        assert plan.changes[0].text == "new standard T-1 “Test standard”: 6 items, full score 100"
        assert Standard.objects.count() == 0
        standard_import(text=BASE)
        plan = standard_import_plan(text=REWRITTEN)
        assert (plan.number, plan.unchanged, plan.changes) == (1, True, [])
        plan = standard_import_plan(text=bend("bonus_cap: 5", "bonus_cap: 4"))
        assert (plan.number, plan.unchanged, [c.text for c in plan.changes]) == (2, False, ["bonus cap: 5 → 4"])
    assert StandardVersion.objects.count() == 1


def test_known_standard_summary_reads_the_newest_version():
    assert known_standard_summary("T-1") is None
    import_en(BASE)
    assert known_standard_summary("T-1") == StandardSummary(
        code="T-1", subject=Subject.DEPARTMENT, cycle=Cycle.MONTH, full_score=Decimal(100)
    )


def test_the_definition_is_cached_per_version(django_assert_num_queries):
    import_en(BASE)
    version = StandardVersion.objects.get()
    with django_assert_num_queries(0):
        assert version.definition is version.definition


def test_selectors_query_once(django_assert_num_queries):
    import_en(BASE)
    with django_assert_num_queries(1):
        version = newest_version("T-1")
        assert version.standard.code == "T-1"
    with django_assert_num_queries(1):
        assert known_standard_summary("T-1").full_score == 100


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_make_one_version_each_time():
    """Two people importing the same new file at the same moment: one version 1, the other unchanged;
    two different files at once: versions 2 and 3, never two versions with one number."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run(text):
        try:
            return import_en(text)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(run, [BASE, BASE]))
    assert sorted(o.created for o in outcomes) == [False, True]
    assert {o.version.number for o in outcomes} == {1}
    texts = [bend("bonus_cap: 5", "bonus_cap: 4"), bend("bonus_cap: 5", "bonus_cap: 3")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(run, texts))
    assert sorted(o.version.number for o in outcomes) == [2, 3]
    assert list(StandardVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]


def test_the_admin_shows_standards_read_only(scenario, client_for):
    version = import_en(BASE).version
    client = client_for(scenario.sysadmin)
    for url in (
        "/admin/standards/standard/",
        f"/admin/standards/standard/{version.standard.pk}/change/",
        "/admin/standards/standardversion/",
        f"/admin/standards/standardversion/{version.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/standards/standard/add/").status_code == 403
