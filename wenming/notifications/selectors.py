"""Reading notifications, and who should receive them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from wenming.org.models import Department, Role

from .models import Notification


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for_user(*, user, pk: int) -> Notification | None:
    """The notification if it is ``user``'s own; None for missing and not-yours alike."""
    return Notification.objects.filter(recipient=user, pk=pk).first()


def users_with_roles(*roles: str) -> QuerySet:
    """Active accounts holding any of ``roles``."""
    return get_user_model().objects.filter(is_active=True, roles__role__in=roles).distinct()


def heads_of(department: Department) -> QuerySet:
    """Active accounts heading ``department`` or a department above it."""
    # Paths are chains of codes ending in "/" (D01/D0101/): the ancestors' paths are its prefixes.
    ancestors = [department.path[: i + 1] for i, char in enumerate(department.path) if char == "/"]
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            roles__role=Role.DEPARTMENT_HEAD,
            roles__departments__path__in=ancestors,
        )
        .distinct()
    )
