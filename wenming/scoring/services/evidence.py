"""Writes of evidence (佐证材料): the files attached to a record, checked and stored by
``wenming.core.attachments`` (images, PDF and Office documents, at most 10 MB each).
The same checks serve a new record (``records.record_create``) and a correction
(``corrections.correction_create``); :func:`evidence_add` attaches files to a record later."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.attachments import check_attachments, store_attachments

from ..models import Evidence, Record, RecordStatus
from .periods import ScoringError
from .records import _audit_record, _ensure_record_open


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    return check_attachments(files, error=ScoringError)


def _store_files(record: Record, files: list[UploadedFile], by) -> list[Evidence]:
    return store_attachments(files, make=lambda **fields: Evidence(record=record, **fields), by=by)


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
