"""Reads of the organisation, already scoped to the person asking."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from .models import Hospital

HOSPITAL_CACHE_KEY = "org:hospital"


def current_hospital() -> Hospital:
    """The hospital's settings (cached; services clear the cache when they change).
    Before set-up, an unsaved default named after the product."""
    hospital = cache.get(HOSPITAL_CACHE_KEY)
    if hospital is None:
        hospital = Hospital.objects.filter(pk=1).first() or Hospital(
            pk=1, name=str(settings.WENMING_PRODUCT_NAME), time_zone=settings.TIME_ZONE
        )
        cache.set(HOSPITAL_CACHE_KEY, hospital, 300)
    return hospital


def dashboard_facts(*, access) -> dict:
    """The organisation's figures for the home page, within what the person may see."""
    from django.db.models import Count, Q

    from .models import DepartmentCategory, StaffStatus

    departments = access.departments()
    staff = access.staff().filter(status=StaffStatus.ACTIVE)
    by_category = dict(
        departments.filter(is_active=True).values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    counts = staff.aggregate(total=Count("pk"), party=Count("pk", filter=Q(is_party_member=True)))
    return {
        "departments": sum(by_category.values()),
        "departments_by_category": [
            {"label": label, "value": value, "count": by_category.get(value, 0)}
            for value, label in DepartmentCategory.choices
        ],
        "staff": counts["total"],
        "party_members": counts["party"],
        "left_staff": access.staff().filter(status=StaffStatus.LEFT).count(),
    }
