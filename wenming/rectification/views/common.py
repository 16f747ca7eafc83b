"""What the rectification pages share: the access checks and the accessors that answer 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from wenming.org.access import access_for

from .. import services
from ..models import RectificationItem
from ..selectors import item_for_user, may_view_ledger


def ledger_required(view):
    """Login, then 403 unless the person may open the ledger (whole-hospital roles, heads)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_view_ledger(access_for(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def office_required(view):
    """Login, then 403 unless the person is the office (or a system administrator)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def item_or_404(user, pk: int, today=None) -> RectificationItem:
    item = item_for_user(user=user, pk=pk, today=today)
    if item is None:
        raise Http404
    return item
