"""The main menu: the entry with the longest matching address is the active one."""

from django.utils.translation import gettext_lazy as _

from wenming.core import navigation
from wenming.core.navigation import NavItem, nav_for
from wenming.org.access import Access


def test_the_longest_matching_entry_is_active(monkeypatch):
    items = [
        NavItem(_("Home"), "core:home", lambda a: True, 1),
        NavItem(_("Inspections"), "inspections:home", lambda a: True, 2),
        NavItem(_("Supervision report"), "supervision:home", lambda a: True, 3),
    ]
    monkeypatch.setattr(navigation, "_ITEMS", items)
    access = Access(user_id=1)
    active = {e["url"] for e in nav_for(access, "/inspections/report/2026-11/") if e["active"]}
    assert active == {"/inspections/report/"}
    active = {e["url"] for e in nav_for(access, "/inspections/rounds/3/") if e["active"]}
    assert active == {"/inspections/"}
    assert [e["url"] for e in nav_for(access, "/") if e["active"]] == ["/"]
    assert not any(e["active"] for e in nav_for(access, "/org/"))
