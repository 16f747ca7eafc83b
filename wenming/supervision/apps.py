from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "wenming.supervision"
    label = "supervision"
    verbose_name = _("Supervision reports")

    def ready(self) -> None:
        from wenming.core.navigation import NavItem, register_nav

        # Heads open the same report restricted to their departments.
        register_nav(
            NavItem(
                _("Supervision report"),
                "supervision:home",
                lambda a: a.sees_whole_hospital or a.is_department_head,
                order=32,
            )
        )
