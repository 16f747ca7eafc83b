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


def test_section_tabs_show_what_the_person_may_see_with_the_longest_match_active(monkeypatch):
    tabs = [
        NavItem(_("Patient feedback"), "feedback:list", lambda a: True, 1),
        NavItem(_("Review queue"), "feedback:review", lambda a: a.user_id == 1, 2),
    ]
    monkeypatch.setattr(navigation, "_TABS", {"patients": tabs})
    office = navigation.tabs_for("patients", Access(user_id=1), "/feedback/review/")
    assert [(e["url"], e["active"]) for e in office] == [("/feedback/", False), ("/feedback/review/", True)]
    other = navigation.tabs_for("patients", Access(user_id=2), "/feedback/")
    assert [(e["url"], e["active"]) for e in other] == [("/feedback/", True)]
    assert navigation.tabs_for("nothing", Access(user_id=1), "/") == []
