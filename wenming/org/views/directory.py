"""Pages of the organisation directory: departments, staff, login accounts, party organisation and
the hospital's settings.

Every page asks ``access`` first (``require``), fetches what the URL names through the scoped
accessors (404 for "missing" and "not yours" alike), reads through ``selectors`` and writes through
``services``. Edit forms carry the version they were opened with; a save that lost a race re-renders
the form with what was typed and the values now stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wenming.core.exports import attachment, xlsx_bytes

from .. import services
from ..access import access_for, department_for_user, require, staff_for_user
from ..forms import (
    DepartmentForm,
    HospitalForm,
    PartyOrgForm,
    StaffAccountForm,
    StaffFilterForm,
    StaffForm,
    StaffStatusForm,
    apply_service_errors,
)
from ..models import Department, DepartmentCategory, Hospital, PartyOrganization, Staff
from ..selectors import (
    STAFF_EXPORT_HEADERS,
    account_roles,
    current_hospital,
    department_children,
    department_facts,
    department_staff,
    department_tree,
    party_tree,
    staff_export_rows,
    staff_phone,
    staff_search,
    with_display_phones,
)

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _posted(request):
    """The data to bind a form to: the POST even when it is empty (a form whose boxes are all
    unticked sends no fields, and must still be validated), None for any other method."""
    return request.POST if request.method == "POST" else None


# --- Departments ------------------------------------------------------------------------------


@require("can_browse_org")
def department_list(request):
    """The department tree the person may see; ?category=clinical and ?inactive=1 filter it."""
    access = access_for(request.user)
    category = request.GET.get("category") or ""
    if category not in DepartmentCategory.values:
        category = ""
    include_inactive = request.GET.get("inactive") == "1"
    rows = department_tree(access=access, category=category or None, include_inactive=include_inactive)
    context = {
        "roots": [d for d in rows if d.level == 0],
        "shown": len(rows),
        "categories": DepartmentCategory.choices,
        "category": category,
        "include_inactive": include_inactive,
    }
    return render(request, "org/department_list.html", context)


@require("can_browse_org")
def department_detail(request, code: str):
    """One department: its facts, sub-departments and staff in post (50 a page, phones as allowed)."""
    access = access_for(request.user)
    department = department_for_user(request.user, code)
    page = Paginator(department_staff(access=access, department=department), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "department": department,
        "parent_visible": department.parent_id is not None and access.may_see_department(department.parent),
        "facts": department_facts(access=access, department=department),
        "children": department_children(access=access, department=department),
        "page": page,
        "staff_rows": with_display_phones(access=access, staff=page.object_list),
    }
    return render(request, "org/department_detail.html", context)


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def department_create(request):
    """New department (?parent=CODE preselects where it goes)."""
    access = access_for(request.user)
    initial = {"parent": request.GET.get("parent"), "sort_order": 0, "is_active": True}
    form = DepartmentForm(_posted(request), access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department = services.department_create(
                by=request.user,
                code=data["code"],
                name=data["name"],
                category=data["category"],
                parent=data["parent"],
                sort_order=data["sort_order"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The department has been created."))
            return redirect("org:department_detail", code=department.code)
    return render(request, "org/department_form.html", {"form": form, "department": None})


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def department_edit(request, code: str):
    """Edit a department (its code stays). Deactivating one with staff in post saves, with a warning."""
    access = access_for(request.user)
    department = department_for_user(request.user, code)
    form = DepartmentForm(_posted(request), access=access, department=department)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.department_update(
                by=request.user,
                department=department,
                expected_version=data["version"],
                name=data["name"],
                parent=data["parent"],
                category=data["category"],
                head=data["head"],
                sort_order=data["sort_order"],
                is_active=data["is_active"],
            )
        except services.ConcurrentEditError:
            form.mark_conflict(Department.objects.select_related("parent", "head").get(pk=department.pk))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The department has been saved."))
            waiting = department_facts(access=access, department=saved).active_staff_in_inactive
            if waiting:
                messages.warning(
                    request,
                    _(
                        "This department is now inactive but %(count)d staff members in post are still in it. "
                        "Please move them to another department."
                    )
                    % {"count": waiting},
                )
            return redirect("org:department_detail", code=saved.code)
    return render(request, "org/department_form.html", {"form": form, "department": department})


# --- Staff ------------------------------------------------------------------------------------


def _staff_filters(request, access) -> tuple[StaffFilterForm, object]:
    """The filter form bound to the query string and the matching staff (none if it is invalid)."""
    form = StaffFilterForm(request.GET or None, access=access)
    arguments = form.search_arguments()
    staff = Staff.objects.none() if arguments is None else staff_search(access=access, **arguments)
    return form, staff


@require("can_browse_org")
def staff_list(request):
    """Search and filter the visible staff, 50 a page. An HTMX request (live search) gets only the
    results; a normal request (or no JavaScript) the whole page."""
    access = access_for(request.user)
    form, staff = _staff_filters(request, access)
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "staff_rows": with_display_phones(access=access, staff=page.object_list),
        "export_query": request.GET.copy(),
    }
    context["export_query"].pop("page", None)
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "org/_staff_results.html" if partial else "org/staff_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require("can_browse_org")
def staff_export(request):
    """The visible staff with the list's filters as XLSX, in the import format's columns (so an
    office export can be edited and imported again), then department name and status. Phones as
    the viewer may see them."""
    access = access_for(request.user)
    _form, staff = _staff_filters(request, access)
    rows = staff_export_rows(access=access, staff=staff[:EXPORT_LIMIT])
    content = xlsx_bytes(
        title=_("Staff"), headers=STAFF_EXPORT_HEADERS, rows=rows, widths=[12, 12, 12, 14, 14, 8, 14, 20, 10]
    )
    return attachment(content, f"{_('Staff')}-{timezone.localdate():%Y%m%d}.xlsx")


@require("can_browse_org")
def staff_detail(request, staff_no: str):
    """One staff member; the office and administrators also see the login account and roles."""
    access = access_for(request.user)
    staff = staff_for_user(request.user, staff_no)
    context = {
        "staff": staff,
        "phone": staff_phone(access=access, staff=staff),
        "department_visible": access.may_see_department(staff.department),
        "roles": account_roles(user=staff.user) if access.can_manage_org else [],
    }
    return render(request, "org/staff_detail.html", context)


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def staff_create(request):
    """New staff member (?department=CODE preselects the department)."""
    access = access_for(request.user)
    form = StaffForm(_posted(request), access=access, initial={"department": request.GET.get("department")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = services.staff_create(
                by=request.user,
                staff_no=data["staff_no"],
                name=data["name"],
                department=data["department"],
                gender=data["gender"],
                title=data["title"],
                post=data["post"],
                is_party_member=data["is_party_member"],
                party_branch=data["party_branch"],
                phone=data["phone"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The staff member has been added."))
            return redirect("org:staff_detail", staff_no=staff.staff_no)
    return render(request, "org/staff_form.html", {"form": form, "staff": None})


def _staff_status_change(request, staff: Staff):
    form = StaffStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request was not complete. Please try again."))
        return redirect("org:staff_edit", staff_no=staff.staff_no)
    data = form.cleaned_data
    try:
        if data["action"] == "mark_left":
            services.staff_mark_left(
                by=request.user, staff=staff, left_on=data["left_on"], expected_version=data["version"]
            )
            messages.success(request, _("The staff member has been marked as left."))
        else:
            services.staff_reinstate(by=request.user, staff=staff, expected_version=data["version"])
            messages.success(
                request,
                _("The staff member is in post again. Their login account stays disabled until you enable it."),
            )
    except services.ConcurrentEditError:
        messages.error(
            request,
            _("This record was changed by someone else after you opened it. Nothing was saved; please check it again."),
        )
        return redirect("org:staff_edit", staff_no=staff.staff_no)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("org:staff_edit", staff_no=staff.staff_no)
    return redirect("org:staff_detail", staff_no=staff.staff_no)


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def staff_edit(request, staff_no: str):
    """Edit a staff member (the staff number stays); the same page marks them left or reinstates them."""
    access = access_for(request.user)
    staff = staff_for_user(request.user, staff_no)
    if request.method == "POST" and request.POST.get("action"):
        return _staff_status_change(request, staff)
    form = StaffForm(_posted(request), access=access, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_update(
                by=request.user,
                staff=staff,
                expected_version=data["version"],
                name=data["name"],
                gender=data["gender"],
                department=data["department"],
                title=data["title"],
                post=data["post"],
                is_party_member=data["is_party_member"],
                party_branch=data["party_branch"],
                phone=data["phone"],
            )
        except services.ConcurrentEditError:
            form.mark_conflict(Staff.objects.select_related("department", "party_branch").get(pk=staff.pk))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The staff member has been saved."))
            return redirect("org:staff_detail", staff_no=staff.staff_no)
    context = {"form": form, "staff": staff, "today": timezone.localdate()}
    return render(request, "org/staff_form.html", context)


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def staff_account(request, staff_no: str):
    """Create the login account (username = staff number), reset its password, enable or disable
    it, and set its roles (a department head with the departments they lead)."""
    access = access_for(request.user)
    staff = staff_for_user(request.user, staff_no)
    current_roles = account_roles(user=staff.user)
    form = StaffAccountForm(_posted(request), access=access, staff=staff, current_roles=current_roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        had_account = staff.user_id is not None
        try:
            services.staff_account_save(
                by=request.user,
                staff=staff,
                password=data["password1"] or None,
                is_active=data["is_active"],
                roles=data["roles"],
                head_departments=list(data["head_departments"]),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "password" in error.error_dict:
                errors = dict(error.error_dict)
                errors["password1"] = errors.pop("password")
                error = ValidationError(errors)
            apply_service_errors(form, error)
        else:
            if had_account:
                messages.success(request, _("The account has been saved."))
            else:
                messages.success(
                    request,
                    _("The account has been created. The login name is the staff number %(staff_no)s.")
                    % {"staff_no": staff.staff_no},
                )
            return redirect("org:staff_detail", staff_no=staff.staff_no)
    context = {"form": form, "staff": staff, "roles": current_roles}
    return render(request, "org/staff_account.html", context)


# --- Party organisation, hospital -------------------------------------------------------------


@require("sees_whole_hospital")
@require_http_methods(["GET", "POST"])
def party_list(request):
    """The party organisation tree with secretaries and member counts. The office adds and edits
    organisations with the form on the same page (?edit=CODE opens one for editing)."""
    access = access_for(request.user)
    if request.method == "POST" and not access.can_manage_org:
        raise PermissionDenied
    form = None
    editing = None
    if access.can_manage_org:
        edit_code = request.POST.get("org") if request.method == "POST" else request.GET.get("edit")
        if edit_code:
            editing = get_object_or_404(PartyOrganization.objects.select_related("parent", "secretary"), code=edit_code)
        form = PartyOrgForm(_posted(request), org=editing)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            values = {
                "name": data["name"],
                "kind": data["kind"],
                "parent": data["parent"],
                "secretary": data["secretary"],
                "sort_order": data["sort_order"],
            }
            try:
                if editing is None:
                    services.party_org_create(by=request.user, code=data["code"], **values)
                else:
                    services.party_org_update(by=request.user, org=editing, **values)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The party organisation has been saved."))
                return redirect("org:party")
    context = {"orgs": party_tree(access=access), "form": form, "editing": editing}
    return render(request, "org/party_list.html", context)


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def hospital_edit(request):
    """The hospital's name, short name, logo and time zone."""
    hospital = Hospital.objects.filter(pk=1).first() or current_hospital()
    form = HospitalForm(_posted(request), request.FILES if request.method == "POST" else None, hospital=hospital)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.hospital_update(
                by=request.user,
                name=data["name"],
                short_name=data["short_name"],
                time_zone=data["time_zone"],
                logo=data["logo"] or None,
                clear_logo=data.get("clear_logo", False),
                expected_version=data["version"],
            )
        except services.ConcurrentEditError:
            form.mark_conflict(Hospital.objects.get(pk=1))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The hospital settings have been saved."))
            return redirect("org:hospital_edit")
    return render(request, "org/hospital_form.html", {"form": form, "hospital": hospital})
