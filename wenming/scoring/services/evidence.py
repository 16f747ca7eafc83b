"""Writes of evidence (佐证材料): the files attached to a record — images, PDF and Office documents
(WPS too), at most 10 MB each — checked before anything is written and stored under a random name.
The same checks serve a new record (``records.record_create``) and a correction
(``corrections.correction_create``); :func:`evidence_add` attaches files to a record later."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Evidence, Record, RecordStatus
from .periods import ScoringError
from .records import _audit_record, _ensure_record_open

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # each file
EVIDENCE_MAX_FILES = 20  # in one upload
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    # WPS Office, common in Chinese hospitals.
    ".wps": "application/octet-stream",
    ".et": "application/octet-stream",
    ".dps": "application/octet-stream",
}
EVIDENCE_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}


def is_image(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_TYPES


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    files = [f for f in files if f is not None]
    if len(files) > EVIDENCE_MAX_FILES:
        raise ScoringError(_("Attach at most %(max)d files at a time.") % {"max": EVIDENCE_MAX_FILES})
    problems = []
    for upload in files:
        name = os.path.basename(upload.name or "")
        extension = os.path.splitext(name)[1].lower()
        if extension not in EVIDENCE_TYPES:
            problems.append(
                _("%(name)s: only images, PDF and Office documents can be attached.") % {"name": name or "?"}
            )
        elif not upload.size:
            problems.append(_("%(name)s is empty.") % {"name": name})
        elif upload.size > EVIDENCE_MAX_BYTES:
            problems.append(
                _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": EVIDENCE_MAX_BYTES // (1024 * 1024)}
            )
    if problems:
        raise ScoringError(problems)
    return files


def _store_files(record: Record, files: list[UploadedFile], by) -> list[Evidence]:
    stored = []
    for upload in files:
        name = os.path.basename(upload.name)[-255:]
        extension = os.path.splitext(name)[1].lower()
        evidence = Evidence(
            record=record,
            name=name,
            size=upload.size,
            content_type=EVIDENCE_TYPES[extension],
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        # A random stored name: the original (often Chinese, sometimes personal) stays in ``name``.
        evidence.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


@transaction.atomic
def evidence_add(*, record: Record, files: Iterable[UploadedFile], by) -> list[Evidence]:
    """Attach files (images, PDF, Office documents; at most 10 MB each) to a record that is not
    voided and whose period is not finalized."""
    files = _check_files(files)
    if not files:
        raise ScoringError(_("Choose at least one file."))
    record = (
        Record.objects.select_for_update(of=("self",))
        .select_related("standard", "department", "staff")
        .get(pk=record.pk)
    )
    _ensure_record_open(record)
    if record.status == RecordStatus.VOIDED:
        raise ScoringError(_("This record has been voided; nothing can be attached to it."))
    stored = _store_files(record, files, by)
    _audit_record(
        record,
        by=by,
        action="scoring.evidence.added",
        data={"files": [e.name for e in stored]},
    )
    return stored
