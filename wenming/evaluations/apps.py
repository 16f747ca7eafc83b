"""The yearly 医德考评 (medical ethics evaluation) and each person's 医德档案.

The menu entry "People" opens the people section: its tabs are the 医德考评 cycles (this app),
the multi-source rounds and ballots (``wenming.rounds``) and the public commitments
(``wenming.commitments``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "wenming.evaluations"
    label = "evaluations"
    verbose_name = _("Medical ethics evaluation")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_nav, register_tab
        from wenming.notifications.kinds import register_kind

        from .services.common import has_staff_record, may_open

        register_nav(NavItem(_("Ethics and evaluation"), "evaluations:list", may_open, order=45))
        register_tab("people", NavItem(_("Ethics evaluation"), "evaluations:list", may_open, order=10))
        register_tab("people", NavItem(_("My ethics file"), "people:my_ethics", has_staff_record, order=20))

        register_action("evaluations.cycle.created", _("started the ethics evaluation {target}"))
        register_action("evaluations.cycle.advanced", _("moved the ethics evaluation {target} to its next step"))
        register_action("evaluations.cycle.stepped_back", _("moved the ethics evaluation {target} back a step"))
        register_action("evaluations.cycle.recomputed", _("recomputed the results of {target}"))
        register_action("evaluations.cycle.accepted_computed", _("gave the computed grades in {target}"))
        register_action("evaluations.member.self_evaluated", _("submitted the self-evaluation of {target}"))
        register_action("evaluations.department.saved", _("saved the department evaluation in {target}"))
        register_action("evaluations.member.decided", _("decided the final grade of {target}"))
        register_action("evaluations.objection.raised", _("raised an objection to the grade of {target}"))
        register_action("evaluations.objection.reviewed", _("reviewed the objection to the grade of {target}"))
        register_action("evaluations.daily.created", _("entered the daily record {target}"))
        register_action("evaluations.daily.resubmitted", _("corrected and resubmitted the daily record {target}"))
        register_action("evaluations.daily.approved", _("approved the daily record {target}"))
        register_action("evaluations.daily.returned", _("returned the daily record {target}"))

        register_kind("evaluations.cycle.self", _("{cycle}: please write your self-evaluation."))
        register_kind("evaluations.cycle.publicity", _("{cycle}: the results are published; objections are open."))
        register_kind("evaluations.cycle.archived", _("{cycle} is final; your 医德档案 has this year's result."))
        register_kind("evaluations.objection.raised", _("An objection to the grade of {person} in {cycle}."))
        register_kind("evaluations.objection.reviewed", _("Your objection about {person} ({cycle}): {outcome}."))
        register_kind("evaluations.daily.returned", _("A daily record about {person} was returned: {reason}"))
