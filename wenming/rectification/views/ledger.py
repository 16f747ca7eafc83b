"""The ledger (整改台账): every item the person may see, filtered, 50 a page, with the counts per
state above the table; and the same filtered ledger as an XLSX file in the offices' layout.

A fixed number of queries whatever the number of items (the counts are one GROUP BY, the page one
query with its department and responsible person joined); pinned in ``tests/test_views_ledger.py``
and measured on 10,000 items by ``bench/ledger.py``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from wenming.org.access import access_for
from wenming.org.selectors import current_hospital, hospital_today

from ..exports import ledger_response
from ..forms import LedgerFilterForm
from ..selectors import base_depth, decorate_rows, ledger, ledger_departments, state_counts
from .common import ledger_required

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _filtered(request):
    """The filter form of the request and the filters it gives (state kept apart: the counts
    above the table are of the other filters)."""
    access = access_for(request.user)
    form = LedgerFilterForm(
        request.GET or None, departments=ledger_departments(user=request.user), base_depth=base_depth(access)
    )
    return form, form.filters()


@ledger_required
@require_GET
def ledger_page(request):
    """The ledger; the table alone for HTMX (the filters swap it in place and push the URL)."""
    today = hospital_today()
    form, filters = _filtered(request)
    state = filters.pop("state", None)
    items = ledger(user=request.user, today=today, **filters)
    counts = state_counts(items)
    if state:
        items = items.filter(state=state)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": decorate_rows(page.object_list, today=today),
        "counts": counts,
        "state": state or "",
        "today": today,
        "filtered": bool(filters or state),
        "export_query": query.urlencode(),
    }
    state_free = query.copy()
    state_free.pop("state", None)
    context["count_query"] = state_free.urlencode()
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "rectification/_ledger_table.html" if partial else "rectification/ledger.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@ledger_required
@require_GET
def ledger_export(request):
    """The filtered ledger as XLSX: title row, the offices' columns, printable on A4 landscape."""
    today = hospital_today()
    _form, filters = _filtered(request)
    items = ledger(user=request.user, today=today, **filters)[:EXPORT_LIMIT]
    return ledger_response(items, hospital_name=current_hospital().name, today=today)
