"""The office's set-up pages: the commitment templates (``templates/``) and the public pages'
settings with each department's page switch (``public/``). Everyone but the office and system
administrators gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.models import Department
from wenming.org.selectors import current_hospital

from .. import services
from ..forms import PageSwitchForm, PublicSettingsForm, TemplateForm, VersionForm, apply_errors
from ..models import CommitmentTemplate, DepartmentPage, PublicSettings
from .common import office_only, section_links, show_conflict


@office_only
@require_GET
def templates(request):
    rows = list(CommitmentTemplate.objects.annotate(used=Count("commitments")))
    return render(
        request,
        "commitments/templates.html",
        {"rows": rows, "form": TemplateForm(initial={"sort_order": 0}), "links": section_links(request, "templates")},
    )


def _template_values(form) -> dict:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "applies_to": data["applies_to"],
        "sort_order": data["sort_order"],
        "is_active": data["is_active"],
    }


@office_only
@require_POST
def template_new(request):
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            services.template_create(by=request.user, **_template_values(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The template has been saved."))
            return redirect("commitments:templates")
    rows = list(CommitmentTemplate.objects.annotate(used=Count("commitments")))
    return render(
        request,
        "commitments/templates.html",
        {"rows": rows, "form": form, "links": section_links(request, "templates")},
        status=400,
    )


@office_only
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    template = get_object_or_404(CommitmentTemplate, pk=pk)
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.template_update(
                    by=request.user,
                    template=template,
                    expected_version=form.cleaned_data["version"] or 0,
                    **_template_values(form),
                )
            except services.CommitmentConflict as error:
                show_conflict(form, error, template)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            else:
                messages.success(request, _("The template has been saved."))
                return redirect("commitments:templates")
        else:
            status = 400
    else:
        form = TemplateForm(
            initial={
                "kind": template.kind,
                "text": template.text,
                "applies_to": template.applies_to,
                "sort_order": template.sort_order,
                "is_active": template.is_active,
                "version": template.version,
            }
        )
    return render(request, "commitments/template_edit.html", {"form": form, "template": template}, status=status)


@office_only
@require_POST
def template_delete(request, pk: int):
    template = get_object_or_404(CommitmentTemplate, pk=pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.template_delete(by=request.user, template=template, expected_version=form.cleaned_data["version"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The template has been deleted; commitments made from it stay."))
    return redirect("commitments:templates")


@office_only
@require_http_methods(["GET", "POST"])
def public_setup(request):
    """Publish or withdraw the public department pages, whether 工号 shows, and each department's
    page switch."""
    stored = PublicSettings.objects.select_related("updated_by").filter(pk=1).first() or PublicSettings(pk=1)
    status = 200
    if request.method == "POST":
        form = PublicSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.public_settings_update(
                    by=request.user,
                    enabled=form.cleaned_data["enabled"],
                    show_staff_no=form.cleaned_data["show_staff_no"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except services.CommitmentConflict as error:
                show_conflict(form, error, PublicSettings.objects.get(pk=1))
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            else:
                messages.success(request, _("The public page settings have been saved."))
                return redirect("commitments:public_setup")
        else:
            status = 400
    else:
        form = PublicSettingsForm(
            initial={
                "enabled": stored.enabled,
                "show_staff_no": stored.show_staff_no,
                "note": stored.note,
                "version": stored.version,
            }
        )
    hidden = set(DepartmentPage.objects.filter(enabled=False).values_list("department_id", flat=True))
    departments = list(Department.objects.filter(is_active=True).only("pk", "code", "name", "depth").order_by("path"))
    for department in departments:
        department.page_enabled = department.pk not in hidden
    return render(
        request,
        "commitments/public_setup.html",
        {
            "form": form,
            "stored": stored,
            "departments": departments,
            "hospital": current_hospital(),
            "links": section_links(request, "public"),
        },
        status=status,
    )


@office_only
@require_POST
def page_switch(request, code: str):
    department = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        raise Http404
    form = PageSwitchForm(request.POST)
    form.is_valid()
    services.department_page_set(by=request.user, department=department, enabled=form.cleaned_data["enabled"])
    if form.cleaned_data["enabled"]:
        messages.success(request, _("The public page of %(name)s is shown.") % {"name": department.name})
    else:
        messages.success(request, _("The public page of %(name)s is hidden.") % {"name": department.name})
    if request.POST.get("back") == "department":
        return redirect("commitments:department", code=department.code)
    return redirect("commitments:public_setup")
