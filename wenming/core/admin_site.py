from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wenming.org.access import access_for


class WenmingAdminSite(admin.AdminSite):
    """The Django admin, for system administrators only."""

    site_header = _("Wenming system administration")
    site_title = _("Wenming")
    index_title = _("System administration")

    def has_permission(self, request) -> bool:
        return request.user.is_active and access_for(request.user).can_use_admin
