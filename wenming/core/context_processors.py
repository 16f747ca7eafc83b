from django.conf import settings

from wenming.org.access import access_for
from wenming.org.selectors import current_hospital

from .navigation import nav_for


def shell(request) -> dict:
    """What every page's frame needs: the hospital, the menu, the user's access."""
    access = access_for(getattr(request, "user", None))
    return {
        "hospital": current_hospital(),
        "access": access,
        "nav_items": nav_for(access, request.path) if access.user_id else [],
        "product_name": settings.WENMING_PRODUCT_NAME,
    }
