"""Reading inspection rounds: the list of rounds with filters, one round's findings grouped by
item (photos, scoring status, appeals, rectification items opened from them) and the photos.

Who: the whole-hospital roles (文明办, 领导小组, 督查员, system admins) see every round; a department
head sees the rounds of the departments they head (and those under them) — another department's
round or photo is 404; everyone else gets 403.

Inspections are not anonymous: the inspector is shown to everyone, except for unannounced rounds
(暗访), whose inspector is hidden from the inspected department (``selectors.shows_inspector``).

Reads are in ``wenming.inspections.selectors`` (scoped to the person; query counts pinned in the
tests); these pages write nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from wenming.org.access import Access, access_for
from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.rectification.services import may_oversee
from wenming.scoring.models import RecordStatus
from wenming.scoring.selectors.common import optional_url

from ..models import InspectionRound
from ..review_forms import RoundFilterForm
from ..selectors import (
    add_round_points,
    may_decide_appeals,
    may_review,
    photo_for_user,
    review_round_for_user,
    review_rounds,
    round_detail,
    round_inspectors,
    shows_inspector,
)

PAGE_SIZE = 30
PHOTO_MAX_AGE = 3600  # seconds a browser may keep a photo (photos never change once stored)


def require_that(allowed: Callable[[Access], bool]) -> Callable:
    """View decorator: anonymous people go to the login page; 403 unless ``allowed(access)``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(access_for(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


reviewer = require_that(may_review)


def round_for_user(user, pk: int) -> InspectionRound:
    """The submitted round if the person may see it; 404 for missing and not-yours alike."""
    inspection_round = review_round_for_user(user=user, pk=pk)
    if inspection_round is None:
        raise Http404
    return inspection_round


def filter_departments(access: Access):
    """The departments the round list can be narrowed to: all for the whole-hospital roles, the
    departments a head heads (and those under them)."""
    departments = Department.objects.filter(is_active=True).order_by("path")
    if access.sees_whole_hospital:
        return departments
    if not access.head_paths:
        return departments.none()
    return departments.filter(access.headed())


# --- The list of rounds -----------------------------------------------------------------------


@reviewer
@require_GET
def round_list(request):
    """The rounds the person may see, newest first, 30 a page, with filters."""
    access = access_for(request.user)
    form = RoundFilterForm(
        request.GET or None,
        departments=filter_departments(access),
        inspectors=round_inspectors(user=request.user) if access.sees_whole_hospital else None,
    )
    rounds = review_rounds(user=request.user, filters=form.filters())
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = add_round_points(list(page.object_list))
    for row in rows:
        row.show_inspector = shows_inspector(access, row)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": bool(request.GET.dict().keys() - {"page"}),
        "appeals_url": optional_url("inspections:appeals")
        if may_decide_appeals(access) or access.is_department_head
        else None,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, "inspections/_review_round_table.html" if partial else "inspections/round_list.html", context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- One round --------------------------------------------------------------------------------


@reviewer
@require_GET
def round_detail_view(request, pk: int):
    """A round's findings grouped by item, each with its points, note, responsible person, photos,
    scoring status, appeal and rectification items, and what the person may do about it."""
    access = access_for(request.user)
    inspection_round = round_for_user(request.user, pk)
    department = inspection_round.department
    today = hospital_today()
    detail = round_detail(inspection_round=inspection_round, today=today)
    item_new = optional_url("rectification:item_new")
    may_open_items = item_new is not None and may_oversee(request.user, department)
    for row in detail.rows:
        record = row.finding.record
        row.item_new_url = (
            f"{item_new}?finding={record.pk}"
            if may_open_items and record is not None and record.status != RecordStatus.VOIDED
            else None
        )
        for item in row.items:
            item.url = optional_url("rectification:item_detail", item.pk)
    context = {
        "round": inspection_round,
        "detail": detail,
        "today": today,
        "show_inspector": shows_inspector(access, inspection_round),
        "is_head": access.heads_department(department),
        "can_decide": may_decide_appeals(access),
        "can_see_records": access.can_view_scores,
        "appeals_url": optional_url("inspections:appeals")
        if may_decide_appeals(access) or access.is_department_head
        else None,
    }
    return render(request, "inspections/round_detail.html", context)


# --- Photos -----------------------------------------------------------------------------------


def _photo_response(field: FieldFile, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, filename=os.path.basename(field.name))
    response["Cache-Control"] = f"private, max-age={PHOTO_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@reviewer
@require_GET
def photo(request, pk: int):
    """A finding's photo as stored (re-encoded without metadata), shown in the browser."""
    found = photo_for_user(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return _photo_response(found.image, found.content_type)


@reviewer
@require_GET
def photo_thumb(request, pk: int):
    """A finding's photo as a small JPEG."""
    found = photo_for_user(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return _photo_response(found.thumbnail, "image/jpeg")
