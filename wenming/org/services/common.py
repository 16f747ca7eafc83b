"""Shared by the organisation's services: :data:`KEEP` and :class:`ConcurrentEditError`, the code,
staff number and phone patterns and the field validators, the pinyin name index, and the upkeep of
the departments' paths."""

from __future__ import annotations

import enum
import re
import zoneinfo
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from ..models import Department


class ConcurrentEditError(Exception):
    """The object was changed by someone else after the form was opened."""


def name_index(name: str) -> tuple[str, str]:
    """Pinyin initials and full pinyin of a Chinese name: 周涛 → ("zt", "zhoutao").
    Letters and digits in the name are kept as they are (lower case)."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    return initials[:50], full[:200]


def department_refresh_paths(*, root: Department | None = None) -> int:
    """Recompute ``path`` and ``depth`` for a department and everything under it
    (or the whole tree when ``root`` is None). Returns how many rows changed.

    Loads the (small) department table once and walks it in memory."""
    departments = {d.pk: d for d in Department.objects.all().only("pk", "code", "parent_id", "path", "depth")}
    children: dict[int | None, list[Department]] = {}
    for dept in departments.values():
        children.setdefault(dept.parent_id, []).append(dept)

    changed: list[Department] = []

    def walk(dept: Department, prefix: str, depth: int, seen: frozenset[int]) -> None:
        if dept.pk in seen:
            raise ValueError(f"Department {dept.code} is its own ancestor")
        path = f"{prefix}{dept.code}/"
        if dept.path != path or dept.depth != depth:
            dept.path, dept.depth = path, depth
            changed.append(dept)
        for child in children.get(dept.pk, []):
            walk(child, path, depth + 1, seen | {dept.pk})

    if root is None:
        for top in children.get(None, []):
            walk(top, "", 0, frozenset())
    else:
        start = departments[root.pk]
        parent = departments.get(start.parent_id)
        walk(start, parent.path if parent else "", (parent.depth + 1) if parent else 0, frozenset())
    Department.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""Default of the ``*_update`` services' fields: leave this field unchanged."""

# ASCII digits only (\d would also accept full-width ones); the org import uses the same pattern.
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Codes become path segments ("D01/D0101/") and staff numbers become login names.
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
STAFF_NO_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    """Set the given attributes (skipping ``KEEP``); True when any value differs."""
    changed = False
    for name, value in values.items():
        if value is KEEP:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _check_version(current: Any, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(
            f"{current._meta.label} {current.pk}: opened at version {expected_version}, now {current.version}"
        )


def validate_phone(phone: str) -> str:
    """The phone without surrounding spaces; empty is allowed. Raises ValidationError({"phone": …})."""
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("Enter an 11-digit mainland mobile number, such as 13800138000.")})
    return phone


def validate_time_zone(time_zone: str) -> str:
    """An IANA time zone name such as Asia/Shanghai. Raises ValidationError({"time_zone": …})."""
    time_zone = (time_zone or "").strip()
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Enter a time zone name such as Asia/Shanghai.")}) from None
    return time_zone


def _require_text(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    return value
