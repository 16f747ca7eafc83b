"""A person's notifications: the list, opening one (marks it read and follows its link), marking all
read, and the unread badge the menu fetches after the page has loaded (so no page pays a query for it).
Everyone logged in has notifications; another person's notification is 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .kinds import describe
from .selectors import notification_for_user, notifications_for, unread_count
from .services import notifications_mark_read

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request):
    page = Paginator(notifications_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(n, describe(n.kind, n.params)) for n in page.object_list]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "rows": rows, "unread": unread_count(user=request.user)},
    )


@login_required
@require_POST
def notification_open(request, pk: int):
    notification = notification_for_user(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    notifications_mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
@require_GET
@never_cache
def notification_badge(request):
    return render(request, "notifications/_badge.html", {"unread": unread_count(user=request.user)})
