"""The civility office's feedback pages: the list (``/feedback/``), the review queue of flagged
feedback (``/feedback/review/``) and the QR codes with their printable sheet (``/feedback/codes/``).

Who: the civility office and system administrators see and do everything here; a department head
reads the list for their departments (read-only); everyone else gets 403, anonymous visitors the
login page. A flagged feedback or code that does not exist is 404. Reads are in
``wenming.feedback.selectors``, every write is one call into ``wenming.feedback.services``.
"""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wenming.org.access import access_for, require_check
from wenming.org.models import Department
from wenming.org.selectors import current_hospital

from .. import pdf, selectors, services
from ..forms import FeedbackFilterForm, PointForm, ReviewForm
from ..models import FLAG_LABELS, CodeKind, RatingCode

PAGE_SIZE = 50
SHEET_LIMIT = 400


reader = require_check(selectors.may_read_feedback)
manager = require_check(selectors.may_manage_feedback)


def _decorate(rows) -> list:
    for row in rows:
        row.flag_labels = [FLAG_LABELS.get(reason, reason) for reason in row.flag_reasons or ()]
    return rows


# --- The list -------------------------------------------------------------------------------


@reader
@require_GET
def feedback_list(request):
    """Every feedback the person may read, newest first, filtered, 50 a page."""
    access = access_for(request.user)
    form = FeedbackFilterForm(request.GET or None, departments=selectors.scope_departments(access=access))
    tz = ZoneInfo(current_hospital().time_zone)
    rows = selectors.filtered_feedback(
        selectors.feedback_for_access(access=access), filters=form.filters(), tz=tz
    ).select_related(*selectors.LIST_RELATED)
    page = Paginator(rows.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": _decorate(list(page.object_list)),
        "can_manage": selectors.may_manage_feedback(access),
        "pending": selectors.pending_review_count(access=access),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "feedback/_list_table.html" if partial else "feedback/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The review queue -----------------------------------------------------------------------


@manager
@require_GET
def review_queue(request):
    """Flagged feedback waiting for a person, oldest first."""
    access = access_for(request.user)
    page = Paginator(selectors.review_queue(access=access), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/review.html",
        {"page": page, "rows": _decorate(list(page.object_list)), "form": ReviewForm()},
    )


def _reviewed(request, pk: int, service, done: str):
    feedback = selectors.flagged_feedback_for_user(user=request.user, pk=pk)
    if feedback is None:
        raise Http404
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(feedback=feedback, by=request.user, note=note)
    except services.FeedbackError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("feedback:review")


@manager
@require_POST
def review_clear(request, pk: int):
    return _reviewed(request, pk, services.feedback_clear, _("The feedback was cleared; it counts now."))


@manager
@require_POST
def review_reject(request, pk: int):
    return _reviewed(request, pk, services.feedback_reject, _("The feedback was confirmed invalid; it does not count."))


# --- Codes ----------------------------------------------------------------------------------


def _department_param(request) -> Department | None:
    code = request.GET.get("department") or ""
    if not code:
        return None
    return get_object_or_404(Department, code=code)


def _codes_page(request, *, department: Department | None, point_form=None, status: int = 200):
    access = access_for(request.user)
    groups = selectors.codes_by_department(access=access, department=department)
    for group in groups:
        if department is None:
            group["staff_count"] = sum(1 for c in group["codes"] if c.kind == CodeKind.STAFF)
            group["codes"] = [c for c in group["codes"] if c.kind != CodeKind.STAFF]
        for code in group["codes"]:
            code.url = selectors.public_url(code.code)
    return render(
        request,
        "feedback/codes.html",
        {
            "groups": groups,
            "department": department,
            "counts": selectors.code_counts(access=access),
            "point_form": point_form or PointForm(initial={"department": department}),
            "departments": Department.objects.filter(is_active=True).order_by("path"),
        },
        status=status,
    )


@manager
@require_GET
def codes(request):
    """Codes per department. Without a department chosen: department and service-point codes (staff
    codes counted); with one: every code of it and the departments under it."""
    return _codes_page(request, department=_department_param(request))


@manager
@require_POST
def codes_generate(request):
    counts = services.rating_codes_ensure(by=request.user)
    messages.success(
        request,
        _("Codes generated: %(created)d new, %(retired)d retired (departments closed or staff who left).") % counts,
    )
    return redirect("feedback:codes")


@manager
@require_POST
def point_add(request):
    """A new service point; the form comes back with what was typed when it is refused."""
    form = PointForm(request.POST)
    if form.is_valid():
        try:
            point = services.rating_point_add(
                by=request.user, department=form.cleaned_data["department"], label=form.cleaned_data["label"]
            )
        except services.FeedbackError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The service point %(name)s has its code.") % {"name": point.display_name})
            return redirect(f"{reverse('feedback:codes')}?department={point.department.code}")
    return _codes_page(request, department=None, point_form=form, status=400)


@manager
@require_POST
def code_deactivate(request, pk: int):
    code = get_object_or_404(RatingCode.objects.select_related("department"), pk=pk)
    try:
        services.rating_code_deactivate(by=request.user, code=code)
    except services.FeedbackError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The code %(code)s no longer works.") % {"code": code.code})
    return redirect(f"{reverse('feedback:codes')}?department={code.department.code}")


def _sheet_cards(request) -> tuple[Department | None, list[RatingCode], bool]:
    """The codes a printed sheet holds (HTML or PDF): the chosen department and the departments
    under it (staff codes included), or every department and service point; ``?kind=`` keeps one
    kind. At most SHEET_LIMIT cards; the flag says whether some were left out."""
    access = access_for(request.user)
    department = _department_param(request)
    kind = request.GET.get("kind") or ""
    groups = selectors.codes_by_department(access=access, department=department)
    cards = [code for group in groups for code in group["codes"]]
    if department is None and kind != CodeKind.STAFF:
        cards = [c for c in cards if c.kind != CodeKind.STAFF]
    if kind in CodeKind.values:
        cards = [c for c in cards if c.kind == kind]
    truncated = len(cards) > SHEET_LIMIT
    cards = cards[:SHEET_LIMIT]
    for card in cards:
        card.url = selectors.public_url(card.code)
    return department, cards, truncated


def _sheet_query(request) -> str:
    """The sheet's filters (department, kind) as a query string, to link the HTML and PDF sheets."""
    keep = {key: request.GET[key] for key in ("department", "kind") if request.GET.get(key)}
    return f"?{urlencode(keep)}" if keep else ""


@manager
@require_GET
def codes_sheet(request):
    """A print-friendly A4 sheet of cards (hospital, department or person, a prompt, the QR) for the
    chosen department and the departments under it, or every department and service point."""
    department, cards, truncated = _sheet_cards(request)
    for card in cards:
        card.svg = segno.make(card.url, error="m").svg_inline(scale=4)
    return render(
        request,
        "feedback/sheet.html",
        {
            "hospital": current_hospital(),
            "cards": cards,
            "department": department,
            "truncated": truncated,
            "limit": SHEET_LIMIT,
            "query": _sheet_query(request),
        },
    )


@manager
@require_GET
def codes_sheet_pdf(request):
    """The same cards as a PDF to print: ``?size=card`` (default, 8 a page) or ``?size=desk`` (A6
    desk cards, 4 a page); same filters as :func:`codes_sheet`."""
    department, codes, _truncated = _sheet_cards(request)
    size = request.GET.get("size") or "card"
    if size not in pdf.SIZES:
        size = "card"
    hospital = current_hospital().name
    cards = [pdf.card_for(code, hospital=hospital, url=code.url) for code in codes]
    title = _("QR code sheet") + (f" · {department.name}" if department else "")
    body = pdf.codes_sheet_pdf(cards, size=size, title=title)
    response = HttpResponse(body, content_type="application/pdf")
    name = "-".join(part for part in ("qr-codes", department.code if department else "", size) if part)
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
