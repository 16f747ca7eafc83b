"""Reading a standard file (YAML, ``shared/spec/scoring.md`` §1) into a :class:`StandardDef`.

:func:`parse_standard` checks everything the spec asks (and the structure it implies) and either
returns the definition or raises :class:`StandardError` with *every* problem found, each one line
in the active language, naming the YAML line, the item code (or top-level field) and what is wrong:
``line 14: item A: the points (30) must equal the sum of the children's points (25)``.

Pure: no database. The one outside fact it needs, which standards exist (for ``rollup``), comes
from the ``known_standards`` callable the caller passes.

Numbers are read from their text as written, so ``0.1`` is ``Decimal("0.1")`` exactly; YAML's
booleans, NaN and infinity are refused where a number belongs. Text fields take the scalar's text as
written, so ``code: Y`` stays ``"Y"`` (YAML 1.1 would read it as ``true``) and ``code: 010`` stays
``"010"``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import gettext as _

from wenming.core.tabular import Position

from .definition import CYCLE_ORDER, Bonus, Cycle, Deduction, Grade, Item, Rule, StandardDef, Subject, Veto

#: A standard file is a few kilobytes; refuse anything absurd before parsing it.
MAX_SOURCE_BYTES = 1_000_000
#: At most this many YAML nodes after expanding aliases (guards against "billion laughs").
MAX_NODES = 100_000
#: Groups nest at most this deep.
MAX_DEPTH = 12
STANDARD_CODE_MAX = 50
CODE_MAX = 32
NAME_MAX = 200
#: Numbers are at most this many decimal places and below NUMBER_LIMIT.
MAX_PLACES = 6
NUMBER_LIMIT = Decimal(10) ** 9
DEFAULT_MIN_RESPONSES = 30
DEFAULT_SATISFIED_MIN = 4
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

_TOP_FIELDS = (
    "code",
    "name",
    "subject",
    "cycle",
    "applies_to",
    "full_score",
    "bonus_cap",
    "grades",
    "veto_grade",
    "items",
)
_GRADE_FIELDS = ("name", "min", "max_deducted", "quota")
_DEDUCTION_FIELDS = ("code", "name", "points")
_BONUS_FIELDS = ("code", "name", "points")
_VETO_FIELDS = ("code", "name")
_SATISFACTION_FIELDS = ("target", "step", "step_points", "min_responses", "satisfied_min")
#: The fields an item may have, by kind: a group or its rule.
_GROUP = "group"
_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    _GROUP: ("code", "name", "points", "children"),
    Rule.DEDUCT: ("code", "name", "points", "rule", "deductions"),
    Rule.SATISFACTION: ("code", "name", "points", "rule", *_SATISFACTION_FIELDS),
    Rule.MANUAL: ("code", "name", "points", "rule"),
    Rule.ROLLUP: ("code", "name", "points", "rule", "source"),
    Rule.BONUS: ("code", "name", "rule", "bonuses"),
    Rule.VETO: ("code", "name", "rule", "vetoes"),
}
_ALL_ITEM_FIELDS = tuple(dict.fromkeys(name for names in _ITEM_FIELDS.values() for name in names))


@dataclass(frozen=True)
class StandardSummary:
    """What a rollup needs to know about another standard (its newest version)."""

    code: str
    subject: Subject
    cycle: Cycle
    full_score: Decimal


class StandardError(Exception):
    """The file is not a valid standard (or cannot be imported); ``problems`` lists every reason,
    one translated line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def read_source(text: str | bytes) -> str:
    """The file's text: bytes are decoded as UTF-8 (a BOM is dropped). Raises StandardError."""
    if isinstance(text, bytes):
        if len(text) > MAX_SOURCE_BYTES:
            raise StandardError([_too_large()])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            message = _("the file is not UTF-8 text; please save it as UTF-8")
            raise StandardError([_at_line(line, message)]) from None
    elif len(text) > MAX_SOURCE_BYTES:
        raise StandardError([_too_large()])
    return text.removeprefix("\ufeff")


