"""Writes of pay linkage: saving a standard's pay rule (:func:`pay_rule_save`).

The rule says how a result becomes the performance coefficient the finance office pays by
(``PayRule``'s docstring). Saving checks it against the standard's newest version (a grade table
needs a coefficient for every grade), compares the version the form was opened with, and leaves one
audit entry with what changed; nothing is written when nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes
from wenming.standards.selectors import newest_version

from ..models import PayMethod, PayRule
from ..pay import MAX_COEFFICIENT, MAX_PLACES
from .periods import ScoringError


class PayRuleConflictError(ScoringError):
    """The pay rule was saved by someone else after the form was opened; nothing was written."""


def _coefficient(value) -> Decimal | None:
    """A coefficient as an exact Decimal (None for empty); ValueError when it is not a number
    from 0 to 10 with at most 4 decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or number < 0 or number > MAX_COEFFICIENT:
        raise ValueError(value)
    if number != number.quantize(Decimal(1).scaleb(-MAX_PLACES)):
        raise ValueError(value)
    return number


def _snapshot(rule: PayRule) -> dict:
    return {
        "method": rule.method,
        "grade_coefficients": dict(rule.grade_coefficients or {}),
        "veto_coefficient": None
        if rule.veto_coefficient is None
        else f"{Decimal(rule.veto_coefficient).normalize():f}",
        "places": rule.places,
    }


@transaction.atomic
def pay_rule_save(
    *,
    standard,
    method: str,
    grade_coefficients: Mapping[str, Decimal | str | None],
    veto_coefficient: Decimal | str | None,
    places: int,
    by,
    version: int | None,
) -> PayRule:
    """Save the pay rule of ``standard`` and return it.

    ``grade_coefficients`` maps grade names of the standard's newest version to coefficients
    (0–10, at most 4 decimals; empty ones are dropped); a ``grade_table`` needs every grade.
    ``veto_coefficient`` (optional) replaces the coefficient of a vetoed result. ``places`` is 0–4.
    ``version`` is the rule's version the form was opened with (0: no rule was saved yet); when it
    no longer matches, :class:`PayRuleConflictError` is raised. ``None`` skips the check."""
    errors: dict[str, list[str]] = {}
    if method not in PayMethod.values:
        errors["method"] = [_("Choose how the coefficient is computed.")]
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= MAX_PLACES:
        errors["places"] = [_("Decimal places must be a whole number from 0 to 4.")]
    newest = newest_version(standard.code)
    grade_names = [grade.name for grade in newest.definition.grades] if newest else []
    coefficients: dict[str, str] = {}
    bad: list[str] = []
    unknown = [name for name in grade_coefficients if name not in grade_names]
    for name in grade_names:
        try:
            value = _coefficient(grade_coefficients.get(name))
        except ValueError:
            bad.append(name)
            continue
        if value is not None:
            coefficients[name] = f"{value:f}"
    if bad:
        errors.setdefault("grade_coefficients", []).append(
            _("The coefficients of %(grades)s must be numbers from 0 to 10 with at most 4 decimals.")
            % {"grades": "、".join(bad)}
        )
    if unknown:
        errors.setdefault("grade_coefficients", []).append(
            _("The standard has no grade named %(grades)s.") % {"grades": "、".join(unknown)}
        )
    if method == PayMethod.GRADE_TABLE and not bad:
        missing = [name for name in grade_names if name not in coefficients]
        if missing:
            errors.setdefault("grade_coefficients", []).append(
                _("A table by grade needs a coefficient for every grade; %(grades)s has none.")
                % {"grades": "、".join(missing)}
            )
    try:
        veto = _coefficient(veto_coefficient)
    except ValueError:
        veto = None
        errors["veto_coefficient"] = [
            _("The coefficient when vetoed must be a number from 0 to 10 with at most 4 decimals.")
        ]
    if errors:
        raise ScoringError(errors)

    rule = PayRule.objects.select_for_update().filter(standard=standard).first()
    if version is not None and (rule.version if rule else 0) != version:
        raise PayRuleConflictError(
            _("The pay rule was changed by someone else after you opened it, so nothing was saved.")
        )
    created = rule is None
    if created:
        rule = PayRule(standard=standard, version=0)
        before: dict = {}
    else:
        before = _snapshot(rule)
    rule.method = method
    rule.grade_coefficients = coefficients
    rule.veto_coefficient = veto
    rule.places = places
    after = _snapshot(rule)
    if not created and after == before:
        return rule
    rule.version += 1
    rule.updated_by = by if getattr(by, "pk", None) else None
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # another first save of this standard's rule won the race
        raise PayRuleConflictError(
            _("The pay rule was changed by someone else after you opened it, so nothing was saved.")
        ) from None
    audit_log(
        actor=by,
        action="scoring.pay_rule.saved",
        target=rule,
        target_repr=standard.code,
        data=changes(before, after),
    )
    return rule
