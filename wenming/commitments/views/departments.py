"""The commitments of departments and people (``/evaluations/commitments/``): the year at a glance,
one department (standards, pledges, people with party badges; apply the templates, add, edit,
remove; desk signs and service cards), a person's own (``mine/``).

Who: the office and system administrators everything; the leadership group reads every department;
a department head reads and changes their departments (another department's page: 404; changing
what they may only read: 403); a plain staff member has ``mine/`` only (the list: their own page).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.access import access_for
from wenming.org.models import Staff, StaffStatus
from wenming.org.selectors import hospital_today

from .. import permissions, selectors, services
from ..forms import AddForm, ApplyForm, EditForm, VersionForm, YearForm, apply_errors
from ..models import DepartmentPage, Kind
from ..pdf import KINDS
from .common import ensure_may_edit, opener, reader, section_links, show_conflict


def _year_form(request) -> YearForm:
    return YearForm(request.GET or None, today=hospital_today(), years=selectors.years_with_commitments())


def _department_or_404(request, code: str):
    department = selectors.department_for_reader(user=request.user, code=code)
    if department is None:
        raise Http404
    return department


def _department_url(department, year: int) -> str:
    return f"{reverse('commitments:department', args=[department.code])}?year={year}"


@opener
@require_GET
def home(request):
    """Every department in scope with the year's counts; a plain staff member goes to their own."""
    access = access_for(request.user)
    if not permissions.may_read_departments(access):
        return redirect("commitments:mine")
    form = _year_form(request)
    year = form.chosen()
    context = {
        "form": form,
        "year": year,
        "rows": selectors.department_overview(access=access, year=year),
        "is_office": permissions.is_office(access),
        "links": section_links(request, "home"),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "commitments/_overview.html" if partial else "commitments/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@reader
@require_GET
def department(request, code: str):
    """One department's year: standards, pledges, people and theirs; the editing forms for those
    who may change them."""
    access = access_for(request.user)
    found = _department_or_404(request, code)
    form = _year_form(request)
    year = form.chosen()
    data = selectors.department_commitments(department=found, year=year)
    may_edit = permissions.may_edit_department(access, found)
    page = DepartmentPage.objects.filter(department=found).first()
    context = {
        "form": form,
        "year": year,
        "data": data,
        "department": found,
        "may_edit": may_edit and found.is_active,
        "is_office": permissions.is_office(access),
        "add_form": AddForm(initial={"year": year, "kind": Kind.PLEDGE}, people=data.people) if may_edit else None,
        "page_enabled": page.enabled if page else True,
        "public_url": reverse("commitments_public:department", args=[found.code]),
        "print_kinds": KINDS,
        "links": section_links(request, "home"),
    }
    return render(request, "commitments/department.html", context)


@reader
@require_POST
def apply(request, code: str):
    """Apply the active templates to the department (and, if asked, those under it) for a year."""
    found = _department_or_404(request, code)
    ensure_may_edit(request, found)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year such as 2026."))
        return redirect("commitments:department", code=found.code)
    year = form.cleaned_data["year"]
    try:
        counts = services.commitments_apply(
            by=request.user, department=found, year=year, include_children=form.cleaned_data["include_children"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if counts["created"]:
            messages.success(
                request,
                _("%(created)d commitments added for %(people)d people in %(departments)d departments.") % counts,
            )
        else:
            messages.info(request, _("Everyone already has the templates' commitments for this year."))
    return redirect(_department_url(found, year))


@reader
@require_POST
def add(request, code: str):
    found = _department_or_404(request, code)
    ensure_may_edit(request, found)
    people = list(selectors.people_in_post(found))
    form = AddForm(request.POST, people=people)
    if form.is_valid():
        data = form.cleaned_data
        staff = next((p for p in people if p.staff_no == data["target"]), None) if data["target"] else None
        if staff is not None:
            staff.department = found
        try:
            services.commitment_add(
                by=request.user, year=data["year"], department=found, kind=data["kind"], text=data["text"], staff=staff
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The commitment has been added."))
            return redirect(_department_url(found, data["year"]))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    year = form.cleaned_data.get("year") or hospital_today().year
    return redirect(_department_url(found, year))


def _commitment_or_404(request, pk: int):
    commitment = selectors.commitment_for_editor(user=request.user, pk=pk)
    if commitment is None:
        raise Http404
    return commitment


@reader
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """Change a commitment's text or order; a conflicting save keeps what was typed."""
    commitment = _commitment_or_404(request, pk)
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            try:
                services.commitment_update(
                    by=request.user,
                    commitment=commitment,
                    expected_version=form.cleaned_data["version"],
                    text=form.cleaned_data["text"],
                    sort_order=form.cleaned_data["sort_order"],
                )
            except services.CommitmentConflict as error:
                show_conflict(form, error, commitment)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            else:
                messages.success(request, _("The commitment has been saved."))
                return redirect(_department_url(commitment.department, commitment.year))
        else:
            status = 400
    else:
        form = EditForm(
            initial={"text": commitment.text, "sort_order": commitment.sort_order, "version": commitment.version}
        )
    return render(request, "commitments/edit.html", {"form": form, "commitment": commitment}, status=status)


@reader
@require_POST
def remove(request, pk: int):
    commitment = _commitment_or_404(request, pk)
    form = VersionForm(request.POST)
    back = _department_url(commitment.department, commitment.year)
    if not form.is_valid():
        return redirect(back)
    try:
        services.commitment_remove(
            by=request.user, commitment=commitment, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The commitment has been removed."))
    return redirect(back)


@reader
@require_GET
def signs(request, code: str):
    """Desk signs (``?kind=desk``) or service cards (``?kind=card``) as PDF for the department's
    people in post, or those chosen (``?staff=E0101&staff=…``)."""
    found = _department_or_404(request, code)
    ensure_may_edit(request, found)
    if not found.is_active:
        raise Http404
    year = _year_form(request).chosen()
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "desk"
    chosen = [no for no in request.GET.getlist("staff") if no]
    body, _count = services.signs_document(
        by=request.user, department=found, year=year, kind=kind, staff_nos=chosen or None
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-signs-{found.code}-{year}.pdf"'
    return response


@opener
@require_GET
def mine(request):
    """A staff member's own pledges of the year and their department's standards and pledges."""
    access = access_for(request.user)
    if access.staff_id is None:
        raise PermissionDenied
    staff = Staff.objects.select_related("department", "party_branch").get(
        pk=access.staff_id, status=StaffStatus.ACTIVE
    )
    form = _year_form(request)
    year = form.chosen()
    return render(
        request,
        "commitments/mine.html",
        {
            "form": form,
            "year": year,
            "data": selectors.own_commitments(staff=staff, year=year),
            "staff": staff,
            "links": section_links(request, "mine"),
        },
    )
