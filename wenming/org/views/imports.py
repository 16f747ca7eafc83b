"""The organisation import pages: upload → preview → confirm → progress → summary.

Thin: every step is one call into ``wenming.org.importing``. Only people who may manage the
organisation (文明办, system administrators) reach these pages; others get 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.access import require
from wenming.org.forms_import import OrgImportUploadForm
from wenming.org.importing import (
    CANCELLABLE,
    OrgImportStateError,
    column_help,
    org_import_cancel,
    org_import_confirm,
    org_import_progress,
    org_import_upload,
    preview_for_display,
)
from wenming.org.models import OrgImport, OrgImportStatus

RECENT_IMPORTS = 10
FINISHED = frozenset({OrgImportStatus.DONE, OrgImportStatus.FAILED})
RUNNING = frozenset({OrgImportStatus.QUEUED, OrgImportStatus.RUNNING})


def _import_or_404(pk: int) -> OrgImport:
    """The import with this id. Everyone who reaches these views may see every import."""
    try:
        return OrgImport.objects.select_related("created_by", "created_by__staff").get(pk=pk)
    except OrgImport.DoesNotExist:
        raise Http404 from None


def _recent_imports():
    return OrgImport.objects.select_related("created_by", "created_by__staff")[:RECENT_IMPORTS]


def _start_context(form: OrgImportUploadForm) -> dict:
    return {
        "form": form,
        "columns": column_help(),
        "recent": _recent_imports(),
        "max_bytes": settings.ORG_IMPORT_MAX_BYTES,
    }


@require("can_manage_org")
@require_http_methods(["GET", "POST"])
def import_start(request):
    """The upload form (with the expected columns explained) and the recent imports."""
    form = OrgImportUploadForm(request.POST, request.FILES) if request.method == "POST" else OrgImportUploadForm()
    if form.is_bound and form.is_valid():
        record = org_import_upload(
            by=request.user, departments=form.cleaned_data["departments"], staff=form.cleaned_data["staff"]
        )
        return redirect("org:import_detail", pk=record.pk)
    return render(request, "org/import_start.html", _start_context(form), status=400 if form.errors else 200)


def _progress_context(record: OrgImport) -> dict:
    done, total = org_import_progress(record)
    percent = min(100, done * 100 // total) if total else 0
    return {"record": record, "done": done, "total": total, "percent": percent}


@require("can_manage_org")
@require_GET
def import_detail(request, pk: int):
    """One import, as far as it has come: problems, preview, progress or summary."""
    record = _import_or_404(pk)
    context = {
        **_progress_context(record),
        "preview": preview_for_display(record.preview) if record.status == OrgImportStatus.PREVIEWED else None,
        "cancellable": record.status in CANCELLABLE,
        "running": record.status in RUNNING,
        "finished": record.status in FINISHED,
    }
    if record.status == OrgImportStatus.INVALID:  # invite a corrected upload right there
        context.update(form=OrgImportUploadForm(), max_bytes=settings.ORG_IMPORT_MAX_BYTES)
    return render(request, "org/import_detail.html", context)


@require("can_manage_org")
@require_POST
def import_confirm(request, pk: int):
    """Start a previewed import (once: a second click is refused)."""
    _import_or_404(pk)
    try:
        org_import_confirm(record_id=pk, by=request.user)
    except OrgImportStateError:
        messages.warning(request, _("This import has already been started or closed; it was not started again."))
    return redirect("org:import_detail", pk=pk)


@require("can_manage_org")
@require_POST
def import_cancel(request, pk: int):
    """Drop an import that has not been started; nothing in the organisation changes."""
    _import_or_404(pk)
    try:
        org_import_cancel(record_id=pk, by=request.user)
    except OrgImportStateError:
        messages.warning(request, _("This import has already been started, so it can no longer be cancelled."))
        return redirect("org:import_detail", pk=pk)
    messages.info(request, _("The import was cancelled; nothing was changed."))
    return redirect("org:import")


@require("can_manage_org")
@require_GET
def import_progress(request, pk: int):
    """The progress bar (polled every second by HTMX) or, once finished, the result without polling."""
    record = _import_or_404(pk)
    if record.status in RUNNING:
        return render(request, "org/_import_progress.html", _progress_context(record))
    return render(request, "org/_import_result.html", {**_progress_context(record), "finished": True})
