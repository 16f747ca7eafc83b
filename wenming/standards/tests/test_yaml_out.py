"""standard_to_yaml: the written file re-imports to the identical canonical content."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from wenming.standards.canonical import content_hash, to_canonical
from wenming.standards.definition import Cycle, Subject
from wenming.standards.demo import EXAMPLE_FILES, EXAMPLES, load_example_standards
from wenming.standards.models import StandardVersion
from wenming.standards.parse import StandardSummary, parse_standard
from wenming.standards.services import standard_import
from wenming.standards.yaml_out import LineOwner, standard_to_yaml, standard_to_yaml_lines


def known(code: str) -> StandardSummary:
    return StandardSummary(code=code, subject=Subject.DEPARTMENT, cycle=Cycle.MONTH, full_score=Decimal(100))


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_each_example_round_trips_to_the_same_canonical_content(name):
    definition = parse_standard((EXAMPLES / name).read_text(encoding="utf-8"), known_standards=known)
    text = standard_to_yaml(definition)
    again = parse_standard(text, known_standards=known)
    assert to_canonical(again) == to_canonical(definition)
    assert standard_to_yaml(again) == text  # and writing it again gives the same file


@pytest.mark.django_db
def test_reimporting_the_written_examples_changes_nothing():
    for outcome in load_example_standards():
        text = standard_to_yaml(outcome.version.definition)
        again = standard_import(text=text)
        assert again.created is False and again.version.pk == outcome.version.pk
    assert StandardVersion.objects.count() == 3


@pytest.mark.parametrize(
    "text",
    [
        "null", "~", "NULL", "yes", "010", "1e1", "a: b", "x #y", "{a}", "[x]", "- a", "a, b", "a]", "a}",
        "'a", '"a', 'q"uote', "back\\slash", "@x", "%x", "*a", "&a", "!x", "|", ">", "?", "#x",
        "tab\tinside", "line\nbreak", "a\u2028b", "bom\ufeffinside", "😀 表情", "C1 服务态度：生硬（每起）",
    ],
)  # fmt: skip
def test_any_text_reads_back_exactly(text):
    base = parse_standard((EXAMPLES / "ethics-year.yaml").read_text(encoding="utf-8"))
    first = base.items[0]
    deduction = dataclasses.replace(first.deductions[0], name=text)
    item = dataclasses.replace(first, name=text, deductions=(deduction, *first.deductions[1:]))
    grade = dataclasses.replace(base.grades[1], name=text)
    changed = dataclasses.replace(
        base, name=text, items=(item, *base.items[1:]), grades=(base.grades[0], grade, *base.grades[2:]), _index={}
    )
    again = parse_standard(standard_to_yaml(changed))
    assert content_hash(to_canonical(again)) == content_hash(to_canonical(changed))


def test_every_line_says_which_item_or_entry_it_belongs_to():
    definition = parse_standard((EXAMPLES / "wmks-month.yaml").read_text(encoding="utf-8"))
    text, owners = standard_to_yaml_lines(definition)
    lines = text.splitlines()
    assert len(owners) == len(lines)
    number = lines.index("          - {code: A1b, name: 创建活动无记录或记录不全, points: 1}") + 1
    assert owners[number] == LineOwner("A1", 1)
    assert owners[lines.index("  - code: S") + 1] == LineOwner("S")
    assert owners[lines.index("full_score: 100") + 1] == LineOwner("")
