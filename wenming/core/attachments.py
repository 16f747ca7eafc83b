"""Files people attach as evidence (佐证材料) — to a scoring record, a rectification fix, …:
images, PDF and Office documents (WPS too), at most 10 MB each, at most 20 at a time. Checked
before anything is written, stored under a random name (the original, often Chinese and sometimes
personal, is kept in the row's ``name``) in the private storage of the model's file field."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024  # each file
MAX_FILES = 20  # in one upload
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
ATTACHMENT_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}


def is_image(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_TYPES


def check_attachments(
    files: Iterable[UploadedFile | None], *, error: type[ValidationError] = ValidationError
) -> list[UploadedFile]:
    """The files given (None skipped), or ``error`` listing every file that cannot be attached."""
    files = [f for f in files if f is not None]
    if len(files) > MAX_FILES:
        raise error(_("Attach at most %(max)d files at a time.") % {"max": MAX_FILES})
    problems = []
    for upload in files:
        name = os.path.basename(upload.name or "")
        extension = os.path.splitext(name)[1].lower()
        if extension not in ATTACHMENT_TYPES:
            problems.append(
                _("%(name)s: only images, PDF and Office documents can be attached.") % {"name": name or "?"}
            )
        elif not upload.size:
            problems.append(_("%(name)s is empty.") % {"name": name})
        elif upload.size > MAX_BYTES:
            problems.append(
                _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": MAX_BYTES // (1024 * 1024)}
            )
    if problems:
        raise error(problems)
    return files


def store_attachments(files: list[UploadedFile], *, make, by) -> list:
    """Save each checked file as ``make(name=, size=, content_type=, uploaded_by=)`` (an unsaved
    model instance with a ``file`` field), under a random stored name; return the saved rows."""
    stored = []
    for upload in files:
        name = os.path.basename(upload.name)[-255:]
        extension = os.path.splitext(name)[1].lower()
        row = make(
            name=name,
            size=upload.size,
            content_type=ATTACHMENT_TYPES[extension],
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        row.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        row.save()
        stored.append(row)
    return stored
