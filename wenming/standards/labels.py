"""The words people read for the parts of a standard: rule kinds and field names, translated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .definition import Rule

_RULES = {
    Rule.DEDUCT: _("Deduction"),
    Rule.SATISFACTION: _("Satisfaction"),
    Rule.MANUAL: _("Manual score"),
    Rule.ROLLUP: _("Rollup"),
    Rule.BONUS: _("Bonus"),
    Rule.VETO: _("Veto"),
}

# The same in running text (a diff line: "rule manual score → deduction").
_RULE_WORDS = {
    Rule.DEDUCT: _("deduction"),
    Rule.SATISFACTION: _("satisfaction"),
    Rule.MANUAL: _("manual score"),
    Rule.ROLLUP: _("rollup"),
    Rule.BONUS: _("bonus"),
    Rule.VETO: _("veto"),
}

_FIELDS = {
    "name": _("name"),
    "points": _("points"),
    "rule": _("rule"),
    "target": _("target"),
    "step": _("step"),
    "step_points": _("points per step"),
    "min_responses": _("minimum responses"),
    "satisfied_min": _("satisfied from rating"),
    "source": _("source standard"),
    "subject": _("subject"),
    "cycle": _("cycle"),
    "applies_to": _("applies to"),
    "full_score": _("full score"),
    "bonus_cap": _("bonus cap"),
    "veto_grade": _("veto grade"),
    "min": _("minimum"),
    "max_deducted": _("most points deducted"),
    "quota": _("quota"),
}


def rule_label(rule: Rule | str | None) -> str:
    """The kind of an item in a word: 扣分项, 满意度, 评分, 汇总, 加分, 一票否决 (or 分组 for a group)."""
    if rule is None:
        return str(_("Group"))
    return str(_RULES.get(Rule(rule), rule))


def rule_word(rule: Rule | str) -> str:
    """The kind of an item in running text, lower case in English."""
    return str(_RULE_WORDS.get(Rule(rule), rule))


def field_label(name: str) -> str:
    """A field of a standard, an item or a grade as a reviewer reads it (full_score → 满分)."""
    return str(_FIELDS.get(name, name))