def parse_standard(
    text: str | bytes,
    *,
    known_standards: Callable[[str], StandardSummary | None] = lambda code: None,
) -> StandardDef:
    """The standard a YAML file describes, checked. Raises :class:`StandardError` with every problem.

    ``known_standards(code)`` says what is known of an existing standard (None: no such standard);
    a ``rollup`` item's ``source`` must name one with the same subject and a shorter cycle."""
    source = read_source(text)
    problems: list[tuple[int, str]] = []
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or ""
        if exc.context:
            detail = f"{detail} ({exc.context})"
        message = _("the file is not valid YAML: %(problem)s") % {"problem": detail}
        raise StandardError([_at_line(mark.line + 1 if mark else 0, message)]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StandardError([_("the file is not valid YAML: %(problem)s") % {"problem": first}]) from None
    except RecursionError:
        raise StandardError([_("the file is nested too deeply")]) from None
    if node is None:
        raise StandardError([_("the file is empty")])
    tree = _TreeBuilder(problems)
    try:
        root = tree.convert(node)
    except _TooLarge:
        raise StandardError([_("the file is too large once its aliases are expanded")]) from None
    parser = _Parser(problems, known_standards)
    definition = parser.standard(root)
    if problems or definition is None:
        problems.sort(key=lambda p: p[0])  # stable: same line keeps the order found
        raise StandardError([_at_line(line, text) for line, text in problems])
    return definition


# --- messages ---------------------------------------------------------------------------------


def _at_line(line: int, message: str) -> str:
    """``line 4: message`` as every import words it (no prefix when the line is unknown)."""
    return Position(line).format(message) if line else message


def _too_large() -> str:
    return _("the file is too large (more than %(limit)s bytes); a standard file is a few kilobytes") % {
        "limit": MAX_SOURCE_BYTES
    }


def _quote(text: str) -> str:
    return f"“{text}”"


# --- the YAML tree, with line numbers -------------------------------------------------------------

_YAML_TAG = "tag:yaml.org,2002:"


@dataclass(eq=False)
class _Scalar:
    tag: str  # "str", "int", "float", "bool", "null", "timestamp", … or a custom tag as written
    text: str
    line: int


@dataclass(eq=False)
class _Seq:
    line: int
    items: list[Any]


@dataclass(eq=False)
class _Map:
    line: int
    entries: dict[str, tuple[int, Any]] = field(default_factory=dict)  # key → (line of the key, value)

    def has(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str) -> Any:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def line_of(self, key: str) -> int:
        entry = self.entries.get(key)
        return entry[0] if entry else self.line


class _TooLarge(Exception):
    pass


class _TreeBuilder:
    """YAML nodes → _Scalar/_Seq/_Map, keeping every scalar's text and every node's line; duplicate
    keys (which PyYAML would silently collapse) are problems."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        self.count = 0
        self.active: set[int] = set()

    def convert(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return _Scalar(node.tag.removeprefix(_YAML_TAG), node.value, line)
        if id(node) in self.active or len(self.active) > 4 * MAX_DEPTH:
            self.problems.append((line, _("an alias refers to itself, or the file is nested too deeply")))
            return _Scalar("null", "", line)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return _Seq(line, [self.convert(child) for child in node.value])
            mapping = _Map(line)
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append((key_line, _("a key must be a plain word, not a list or a mapping")))
                    continue
                key = key_node.value
                if key in mapping.entries:
                    self.problems.append(
                        (
                            key_line,
                            _("the key %(key)s appears more than once here (first on line %(first)s)")
                            % {"key": _quote(key), "first": mapping.entries[key][0]},
                        )
                    )
                    continue
                mapping.entries[key] = (key_line, self.convert(value_node))
            return mapping
        finally:
            self.active.discard(id(node))


def _describe(value: Any) -> str:
    """How a wrong value reads in a message: “abc”, a list, a mapping."""
    if isinstance(value, _Seq):
        return _("a list")
    if isinstance(value, _Map):
        return _("a mapping")
    return _quote(value.text)


# --- checking ----------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """An item as far as it could be read: ``item`` is None when it (or a descendant) has a problem;
    ``points``/``rule`` are kept whenever they themselves are valid, so sums can still be checked."""

    item: Item | None
    points: Decimal | None
    rule: Rule | None


class _Parser:
    def __init__(self, problems: list[tuple[int, str]], known_standards: Callable[[str], StandardSummary | None]):
        self.problems = problems
        self.known_standards = known_standards
        self.codes: dict[str, int] = {}  # every code used so far → its line
        self.subject: Subject | None = None
        self.cycle: Cycle | None = None
        self.code: str | None = None
        self.top_rule_items: dict[Rule, str] = {}  # the bonus and the veto item's codes

    # -- reporting

    def problem(self, line: int, where: str, message: str) -> None:
        text = _("%(where)s: %(problem)s") % {"where": where, "problem": message} if where else message
        self.problems.append((line, text))

    # -- reading fields

    def unknown_fields(self, m: _Map, allowed: tuple[str, ...], where: str, *, also: tuple[str, ...] = ()) -> None:
        """Report keys that are not fields here. ``also`` are fields of other kinds of item, which
        get a clearer message from the caller, so they are skipped."""
        for key, (line, _value) in m.entries.items():
            if key not in allowed and key not in also:
                self.problem(
                    line,
                    where,
                    _("unknown field %(field)s (expected one of: %(fields)s)")
                    % {"field": _quote(key), "fields": ", ".join(allowed)},
                )

    def text(self, m: _Map, key: str, where: str, *, required: bool = True, max_length: int = NAME_MAX) -> str | None:
        value = m.get(key)
        line = m.line_of(key)
        if value is None or (isinstance(value, _Scalar) and value.tag == "null"):
            if required:
                self.problem(line, where, _("%(field)s is missing") % {"field": key})
            return None
        if not isinstance(value, _Scalar):
            self.problem(
                line, where, _("%(field)s must be text, not %(value)s") % {"field": key, "value": _describe(value)}
            )
            return None
        text = value.text.strip()
        if not text:
            self.problem(line, where, _("%(field)s is empty") % {"field": key})
            return None
        if len(text) > max_length:
            self.problem(
                line,
                where,
                _("%(field)s is longer than %(max)s characters") % {"field": key, "max": max_length},
            )
            return None
        return text

    def code_text(self, m: _Map, where: str, *, max_length: int = CODE_MAX) -> str | None:
        """The ``code`` field, checked for its form (not for uniqueness)."""
        code = self.text(m, "code", where, max_length=10_000)
        if code is None:
            return None
        line = m.line_of("code")
        if len(code) > max_length:
            self.problem(
                line,
                where,
                _("the code %(code)s is longer than %(max)s characters") % {"code": _quote(code), "max": max_length},
            )
            return None
        if not CODE_RE.fullmatch(code):
            self.problem(
                line,
                where,
                _(
                    "the code %(code)s may contain only letters, digits, “-”, “_” and “.”, "
                    "and must start with a letter or a digit"
                )
                % {"code": _quote(code)},
            )
            return None
        return code

    def unique_code(self, code: str | None, line: int, where: str) -> None:
        if code is None:
            return
        if code in self.codes:
            self.problem(
                line,
                where,
                _("the code %(code)s is used more than once (first on line %(first)s)")
                % {"code": code, "first": self.codes[code]},
            )
        else:
            self.codes[code] = line

    def number(
        self,
        m: _Map,
        key: str,
        where: str,
        *,
        required: bool = True,
        default: Decimal | None = None,
        positive: bool = False,
        high: Decimal | None = None,
    ) -> Decimal | None:
        """A non-negative decimal, exactly as written. None when missing (and not required) or invalid;
        ``default`` when missing. ``positive``: must be > 0; ``high``: at most this."""
        value = m.get(key)
        line = m.line_of(key)
        if value is None or (isinstance(value, _Scalar) and value.tag == "null"):
            if required:
                self.problem(line, where, _("%(field)s is missing") % {"field": key})
            return default
        number = self._decimal(value, key, line, where)
        if number is None:
            return None
        shown = value.text.strip()
        if number < 0:
            self.problem(line, where, _("%(field)s must not be negative (%(value)s)") % {"field": key, "value": shown})
            return None
        if positive and number == 0:
            self.problem(
                line, where, _("%(field)s must be greater than 0 (%(value)s)") % {"field": key, "value": shown}
            )
            return None
        if high is not None and number > high:
            self.problem(
                line,
                where,
                _("%(field)s must be between %(low)s and %(high)s (%(value)s)")
                % {"field": key, "low": 0, "high": high, "value": shown},
            )
            return None
        return number

    def _decimal(self, value: Any, key: str, line: int, where: str) -> Decimal | None:
        if not isinstance(value, _Scalar) or value.tag not in ("int", "float", "str"):
            self.problem(
                line, where, _("%(field)s must be a number, not %(value)s") % {"field": key, "value": _describe(value)}
            )
            return None
        text = value.text.strip()
        lowered = text.lower().lstrip("+-")
        if lowered in (".inf", ".nan", "inf", "infinity", "nan", "snan"):
            self.problem(
                line,
                where,
                _("%(field)s must be a finite number, not %(value)s") % {"field": key, "value": _quote(text)},
            )
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.problem(
                line, where, _("%(field)s must be a number, not %(value)s") % {"field": key, "value": _quote(text)}
            )
            return None
        if abs(number) >= NUMBER_LIMIT:
            self.problem(line, where, _("%(field)s is too large (%(value)s)") % {"field": key, "value": text})
            return None
        exponent = number.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and exponent < -MAX_PLACES
            and number != number.quantize(Decimal(1).scaleb(-MAX_PLACES))
        ):
            self.problem(
                line,
                where,
                _("%(field)s has more than %(places)s decimal places (%(value)s)")
                % {"field": key, "places": MAX_PLACES, "value": text},
            )
            return None
        return number

    def whole(self, m: _Map, key: str, where: str, *, default: int, low: int, high: int | None = None) -> int | None:
        """A whole number between low and high (inclusive); ``default`` when missing."""
        value = m.get(key)
        line = m.line_of(key)
        if value is None or (isinstance(value, _Scalar) and value.tag == "null"):
            return default
        number = self._decimal(value, key, line, where)
        if number is None:
            return None
        shown = value.text.strip()
        if number != number.to_integral_value():
            self.problem(
                line,
                where,
                _("%(field)s must be a whole number, not %(value)s") % {"field": key, "value": _quote(shown)},
            )
            return None
        if number < low or (high is not None and number > high):
            if high is None:
                message = _("%(field)s must be at least %(low)s (%(value)s)") % {
                    "field": key,
                    "low": low,
                    "value": shown,
                }
            else:
                message = _("%(field)s must be between %(low)s and %(high)s (%(value)s)") % {
                    "field": key,
                    "low": low,
                    "high": high,
                    "value": shown,
                }
            self.problem(line, where, message)
            return None
        return int(number)

    def choice(self, m: _Map, key: str, where: str, choices: list[str]) -> str | None:
        text = self.text(m, key, where)
        if text is None:
            return None
        if text not in choices:
            self.problem(
                m.line_of(key),
                where,
                _("%(field)s %(value)s is not one of: %(choices)s")
                % {"field": key, "value": _quote(text), "choices": ", ".join(choices)},
            )
            return None
        return text

    def entries(self, m: _Map, key: str, where: str, *, needs: str = "") -> list[Any] | None:
        """A list field that must have at least one entry. ``needs`` says why, when it is missing or
        empty (default: "… is missing" / "… is empty")."""
        value = m.get(key)
        line = m.line_of(key)
        if _is_null(value):
            self.problem(line, where, needs or _("%(field)s is missing") % {"field": key})
            return None
        if not isinstance(value, _Seq):
            self.problem(
                line, where, _("%(field)s must be a list, not %(value)s") % {"field": key, "value": _describe(value)}
            )
            return None
        if not value.items:
            self.problem(line, where, needs or _("%(field)s is empty") % {"field": key})
            return None
        return value.items

    def mapping(self, value: Any, key: str, number: int, where: str, fallback_line: int) -> _Map | None:
        if isinstance(value, _Map):
            return value
        line = getattr(value, "line", fallback_line)
        self.problem(
            line,
            where,
            _("entry %(number)s of %(field)s must be a mapping (code: …, name: …), not %(value)s")
            % {"number": number, "field": key, "value": _describe(value)},
        )
        return None

    # -- the standard

    def standard(self, root: Any) -> StandardDef | None:
        if not isinstance(root, _Map):
            self.problem(
                getattr(root, "line", 1),
                "",
                _("the file must be a mapping of fields (code: …, name: …, items: …), not %(value)s")
                % {"value": _describe(root)},
            )
            return None
        self.unknown_fields(root, _TOP_FIELDS, "")
        code = self.code = self.code_text(root, "", max_length=STANDARD_CODE_MAX)
        name = self.text(root, "name", "")
        subject = self.choice(root, "subject", "", [s.value for s in Subject])
        cycle = self.choice(root, "cycle", "", [c.value for c in Cycle])
        self.subject = Subject(subject) if subject else None
        self.cycle = Cycle(cycle) if cycle else None
        applies_to = self.applies_to(root)
        full_score = self.number(root, "full_score", "", positive=True)
        bonus_cap = self.number(root, "bonus_cap", "", required=False, default=Decimal(0))
        grades = self.grades(root)
        veto_grade = self.text(root, "veto_grade", "")
        if veto_grade is not None and grades is not None and veto_grade not in [g.name for g in grades]:
            self.problem(
                root.line_of("veto_grade"),
                "",
                _("veto_grade %(name)s is not one of the grades (%(grades)s)")
                % {"name": _quote(veto_grade), "grades": ", ".join(g.name for g in grades)},
            )
        items = self.top_items(root, full_score)
        if self.problems:
            return None
        return StandardDef(
            code=code,
            name=name,
            subject=Subject(subject),
            cycle=Cycle(cycle),
            full_score=full_score,
            grades=grades,
            veto_grade=veto_grade,
            items=items,
            bonus_cap=bonus_cap,
            applies_to=applies_to,
        )

    def applies_to(self, root: _Map) -> tuple[str, ...] | None:
        """The department categories (the English codes, in their usual order); None = all."""
        if _is_null(root.get("applies_to")):
            return None
        from wenming.org.importing.columns import CATEGORY_CHOICES_TEXT, CATEGORY_WORDS

        values = self.entries(root, "applies_to", "")
        found: list[str] = []
        for value in values or ():
            line = getattr(value, "line", root.line_of("applies_to"))
            word = value.text.strip() if isinstance(value, _Scalar) else ""
            category = CATEGORY_WORDS.get(word.casefold()) if word else None
            if category is None:
                self.problem(
                    line,
                    "",
                    _("applies_to: %(value)s is not a department category (one of: %(choices)s)")
                    % {"value": _describe(value), "choices": CATEGORY_CHOICES_TEXT},
                )
            elif str(category) in found:
                self.problem(
                    line, "", _("applies_to: %(value)s is listed more than once") % {"value": _describe(value)}
                )
            else:
                found.append(str(category))
        order = list(dict.fromkeys(str(c) for c in CATEGORY_WORDS.values()))
        return tuple(sorted(found, key=order.index))

    def grades(self, root: _Map) -> tuple[Grade, ...] | None:
        nodes = self.entries(root, "grades", "")
        if nodes is None:
            return None
        start = len(self.problems)
        grades: list[Grade] = []
        names: dict[str, int] = {}
        mins: list[tuple[str, Decimal | None, int]] = []  # (where, min, line) of each grade that is a mapping
        for number, node in enumerate(nodes, 1):
            m = self.mapping(node, "grades", number, "", root.line_of("grades"))
            if m is None:
                continue
            label = _label(m.get("name"))
            where = _("grade %(name)s") % {"name": label} if label else _("grade no. %(number)s") % {"number": number}
            self.unknown_fields(m, _GRADE_FIELDS, where)
            name = self.text(m, "name", where)
            if name is not None:
                if name in names:
                    self.problem(
                        m.line_of("name"),
                        where,
                        _("the grade name %(name)s is used more than once (first on line %(first)s)")
                        % {"name": _quote(name), "first": names[name]},
                    )
                else:
                    names[name] = m.line_of("name")
            minimum = self.number(m, "min", where)
            max_deducted = self.number(m, "max_deducted", where, required=False)
            quota = self.number(m, "quota", where, required=False, high=Decimal(1))
            mins.append((where, minimum, m.line_of("min")))
            grades.append(Grade(name=name, min=minimum, max_deducted=max_deducted, quota=quota))
        for (_where, above, _line), (where, minimum, line) in itertools.pairwise(mins):
            if above is not None and minimum is not None and minimum >= above:
                self.problem(
                    line,
                    where,
                    _(
                        "min (%(min)s) must be lower than the min of the grade above (%(above)s): "
                        "grades go from the highest down"
                    )
                    % {"min": minimum, "above": above},
                )
        if mins and len(mins) == len(nodes):
            where, last, line = mins[-1]
            if last is not None and last != 0:
                self.problem(line, where, _("the last grade must have min 0, not %(min)s") % {"min": last})
        if len(self.problems) != start:
            return None
        return tuple(grades)

    # -- items

    def top_items(self, root: _Map, full_score: Decimal | None) -> tuple[Item, ...] | None:
        nodes = self.entries(root, "items", "")
        if nodes is None:
            return None
        start = len(self.problems)
        parsed = [self.item(node, number, root.line_of("items"), depth=0) for number, node in enumerate(nodes, 1)]
        total = _sum_points(parsed)
        if full_score is not None and total is not None and total != full_score:
            self.problem(
                root.line_of("full_score"),
                "",
                _("full_score (%(full_score)s) must equal the sum of the points of the top-level items (%(sum)s)")
                % {"full_score": root.get("full_score").text.strip(), "sum": total},
            )
        if len(self.problems) != start:
            return None
        return tuple(p.item for p in parsed)

    def item(self, node: Any, number: int, fallback_line: int, *, depth: int) -> _Parsed | None:
        m = self.mapping(node, "items" if depth == 0 else "children", number, "", fallback_line)
        if m is None:
            return None
        start = len(self.problems)
        label = _label(m.get("code"))
        where = _("item %(code)s") % {"code": label} if label else _("item no. %(number)s") % {"number": number}
        code = self.code_text(m, where)
        self.unique_code(code, m.line_of("code"), where)
        name = self.text(m, "name", where)

        is_group = m.has("children")
        rule: Rule | None = None
        if not _is_null(m.get("rule")):
            text = self.choice(m, "rule", where, [r.value for r in Rule])
            rule = Rule(text) if text else None
            if is_group:
                self.problem(
                    m.line_of("rule"),
                    where,
                    _("a group (an item with children) has no rule; remove the rule or the children"),
                )
        elif not is_group:
            self.problem(m.line, where, _("rule is missing (an item without children needs a rule)"))
        kind: str | None = _GROUP if is_group else rule

        if kind is None:  # the rule is missing or unknown: only unknown fields can be told
            self.unknown_fields(m, _ALL_ITEM_FIELDS, where)
        else:
            allowed = (*_ITEM_FIELDS[kind], "rule") if is_group else _ITEM_FIELDS[kind]
            self.unknown_fields(m, allowed, where, also=_ALL_ITEM_FIELDS)
            for key, (line, _value) in m.entries.items():
                if key in _ALL_ITEM_FIELDS and key not in allowed:
                    self.problem(line, where, self._not_applicable(key, kind))

        if rule in (Rule.BONUS, Rule.VETO):
            self.placement(m, where, rule, label or str(number), depth)

        points = None
        if kind not in (Rule.BONUS, Rule.VETO):  # unknown kind: check points if given, but do not ask for them
            points = self.number(m, "points", where, positive=True, required=kind is not None)
        fields: dict[str, Any] = {}
        if kind == _GROUP:
            fields["children"] = self.children(m, where, points, depth)
        elif kind == Rule.DEDUCT:
            fields["deductions"] = self.deductions(m, where)
        elif kind == Rule.BONUS:
            fields["bonuses"] = self.bonuses(m, where)
        elif kind == Rule.VETO:
            fields["vetoes"] = self.vetoes(m, where)
        elif kind == Rule.SATISFACTION:
            fields.update(self.satisfaction(m, where))
        elif kind == Rule.ROLLUP:
            fields["source"] = self.rollup_source(m, where)

        item = None
        if len(self.problems) == start:
            item = Item(code=code, name=name, points=points, rule=None if is_group else rule, **fields)
        return _Parsed(item=item, points=points, rule=rule)

    @staticmethod
    def _not_applicable(key: str, kind: str) -> str:
        if key == "points" and kind == Rule.BONUS:
            return _("a bonus item has no points (bonus_cap sets the most a subject can add)")
        if key == "points" and kind == Rule.VETO:
            return _("a veto item has no points")
        if kind == _GROUP:
            return _("%(field)s does not apply to a group (an item with children)") % {"field": _quote(key)}
        return _("%(field)s does not apply to a %(rule)s item") % {"field": _quote(key), "rule": kind}

    def placement(self, m: _Map, where: str, rule: Rule, label: str, depth: int) -> None:
        """Bonus and veto items: at the top level only, at most one of each."""
        line = m.line_of("rule")
        if depth > 0:
            if rule == Rule.BONUS:
                self.problem(line, where, _("a bonus item can only be at the top level"))
            else:
                self.problem(line, where, _("a veto item can only be at the top level"))
        elif rule in self.top_rule_items:
            first = self.top_rule_items[rule]
            if rule == Rule.BONUS:
                self.problem(line, where, _("there can be only one bonus item (%(first)s is one)") % {"first": first})
            else:
                self.problem(line, where, _("there can be only one veto item (%(first)s is one)") % {"first": first})
        else:
            self.top_rule_items[rule] = label

    def children(self, m: _Map, where: str, points: Decimal | None, depth: int) -> tuple[Item, ...] | None:
        nodes = self.entries(m, "children", where, needs=_("a group needs at least one item in children"))
        if nodes is None:
            return None
        if depth + 1 >= MAX_DEPTH:
            self.problem(
                m.line_of("children"),
                where,
                _("groups are nested too deeply (at most %(max)s levels)") % {"max": MAX_DEPTH},
            )
            return None
        parsed = [self.item(node, n, m.line_of("children"), depth=depth + 1) for n, node in enumerate(nodes, 1)]
        total = _sum_points(parsed)
        if points is not None and total is not None and total != points:
            self.problem(
                m.line_of("points"),
                where,
                _("the points (%(points)s) must equal the sum of the children's points (%(sum)s)")
                % {"points": m.get("points").text.strip(), "sum": total},
            )
        if any(p is None or p.item is None for p in parsed):
            return None
        return tuple(p.item for p in parsed)

    def _entries_of(
        self, m: _Map, key: str, fields: tuple[str, ...], where_of: Callable[[str, int], str], needs: str
    ) -> list[tuple[_Map, str, str | None, str | None]]:
        """The deductions/bonuses/vetoes of an item, each a mapping with a unique code and a name:
        ``[(mapping, where, code, name)]`` for the entries that are mappings."""
        item_where = where_of("", 0)
        found = []
        for number, node in enumerate(self.entries(m, key, item_where, needs=needs) or (), 1):
            entry = self.mapping(node, key, number, item_where, m.line_of(key))
            if entry is None:
                continue
            where = where_of(_label(entry.get("code")), number)
            self.unknown_fields(entry, fields, where)
            code = self.code_text(entry, where)
            self.unique_code(code, entry.line_of("code"), where)
            found.append((entry, where, code, self.text(entry, "name", where)))
        return found

    def deductions(self, m: _Map, item_where: str) -> tuple[Deduction, ...]:
        def where_of(code: str, number: int) -> str:
            if not number:
                return item_where
            if code:
                return _("deduction %(code)s") % {"code": code}
            return _("%(item)s, deduction no. %(number)s") % {"item": item_where, "number": number}

        return tuple(
            Deduction(code=code, name=name, points=self.number(entry, "points", where))
            for entry, where, code, name in self._entries_of(
                m, "deductions", _DEDUCTION_FIELDS, where_of, _("a deduct item needs at least one entry in deductions")
            )
        )

    def bonuses(self, m: _Map, item_where: str) -> tuple[Bonus, ...]:
        def where_of(code: str, number: int) -> str:
            if not number:
                return item_where
            if code:
                return _("bonus %(code)s") % {"code": code}
            return _("%(item)s, bonus no. %(number)s") % {"item": item_where, "number": number}

        return tuple(
            Bonus(code=code, name=name, points=self.number(entry, "points", where))
            for entry, where, code, name in self._entries_of(
                m, "bonuses", _BONUS_FIELDS, where_of, _("a bonus item needs at least one entry in bonuses")
            )
        )

    def vetoes(self, m: _Map, item_where: str) -> tuple[Veto, ...]:
        def where_of(code: str, number: int) -> str:
            if not number:
                return item_where
            if code:
                return _("veto %(code)s") % {"code": code}
            return _("%(item)s, veto no. %(number)s") % {"item": item_where, "number": number}

        return tuple(
            Veto(code=code, name=name)
            for _e, _w, code, name in self._entries_of(
                m, "vetoes", _VETO_FIELDS, where_of, _("a veto item needs at least one entry in vetoes")
            )
        )

    def satisfaction(self, m: _Map, where: str) -> dict[str, Any]:
        return {
            "target": self.number(m, "target", where, high=Decimal(1)),
            "step": self.number(m, "step", where, positive=True),
            "step_points": self.number(m, "step_points", where),
            "min_responses": self.whole(m, "min_responses", where, default=DEFAULT_MIN_RESPONSES, low=1),
            "satisfied_min": self.whole(m, "satisfied_min", where, default=DEFAULT_SATISFIED_MIN, low=1, high=5),
        }

    def rollup_source(self, m: _Map, where: str) -> str | None:
        source = self.text(m, "source", where, max_length=STANDARD_CODE_MAX)
        if source is None:
            return None
        line = m.line_of("source")
        if source == self.code:
            self.problem(line, where, _("a rollup cannot take its own standard as its source"))
            return None
        summary = self.known_standards(source)
        if summary is None:
            self.problem(
                line,
                where,
                _("the source standard %(source)s does not exist; import it first") % {"source": source},
            )
            return None
        if self.subject is not None and summary.subject != self.subject:
            self.problem(
                line,
                where,
                _("the source standard %(source)s scores %(source_subject)s, not %(subject)s like this standard")
                % {"source": source, "source_subject": Subject(summary.subject).value, "subject": self.subject.value},
            )
        if self.cycle is not None and CYCLE_ORDER[Cycle(summary.cycle)] >= CYCLE_ORDER[self.cycle]:
            self.problem(
                line,
                where,
                _("the source standard %(source)s has the cycle %(source_cycle)s, which is not shorter than %(cycle)s")
                % {"source": source, "source_cycle": Cycle(summary.cycle).value, "cycle": self.cycle.value},
            )
        return source


def _sum_points(parsed: list[_Parsed | None]) -> Decimal | None:
    """The sum of the points of the scored items among ``parsed`` (bonus and veto items carry none);
    None when any of them could not be read well enough to tell."""
    if any(p is None for p in parsed):
        return None
    scored = [p for p in parsed if p.rule not in (Rule.BONUS, Rule.VETO)]
    if any(p.points is None for p in scored):
        return None
    return sum((p.points for p in scored), Decimal(0))


def _label(value: Any) -> str:
    """A code or name as written, for naming the thing in a message even when it is not valid."""
    return value.text.strip() if isinstance(value, _Scalar) and value.tag != "null" else ""


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, _Scalar) and value.tag == "null")
