"""Satisfaction pages: the dashboard (``/satisfaction/``), one department's page
(``/satisfaction/<department code>/``), the public board (``/satisfaction/public/``, no login) and
its settings (``/satisfaction/public/settings/``).

Who: the civility office and system administrators see the whole hospital and change the board's
settings; the leadership group reads the whole hospital's dashboards (without links into the
feedback list, which is the office's); a department head sees their departments (and those under
them) and gets 404 for any other department's page; everyone else 403, anonymous visitors the
login page. The public page is
for everyone when the hospital has published it, and a kind 404 page otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from wenming.feedback.selectors import may_read_feedback
from wenming.org.access import access_for, require_check
from wenming.org.selectors import current_hospital, hospital_today

from . import selectors, services
from .forms import DashboardFilterForm, PublicBoardForm
from .models import PublicBoard

reader = require_check(selectors.may_read)
manager = require_check(selectors.may_manage)


def _feedback_link(**filters) -> str:
    """The feedback list filtered (department code, rating, dates), for a comment's "see it" link."""
    query = {key: value for key, value in filters.items() if value not in (None, "")}
    return f"{reverse('feedback:list')}?{urlencode(query)}"


@reader
@require_GET
def dashboard(request):
    """Every department in scope for the period: rates against targets, the trend, the dimensions,
    the channels and the lowest comments."""
    access = access_for(request.user)
    today = hospital_today()
    form = DashboardFilterForm(request.GET or None, today=today)
    period = form.chosen_period()
    category = form.value("category")
    board = selectors.dashboard(
        access=access,
        period=period,
        category=category,
        lowest_first=form.value("order") == "lowest",
        today=today,
    )
    links = may_read_feedback(access)  # the leadership reads the dashboards, not the feedback list
    for comment in board.comments:
        comment.list_url = links and _feedback_link(
            department=comment.department.code,
            rating=comment.overall,
            state="valid",
            start=comment.local_date.isoformat(),
            end=comment.local_date.isoformat(),
        )
    context = {
        "form": form,
        "board": board,
        "period": period,
        "may_manage": selectors.may_manage(access),
        "low_list_url": links
        and _feedback_link(
            state="valid", start=period.start.isoformat(), end=(period.end - timedelta(days=1)).isoformat()
        ),
        "query": urlencode({"period": period.key}),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, "satisfaction/_dashboard_body.html" if partial else "satisfaction/dashboard.html", context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@reader
@require_GET
def department(request, code: str):
    """One department: its month (or quarter, year) against its target, the last 12 months, the
    dimensions, the staff named most often and the latest comments."""
    access = access_for(request.user)
    found = selectors.department_for_access(access=access, code=code)
    if found is None:
        raise Http404
    today = hospital_today()
    form = DashboardFilterForm(request.GET or None, today=today, with_category=False)
    period = form.chosen_period()
    detail = selectors.department_detail(department=found, period=period, today=today)
    links = may_read_feedback(access)
    for comment in detail.comments:
        comment.list_url = links and _feedback_link(
            department=found.code,
            rating=comment.overall,
            state="valid",
            start=comment.local_date.isoformat(),
            end=comment.local_date.isoformat(),
        )
    return render(
        request,
        "satisfaction/department.html",
        {"form": form, "detail": detail, "period": period, "query": urlencode({"period": period.key})},
    )


# --- The public board -------------------------------------------------------------------------------


@require_safe
def public(request):
    """The public 满意度公示 page: standalone, light, no JavaScript, cached for 5 minutes.

    Rendered without the request (no session, no cookies): the same page for everyone."""
    board = selectors.public_board()
    hospital = current_hospital()
    if not board.enabled:
        response = HttpResponse(render_to_string("satisfaction/public_closed.html", {"hospital": hospital}), status=404)
        patch_cache_control(response, public=True, max_age=60)
        return response
    figures = selectors.public_figures(board=board)
    html = render_to_string(
        "satisfaction/public.html",
        {"hospital": hospital, "board": board, "figures": figures, "refresh": selectors.PUBLIC_SECONDS},
    )
    response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=selectors.PUBLIC_SECONDS)
    return response


@manager
@require_http_methods(["GET", "POST"])
def public_settings(request):
    """Publish or withdraw the public page, and what it shows."""
    board = PublicBoard.objects.filter(pk=1).select_related("updated_by").first() or PublicBoard(pk=1)
    today = hospital_today()
    initial = {
        "enabled": board.enabled,
        "title": board.title,
        "period_key": board.period_key,
        "min_responses": board.min_responses,
        "note": board.note,
        "version": board.version,
    }
    conflict = None
    status = 200
    if request.method == "POST":
        form = PublicBoardForm(request.POST, initial=initial, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.public_board_update(
                    by=request.user,
                    enabled=data["enabled"],
                    title=data["title"],
                    period_key=data["period_key"],
                    min_responses=data["min_responses"],
                    note=data["note"],
                    expected_version=data["version"],
                )
            except services.BoardConflict:
                conflict = PublicBoard.objects.select_related("updated_by").get(pk=1)
                form.add_error(
                    None,
                    _(
                        "Someone else saved these settings after you opened them, so nothing was saved. "
                        "Their settings are shown below; what you chose is still in the form. "
                        "Save again to replace theirs with yours."
                    ),
                )
                posted = request.POST.copy()
                posted["version"] = str(conflict.version)
                form.data = posted
                status = 409
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
                status = 400
            else:
                messages.success(request, _("The public page settings have been saved."))
                return redirect("satisfaction:public_settings")
        else:
            status = 400
    else:
        form = PublicBoardForm(initial=initial, today=today)
    preview = selectors.public_figures(board=conflict or board, today=today, use_cache=False)
    return render(
        request,
        "satisfaction/public_settings.html",
        {"form": form, "board": board, "conflict": conflict, "preview": preview},
        status=status,
    )
