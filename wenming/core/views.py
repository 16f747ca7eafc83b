from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wenming.org.access import access_for, require
from wenming.org.models import Role
from wenming.org.selectors import dashboard_facts

from . import audit as audit_module
from .dashboard import panels_for
from .exports import attachment, xlsx_bytes
from .forms import AuditFilterForm
from .health import broker_status, database_status
from .selectors import audit_entries

AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_LIMIT = 100_000


@login_required
def home(request):
    access = access_for(request.user)
    context = {
        "facts": dashboard_facts(access=access),
        # The person's roles in the order of Role; "staff member" only when it is all they are.
        "role_names": [label for value, label in Role.choices if access.has(value) and value != Role.STAFF]
        or [label for value, label in Role.choices if access.has(value)],
    }
    context["panels"] = panels_for(request, access)
    if access.can_view_audit:
        context["recent_audit"] = [(entry, audit_module.describe(entry)) for entry in audit_entries(access=access)[:8]]
    return render(request, "core/home.html", context)


@require_GET
@never_cache
def healthz(request):
    """Liveness and readiness for load balancers: 200 when the database and broker answer, else 503."""
    status = {"database": database_status(), "broker": broker_status()}
    healthy = status["database"] == "ok" and status["broker"] in {"ok", "eager"}
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


@require("can_view_audit")
def audit_list(request):
    access = access_for(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = audit_entries(access=access, filters=form.cleaned_filters())
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (entry, audit_module.describe(entry), audit_module.format_details(entry.data)) for entry in page.object_list
    ]
    template = "core/_audit_table.html" if request.htmx else "core/audit_list.html"
    return render(request, template, {"form": form, "page": page, "rows": rows})


@require("can_view_audit")
def audit_export(request):
    access = access_for(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = audit_entries(access=access, filters=form.cleaned_filters())[:AUDIT_EXPORT_LIMIT]
    rows = (
        (
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_name,
            audit_module.describe(entry),
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.department.name if entry.department_id else "",
            entry.ip or "",
            "; ".join(f"{key}: {text}" for key, text in audit_module.format_details(entry.data)),
        )
        for entry in entries.iterator(chunk_size=2000)
    )
    headers = [
        _("Time"),
        _("By"),
        _("Change"),
        _("Action code"),
        _("Object type"),
        _("Object id"),
        _("Department"),
        _("Address"),
        _("Details"),
    ]
    content = xlsx_bytes(title=_("Audit log"), headers=headers, rows=rows, widths=[20, 14, 40, 24, 16, 10, 14, 16, 60])
    return attachment(content, f"{_('Audit log')}-{timezone.localdate():%Y%m%d}.xlsx")
