"""Writing and reading the audit log (pretix's ``log_action``, in small).

Every service that changes something calls :func:`audit_log` inside its transaction.
Action codes are registered with a translated sentence so the log reads in the user's language.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

_ACTIONS: dict[str, Promise] = {}


def register_action(code: str, sentence: Promise) -> None:
    """Register how an action code reads, e.g. ``_("changed staff member {target}")``."""
    _ACTIONS[code] = sentence


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(sentence).replace("{target}", "…")) for code, sentence in _ACTIONS.items()))


def describe(entry: AuditEntry) -> str:
    sentence = _ACTIONS.get(entry.action)
    if sentence is None:
        return f"{entry.action} {entry.target_repr}".strip()
    return str(sentence).replace("{target}", entry.target_repr)


def _plain(value: Any) -> Any:
    """A JSON-safe, readable form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of an instance, as plain values, for before/after records."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    keys = list(before) + [k for k in after if k not in before]
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_log(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    department=None,
    data: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` is a user or None for the system (an import command, a task)."""
    entry = audit_entry(
        actor=actor, action=action, target=target, target_repr=target_repr, department=department, data=data, ip=ip
    )
    entry.save()
    return entry


def format_details(data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """An entry's details as readable lines: ``("name", "张三 → 李四")``."""
    lines = []
    for key, value in (data or {}).items():
        if isinstance(value, list) and len(value) == 2:
            old, new = ("—" if v in (None, "") else v for v in value)
            lines.append((key, f"{old} → {new}"))
        else:
            lines.append((key, str(value)))
    return lines


def client_ip(request) -> str | None:
    """The client's address. Behind a proxy listed in TRUSTED_PROXIES, RealClientAddressMiddleware
    has already replaced REMOTE_ADDR with the X-Real-IP header nginx sets (see docs/deploy.md)."""
    return request.META.get("REMOTE_ADDR") or None


def audit_entry(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    department=None,
    data: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """An unsaved entry (what :func:`audit_log` saves; :func:`audit_log_many` saves many at once)."""
    if action not in _ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    has_actor = actor is not None and getattr(actor, "pk", None)
    return AuditEntry(
        actor=actor if has_actor else None,
        actor_name=actor.get_username() if has_actor else str(_("system")),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:200],
        department=department,
        data={k: _plain(v) for k, v in (data or {}).items()},
        ip=ip,
    )


def audit_log_many(entries: list[AuditEntry], *, batch_size: int = 1000) -> int:
    """Append many entries (built with :func:`audit_entry`) in a few INSERTs; for imports.
    Call inside the transaction that made the changes. Returns how many were written."""
    if any(entry.pk is not None for entry in entries):
        raise TypeError("The audit log is append-only.")
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)
