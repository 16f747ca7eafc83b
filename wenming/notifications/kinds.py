"""The sentences notifications are worded with. Apps register their kinds in ``AppConfig.ready()``:

    register_kind("rectification.item.overdue", _("{item} of {department} is overdue since {deadline}."))

Placeholders are filled from the notification's ``params`` when it is shown, in the reader's language.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _

_KINDS: dict[str, Promise] = {}


def register_kind(kind: str, sentence: Promise) -> None:
    _KINDS[kind] = sentence


def is_registered(kind: str) -> bool:
    return kind in _KINDS


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def describe(kind: str, params: dict) -> str:
    sentence = _KINDS.get(kind)
    if sentence is None:
        return _("Notification (%(kind)s)") % {"kind": kind}
    return str(sentence).format_map(_Params(params or {}))
