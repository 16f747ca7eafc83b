"""The main menu and the tabs of a section. Each app registers its entries in
``AppConfig.ready()``; an entry shows only to the people its ``visible`` test admits.

A *section* groups the pages of several apps under one menu entry: the patients' section
(``"patients"``: feedback, satisfaction, questionnaires, follow-up calls, alerts, comment
analysis) shows its pages as tabs at the top of each of them (``{% section_tabs "patients" %}``
from ``wenming`` template tags) instead of crowding the main menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    visible: Callable  # (Access) -> bool
    order: int = 100


_ITEMS: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


_TABS: dict[str, list[NavItem]] = {}


def register_tab(section: str, item: NavItem) -> None:
    """Add a tab to a section (once per address)."""
    tabs = _TABS.setdefault(section, [])
    if all(existing.url_name != item.url_name for existing in tabs):
        tabs.append(item)
        tabs.sort(key=lambda i: i.order)


def nav_for(access, path: str) -> list[dict]:
    """The entries this person sees; the one whose address is the longest prefix of ``path`` is
    active (``/inspections/report/`` is the report's, not the inspections' entry)."""
    return _entries(_ITEMS, access, path)


def tabs_for(section: str, access, path: str) -> list[dict]:
    """The tabs of ``section`` this person sees, the longest matching one active."""
    return _entries(_TABS.get(section, []), access, path)


def _entries(items: list[NavItem], access, path: str) -> list[dict]:
    entries = []
    for item in items:
        if not item.visible(access):
            continue
        url = reverse(item.url_name)
        entries.append({"label": item.label, "url": url, "active": False})
    matching = [e for e in entries if (path == e["url"] if e["url"] == "/" else path.startswith(e["url"]))]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["active"] = True
    return entries
