from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wenming.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Home"), "core:home", lambda a: True, order=0))
        register_nav(NavItem(_("Departments"), "org:departments", lambda a: a.can_browse_org, order=10))
        register_nav(NavItem(_("Staff"), "org:staff", lambda a: a.can_browse_org, order=11))
        register_nav(NavItem(_("Party organisation"), "org:party", lambda a: a.sees_whole_hospital, order=12))
        register_nav(NavItem(_("Import"), "org:import", lambda a: a.can_manage_org, order=80))
        register_nav(NavItem(_("Hospital settings"), "org:hospital_edit", lambda a: a.can_manage_org, order=85))
        register_nav(NavItem(_("Audit log"), "core:audit", lambda a: a.can_view_audit, order=90))

        for code, sentence in {
            "org.hospital.updated": _("changed the hospital settings"),
            "org.department.created": _("created department {target}"),
            "org.department.updated": _("changed department {target}"),
            "org.staff.created": _("created staff member {target}"),
            "org.staff.updated": _("changed staff member {target}"),
            "org.staff.left": _("marked staff member {target} as left"),
            "org.party.created": _("created party organisation {target}"),
            "org.party.updated": _("changed party organisation {target}"),
            "org.role.granted": _("gave a role to {target}"),
            "org.role.revoked": _("took a role from {target}"),
            "org.import.uploaded": _("uploaded organisation import {target}"),
            "org.import.confirmed": _("confirmed organisation import {target}"),
            "org.import.cancelled": _("cancelled organisation import {target}"),
            "org.import.completed": _("completed organisation import {target}"),
            "org.import.failed": _("organisation import {target} failed"),
        }.items():
            register_action(code, sentence)
