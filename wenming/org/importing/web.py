"""The web flow: upload → preview → confirm → run. The import's files and state are kept on an
:class:`~wenming.org.models.OrgImport`; :func:`org_import_run` is the body of the Celery task, saving
progress that a polling page can see while the import's transaction is still open; and
:func:`preview_for_display` makes a stored preview readable for the confirmation page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.tabular import Problem

from ..models import Department, DepartmentCategory, OrgImport, OrgImportStatus, Staff, StaffStatus
from .apply import org_import_apply
from .plan import ImportPlan, OrgImportError, org_import_plan_files

# The logger keeps the name it had before the module became a package.
logger = logging.getLogger("wenming.org.importing")


class OrgImportStateError(Exception):
    """The import is not in a state that allows this step (e.g. it was already confirmed)."""

    def __init__(self, record: OrgImport):
        self.record = record
        super().__init__(f"Organisation import {record.pk} is {record.status}")


def _unexpected_error() -> list[dict[str, Any]]:
    message = _(
        "The import stopped because of an unexpected error; nothing was changed. "
        "Please tell the system administrator (the details are in the server log)."
    )
    return [Problem(message).as_dict()]


def org_import_plan_for(record: OrgImport) -> ImportPlan:
    """Plan an import from the files kept on ``record``, exactly as they were uploaded."""
    sources: dict[str, Any] = {}
    for key in ("departments", "staff"):
        stored = getattr(record, f"{key}_file")
        if stored:
            with stored.open("rb") as handle:
                sources[key] = handle.read()
            # Read by the stored file's extension; show the name the user uploaded.
            display, ext = getattr(record, f"{key}_name"), Path(stored.name).suffix.lower()
            sources[f"{key}_name"] = display if Path(display).suffix.lower() == ext else f"{display or key}{ext}"
        else:
            sources[key] = None
    return org_import_plan_files(**sources)


def org_import_upload(*, by, departments=None, staff=None) -> OrgImport:
    """Keep the uploaded files (Django UploadedFile; at least one) on a new OrgImport and check them.

    Promises: the import ends ``previewed`` with ``preview`` (what would change) or ``invalid`` with
    ``errors`` (every problem, with its line); the organisation itself is not changed."""
    if departments is None and staff is None:
        raise ValueError("org_import_upload needs at least one file")
    record = OrgImport(created_by=by)
    for key, upload in (("departments", departments), ("staff", staff)):
        if upload is not None:
            display = Path(upload.name or key).name[-200:]
            setattr(record, f"{key}_name", display)
            getattr(record, f"{key}_file").save(f"{key}{Path(display).suffix.lower()}", upload, save=False)
    record.save()
    try:
        plan = org_import_plan_for(record)
    except Exception:  # a file nobody foresaw: keep it, say so, log it
        logger.exception("Organisation import %s: checking the files failed", record.pk)
        record.status, record.errors = OrgImportStatus.FAILED, _unexpected_error()
        record.save(update_fields=["status", "errors"])
        return record
    if plan.is_valid:
        record.status, record.preview, record.progress_total = (
            OrgImportStatus.PREVIEWED,
            plan.preview(),
            plan.change_count,
        )
    else:
        record.status, record.errors = OrgImportStatus.INVALID, [p.as_dict() for p in plan.problems]
    record.save(update_fields=["status", "preview", "errors", "progress_total"])
    files = [name for name in (record.departments_name, record.staff_name) if name]
    audit_log(actor=by, action="org.import.uploaded", target=record, data={"files": files, "status": record.status})
    return record


def org_import_confirm(*, record_id: int, by) -> OrgImport:
    """Queue a previewed import to run: in the background, or at once when Celery is eager.

    Promises: an import is confirmed once only (its row is locked and must be ``previewed``, else
    OrgImportStateError); the task is sent only after the confirmation has been committed."""
    from ..tasks import org_import_task

    with transaction.atomic():
        record = OrgImport.objects.select_for_update().get(pk=record_id)
        if record.status != OrgImportStatus.PREVIEWED:
            raise OrgImportStateError(record)
        record.status, record.progress_done = OrgImportStatus.QUEUED, 0
        record.save(update_fields=["status", "progress_done"])
        audit_log(actor=by, action="org.import.confirmed", target=record)
        by_id, language = getattr(by, "pk", None), get_language()
        transaction.on_commit(lambda: org_import_task.delay(record.pk, by_id=by_id, language=language))
    return record


CANCELLABLE = frozenset({OrgImportStatus.UPLOADED, OrgImportStatus.INVALID, OrgImportStatus.PREVIEWED})


def org_import_cancel(*, record_id: int, by) -> OrgImport:
    """Drop an import that has not been confirmed (else OrgImportStateError). Nothing else changes."""
    with transaction.atomic():
        record = OrgImport.objects.select_for_update().get(pk=record_id)
        if record.status not in CANCELLABLE:
            raise OrgImportStateError(record)
        record.status, record.finished_at = OrgImportStatus.CANCELLED, timezone.now()
        record.save(update_fields=["status", "finished_at"])
        audit_log(actor=by, action="org.import.cancelled", target=record)
    return record


def _progress_key(record_id: int) -> str:
    return f"org:import:{record_id}:progress"


class _ProgressWriter:
    """Saves progress where a polling page sees it while the import's own transaction is still open:
    on PostgreSQL in OrgImport.progress_* through a second, autocommitting connection (SQLite has
    one writer at a time, the import itself), and always in the cache (shared when it is Redis)."""

    def __init__(self, record_id: int):
        self.record_id = record_id
        self._connection = None

    def __call__(self, done: int, total: int) -> None:
        cache.set(_progress_key(self.record_id), (done, total), 3600)
        if connection.vendor != "postgresql":
            return
        try:
            if self._connection is None:
                self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._connection.ops.quote_name(OrgImport._meta.db_table)
            with self._connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608
                    [done, total, self.record_id],
                )
        except Exception:  # progress is a nicety: never fail the import for it
            logger.warning("Organisation import %s: could not save progress", self.record_id, exc_info=True)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def org_import_progress(record: OrgImport) -> tuple[int, int]:
    """(done, total) of an import: the freshest known (while it runs the cache may be ahead of the row)."""
    done, total = record.progress_done, record.progress_total
    if record.status == OrgImportStatus.RUNNING:
        cached = cache.get(_progress_key(record.pk))
        if cached and cached[0] > done:
            done, total = cached
    return done, total


def _finish(record: OrgImport, *, by, status: str, errors: list[dict], summary: dict | None = None) -> OrgImport:
    record.refresh_from_db(fields=["progress_total"])
    record.status, record.errors, record.finished_at = status, errors, timezone.now()
    fields = ["status", "errors", "finished_at"]
    if summary is not None:
        record.summary, record.progress_done = summary, record.progress_total
        fields += ["summary", "progress_done"]
    record.save(update_fields=fields)
    cache.delete(_progress_key(record.pk))
    if status == OrgImportStatus.FAILED:
        audit_log(actor=by, action="org.import.failed", target=record, data={"problems": len(errors)})
    return record


def org_import_run(*, record_id: int, by=None) -> OrgImport | None:
    """Run a confirmed import: the body of the Celery task.

    Promises: runs at most once (the row must be ``queued``; it becomes ``running`` under a lock);
    plans again from the stored files, as the organisation may have changed since the preview, and
    ends ``failed`` with the new problems if there are any; else applies the plan with progress
    saved, and ends ``done`` with the summary. An unexpected error ends ``failed`` with a translated
    message (the traceback goes to the log) and, the import being one transaction, changes nothing."""
    with transaction.atomic():
        record = OrgImport.objects.select_for_update().filter(pk=record_id).first()
        if record is None or record.status != OrgImportStatus.QUEUED:
            logger.info("Organisation import %s is not waiting to run; nothing to do", record_id)
            return record
        record.status, record.started_at = OrgImportStatus.RUNNING, timezone.now()
        record.save(update_fields=["status", "started_at"])
    by = by if by is not None else record.created_by
    writer = _ProgressWriter(record.pk)
    try:
        plan = org_import_plan_for(record)
        if not plan.is_valid:
            return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=[p.as_dict() for p in plan.problems])
        OrgImport.objects.filter(pk=record.pk).update(progress_total=plan.change_count, progress_done=0)
        summary = org_import_apply(plan=plan, by=by, progress=writer, source=record)
    except OrgImportError as exc:
        return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=[p.as_dict() for p in exc.problems])
    except Exception:  # whatever it was, the import must end visibly instead of hanging
        logger.exception("Organisation import %s failed", record.pk)
        return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=_unexpected_error())
    finally:
        writer.close()
    return _finish(record, by=by, status=OrgImportStatus.DONE, errors=[], summary=summary)


# --- Showing a stored preview --------------------------------------------------------------------


def _display_value(name: str, value: Any, names: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if name in {"is_party_member", "account_active"}:
        return _("Yes") if value else _("No")
    choices = {"category": DepartmentCategory, "status": StaffStatus}.get(name)
    if choices is not None:
        return str(choices(value).label) if value in choices.values else str(value)
    if name in {"parent", "department"}:
        return _("%(name)s (%(code)s)") % {"name": names[value], "code": value} if value in names else str(value)
    return str(value)


def _field_label(model, name: str) -> str:
    if name == "account_active":
        return _("Login account active")
    return str(model._meta.get_field(name).verbose_name)


def preview_for_display(preview: dict[str, Any]) -> dict[str, Any]:
    """A stored preview made readable in the active language: field names become their labels,
    categories and statuses their names, departments "name (code)"."""
    if not preview:
        return {}
    names = preview.get("names", {})

    def updates(key: str, model) -> list[dict]:
        return [
            {
                **item,
                "changes": [
                    {
                        "label": _field_label(model, name),
                        "old": _display_value(name, old, names),
                        "new": _display_value(name, new, names),
                    }
                    for name, old, new in item["changes"]
                ],
            }
            for item in preview.get(key, [])
        ]

    def shown(key: str, *fields: str) -> list[dict]:
        return [{**row, **{f: _display_value(f, row[f], names) for f in fields}} for row in preview.get(key, [])]

    counts = preview.get("counts", {})
    changing = ("departments_created", "departments_updated", "staff_created", "staff_updated", "staff_left")
    return {
        **{key: preview.get(key) for key in ("counts", "limit", "departments_given", "staff_given", "files")},
        "ignored_columns": preview.get("ignored_columns", {}),
        "has_changes": any(counts.get(key) for key in changing),
        "departments_create": shown("departments_create", "parent", "category"),
        "departments_update": updates("departments_update", Department),
        "staff_create": shown("staff_create", "department", "is_party_member"),
        "staff_update": updates("staff_update", Staff),
        "staff_leave": shown("staff_leave", "department"),
    }
