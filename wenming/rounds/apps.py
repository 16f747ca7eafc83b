"""Multi-source evaluation rounds (多源评价): self, peers, party members, leaders, functional departments, patients."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    name = "wenming.rounds"
    label = "rounds"
    verbose_name = _("Evaluation rounds")

    def ready(self) -> None:
        from wenming.core.audit import register_action
        from wenming.core.navigation import NavItem, register_tab
        from wenming.notifications.kinds import register_kind

        from .services import has_staff, may_read_rounds

        register_tab("people", NavItem(_("Multi-source evaluation"), "rounds:list", may_read_rounds, order=30))
        register_tab("people", NavItem(_("My ballots"), "rounds:ballots", has_staff, order=35))

        register_action("rounds.round.created", _("created the evaluation round {target}"))
        register_action("rounds.round.updated", _("changed the evaluation round {target}"))
        register_action("rounds.round.opened", _("opened the evaluation round {target} and sent out its ballots"))
        register_action("rounds.round.closed", _("closed the evaluation round {target}"))
        register_action("rounds.round.published", _("published the results of the evaluation round {target}"))
        register_action("rounds.round.reminded", _("reminded the raters of the evaluation round {target}"))
        register_action("rounds.round.fed", _("recorded the results of the evaluation round {target} on a standard"))
        register_action("rounds.ballots.submitted", _("submitted ballots in the evaluation round {target}"))
        register_action("rounds.ballots.unsealed", _("exported the sealed ballots of the evaluation round {target}"))

        register_kind(
            "rounds.round.opened", _("The evaluation round {round} is open: please fill in your ballots by {closes}.")
        )
        register_kind(
            "rounds.ballots.pending", _("You have {count} ballots to fill in for {round}; it closes {closes}.")
        )
        register_kind("rounds.round.published", _("The results of {round} are published: see your evaluation results."))
