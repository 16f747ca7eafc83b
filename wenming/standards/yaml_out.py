"""Writing a :class:`StandardDef` as a standard file (the YAML of ``shared/spec/scoring.md`` §1).

:func:`standard_to_yaml` gives text that ``parse.parse_standard`` reads back to the same canonical
content (``canonical.to_canonical``), laid out like the example files: items as blocks, grades,
deductions, bonuses and vetoes one per line in flow style. Text is written plain where YAML reads it
back exactly as it is, else double-quoted. Numbers are written in their shortest exact form.

:func:`standard_to_yaml_lines` also says which item or entry each line belongs to, so that a
problem the parser reports on a line (``line 14: item A: …``) can be shown beside the field of a
form that produced the text (the standard editor).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import yaml

from .canonical import number_text
from .definition import Cycle, Item, Rule, StandardDef, Subject

_INDENT = "  "
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
#: Line breaks and tabs (folded or trimmed inside a quoted scalar) and the byte-order mark.
_ALWAYS_ESCAPED = frozenset("\t\n\r\x85\u2028\u2029\ufeff")


@dataclass(frozen=True)
class LineOwner:
    """What a line of the written file belongs to: an item (``entry`` None) or the ``entry``-th
    (from 0) deduction, bonus or veto of that item. ``item`` is "" for the top-level fields."""

    item: str
    entry: int | None = None


TOP = LineOwner("")


def standard_to_yaml(definition: StandardDef) -> str:
    """The standard as a YAML file that re-imports to the same canonical content."""
    return standard_to_yaml_lines(definition)[0]


def standard_to_yaml_lines(definition: StandardDef) -> tuple[str, dict[int, LineOwner]]:
    """The YAML text and, for each line number (from 1), what it belongs to."""
    writer = _Writer()
    d = definition
    writer.line(f"code: {_text(d.code)}")
    writer.line(f"name: {_text(d.name)}")
    writer.line(f"subject: {Subject(d.subject).value}")
    writer.line(f"cycle: {Cycle(d.cycle).value}")
    if d.applies_to is not None:
        writer.line(f"applies_to: [{', '.join(_text(category, flow=True) for category in d.applies_to)}]")
    writer.line(f"full_score: {number_text(d.full_score)}")
    if d.bonus_cap != 0:
        writer.line(f"bonus_cap: {number_text(d.bonus_cap)}")
    writer.line("grades:")
    for grade in d.grades:
        fields = [("name", _text(grade.name, flow=True)), ("min", number_text(grade.min))]
        if grade.max_deducted is not None:
            fields.append(("max_deducted", number_text(grade.max_deducted)))
        if grade.quota is not None:
            fields.append(("quota", number_text(grade.quota)))
        writer.line(f"{_INDENT}- {_flow(fields)}")
    writer.line(f"veto_grade: {_text(d.veto_grade)}")
    writer.line("items:")
    for item in d.items:
        _write_item(writer, item, depth=1)
    return writer.text(), writer.owners


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.owners: dict[int, LineOwner] = {}

    def line(self, text: str, owner: LineOwner = TOP) -> None:
        self.lines.append(text)
        self.owners[len(self.lines)] = owner

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _write_item(writer: _Writer, item: Item, *, depth: int) -> None:
    owner = LineOwner(item.code)
    pad = _INDENT * depth
    first = f"{pad}- "
    rest = f"{pad}  "

    def field(name: str, value: str) -> None:
        nonlocal first
        writer.line(f"{first}{name}: {value}", owner)
        first = rest

    field("code", _text(item.code))
    field("name", _text(item.name))
    if item.points is not None:
        field("points", number_text(item.points))
    if item.children:
        writer.line(f"{rest}children:", owner)
        for child in item.children:
            _write_item(writer, child, depth=depth + 2)
        return
    field("rule", Rule(item.rule).value)
    entries: list[tuple[str, list[tuple[str, str]]]] = []
    if item.rule == Rule.DEDUCT:
        entries = [("deductions", _entry(e.code, e.name, e.points)) for e in item.deductions]
    elif item.rule == Rule.BONUS:
        entries = [("bonuses", _entry(e.code, e.name, e.points)) for e in item.bonuses]
    elif item.rule == Rule.VETO:
        entries = [("vetoes", _entry(e.code, e.name, None)) for e in item.vetoes]
    elif item.rule == Rule.SATISFACTION:
        for name in ("target", "step", "step_points"):
            value = getattr(item, name)
            if value is not None:
                field(name, number_text(value))
        field("min_responses", str(item.min_responses))
        field("satisfied_min", str(item.satisfied_min))
    elif item.rule == Rule.ROLLUP and item.source is not None:
        field("source", _text(item.source))
    if entries:
        writer.line(f"{rest}{entries[0][0]}:", owner)
        for position, (_key, fields) in enumerate(entries):
            writer.line(f"{rest}{_INDENT}- {_flow(fields)}", LineOwner(item.code, position))


def _entry(code: str, name: str, points: Decimal | None) -> list[tuple[str, str]]:
    fields = [("code", _text(code, flow=True)), ("name", _text(name, flow=True))]
    if points is not None:
        fields.append(("points", number_text(points)))
    return fields


def _flow(fields: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields) + "}"


def _text(value: str, *, flow: bool = False) -> str:
    """A text field as written: plain when YAML reads the plain form back as exactly this text (and
    not as null, which the parser would take for "missing"), else a double-quoted string."""
    if _plain_reads_back(value, flow=flow):
        return value
    return '"' + "".join(_escape(char) for char in value) + '"'


def _escape(char: str) -> str:
    """One character inside a YAML double-quoted scalar: as it is when YAML allows it there, else
    escaped (``\\"``, ``\\\\``, ``\\xXX``, ``\\uXXXX``, ``\\UXXXXXXXX``)."""
    if char in ('"', "\\"):
        return "\\" + char
    if not _NON_PRINTABLE.match(char) and char not in _ALWAYS_ESCAPED:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _plain_reads_back(value: str, *, flow: bool) -> bool:
    if not value or value != value.strip() or "\n" in value or "\r" in value:
        return False
    document = f"{{k: {value}}}" if flow else f"k: {value}"
    try:
        node = yaml.compose(document, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    scalar = node.value[0][1]
    return (
        isinstance(scalar, yaml.ScalarNode)
        and scalar.style is None
        and scalar.value == value
        and scalar.tag != "tag:yaml.org,2002:null"
    )
