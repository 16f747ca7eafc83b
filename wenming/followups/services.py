"""Every write of the follow-up calls. Who: the civility office (and system administrators) upload,
confirm and cancel batches, edit scripts and draw samples; only the caller a call is assigned to
records its outcome. Views check access; these functions check the rules.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.core.tabular import TableError, read_table
from wenming.feedback.services import feedback_record
from wenming.org.services.common import ConcurrentEditError
from wenming.questionnaires.models import Purpose
from wenming.questionnaires.selectors import version_in_use
from wenming.questionnaires.services import answers_clean

from .importing import COLUMNS, PREVIEW_ROWS, CheckResult, check_rows
from .models import (
    OUTCOMES,
    BatchStatus,
    CallAttempt,
    CallStatus,
    DischargedPatient,
    FollowupBatch,
    FollowupCall,
    FollowupSample,
    SampleMode,
)

NAME_MAX = 100


def _check_file(*, data: bytes, file_name: str, start: dt.date, end: dt.date) -> CheckResult:
    try:
        table = read_table(data, columns=COLUMNS, name=file_name)
    except TableError as error:
        return CheckResult([], error.problems, [])
    return check_rows(table, start=start, end=end, today=timezone.localdate())


def _preview(result: CheckResult) -> dict:
    counts: dict[str, int] = {}
    for row in result.rows:
        counts[row.department.name] = counts.get(row.department.name, 0) + 1
    return {
        "rows": len(result.rows),
        "departments": sorted(counts.items(), key=lambda item: (-item[1], item[0])),
        "sample": [row.as_preview() for row in result.rows[:PREVIEW_ROWS]],
        "duplicates": result.duplicates,
    }


def batch_upload(*, by, name: str, start: dt.date, end: dt.date, data: bytes, file_name: str) -> FollowupBatch:
    """Check an uploaded list and keep it with its problems (``invalid``) or its preview
    (``previewed``); nothing is imported until :func:`batch_confirm`."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the batch a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is longer than %(max)s characters.") % {"max": NAME_MAX}
    if start and end and start > end:
        errors["end"] = _("The end of the discharge range is before its start.")
    if errors:
        raise ValidationError(errors)
    result = _check_file(data=data, file_name=file_name, start=start, end=end)
    with transaction.atomic():
        batch = FollowupBatch(
            name=name,
            start=start,
            end=end,
            file_name=file_name[:200],
            created_by=by,
            status=BatchStatus.INVALID if result.problems else BatchStatus.PREVIEWED,
            errors=[problem.as_dict() for problem in result.problems],
            preview=_preview(result),
        )
        batch.file.save(f"followups-{timezone.now():%Y%m%d%H%M%S}.bin", ContentFile(data), save=False)
        batch.save()
        audit_log(
            actor=by,
            action="followups.batch.uploaded",
            target=batch,
            data={"file": file_name, "rows": len(result.rows), "problems": len(result.problems)},
        )
    return batch


def _locked(batch: FollowupBatch) -> FollowupBatch:
    return FollowupBatch.objects.select_for_update().get(pk=batch.pk)


def batch_confirm(*, by, batch: FollowupBatch) -> FollowupBatch:
    """Import a previewed batch: the file is checked again (another batch may have imported some of
    its patients meanwhile) and all its rows are written in one transaction, or none."""
    with transaction.atomic():
        batch = _locked(batch)
        if batch.status != BatchStatus.PREVIEWED:
            raise ValidationError(_("This batch is not awaiting confirmation; nothing was imported."), code="state")
        with batch.file.open("rb") as handle:
            data = handle.read()
        result = _check_file(data=data, file_name=batch.file_name, start=batch.start, end=batch.end)
        if result.problems:
            batch.status, batch.errors = BatchStatus.INVALID, [p.as_dict() for p in result.problems]
            batch.save(update_fields=["status", "errors"])
            return batch
        DischargedPatient.objects.bulk_create(
            [
                DischargedPatient(
                    batch=batch,
                    department=row.department,
                    masked_name=row.masked_name,
                    phone=row.phone,
                    discharge_date=row.discharge_date,
                    inpatient_no=row.inpatient_no,
                    ward=row.ward,
                    line=row.line,
                )
                for row in result.rows
            ],
            batch_size=1000,
        )
        batch.status, batch.patient_count, batch.imported_at = BatchStatus.IMPORTED, len(result.rows), timezone.now()
        batch.preview = _preview(result)
        batch.version += 1
        batch.save(update_fields=["status", "patient_count", "imported_at", "preview", "version"])
        audit_log(
            actor=by,
            action="followups.batch.imported",
            target=batch,
            data={"patients": len(result.rows), "duplicates": len(result.duplicates)},
        )
    return batch


def batch_cancel(*, by, batch: FollowupBatch) -> FollowupBatch:
    with transaction.atomic():
        batch = _locked(batch)
        if batch.status not in (BatchStatus.PREVIEWED, BatchStatus.INVALID):
            raise ValidationError(_("Only a batch that was not imported can be cancelled."), code="state")
        batch.status = BatchStatus.CANCELLED
        batch.save(update_fields=["status"])
        audit_log(actor=by, action="followups.batch.cancelled", target=batch)
    return batch


def batch_script_update(*, by, batch: FollowupBatch, script: str, expected_version: int) -> FollowupBatch:
    script = (script or "").strip()
    with transaction.atomic():
        batch = _locked(batch)
        if batch.version != expected_version:
            raise ConcurrentEditError(_("Someone else changed this batch after you opened it; reload the page."))
        if batch.script == script:
            return batch
        before = batch.script
        batch.script, batch.version = script, batch.version + 1
        batch.save(update_fields=["script", "version"])
        audit_log(
            actor=by, action="followups.script.updated", target=batch, data={"script": [before[:200], script[:200]]}
        )
    return batch


# --- Sampling -----------------------------------------------------------------------------------


def sample_size(population: int, *, mode: str, value: int) -> int:
    """How many to draw: a number (at most everyone) or a percentage rounded up."""
    if population <= 0 or value <= 0:
        return 0
    if mode == SampleMode.PERCENT:
        return min(population, math.ceil(population * value / 100))
    return min(population, value)


def draw(ids: Sequence[int], *, size: int, seed: int) -> list[int]:
    """The reproducible random draw: the same ids, size and seed always give the same patients."""
    return random.Random(seed).sample(sorted(ids), size)


def sample_draw(
    *, by, batch: FollowupBatch, departments, mode: str, value: int, callers: Sequence, seed: int | None = None
) -> list[FollowupSample]:
    """Draw each department's sample of an imported batch and assign the calls to ``callers`` in
    turn. A department already sampled in this batch is refused. The seed is stored."""
    errors = {}
    if mode not in SampleMode.values:
        errors["mode"] = _("Choose a number or a percentage.")
    elif value <= 0 or (mode == SampleMode.PERCENT and value > 100):
        errors["value"] = _("Give a number of patients, or a percentage from 1 to 100.")
    if not callers:
        errors["callers"] = _("Choose at least one caller.")
    if errors:
        raise ValidationError(errors)
    callers = list(callers)
    with transaction.atomic():
        batch = _locked(batch)
        if batch.status != BatchStatus.IMPORTED:
            raise ValidationError(_("Only an imported batch can be sampled."), code="state")
        department_ids = [d.pk for d in departments]
        done = set(
            FollowupSample.objects.filter(batch=batch, department_id__in=department_ids).values_list(
                "department__name", flat=True
            )
        )
        if done:
            raise ValidationError(
                {"departments": _("Already sampled in this batch: %(names)s.") % {"names": "、".join(sorted(done))}}
            )
        by_department: dict[int, list[int]] = {}
        for pk, department_id in DischargedPatient.objects.filter(
            batch=batch, department_id__in=department_ids
        ).values_list("pk", "department_id"):
            by_department.setdefault(department_id, []).append(pk)
        if not by_department:
            raise ValidationError({"departments": _("None of these departments has patients in this batch.")})
        seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
        samples, calls, turn = [], [], 0
        for department in sorted(departments, key=lambda d: d.pk):
            ids = by_department.get(department.pk)
            if not ids:
                continue
            size = sample_size(len(ids), mode=mode, value=value)
            sample = FollowupSample.objects.create(
                batch=batch,
                department=department,
                mode=mode,
                value=value,
                seed=seed,
                population=len(ids),
                size=size,
                created_by=by,
            )
            samples.append(sample)
            for patient_id in draw(ids, size=size, seed=seed + department.pk):
                calls.append(
                    FollowupCall(
                        sample=sample,
                        batch=batch,
                        department=department,
                        patient_id=patient_id,
                        caller=callers[turn % len(callers)],
                    )
                )
                turn += 1
        FollowupCall.objects.bulk_create(calls, batch_size=1000)
        audit_log(
            actor=by,
            action="followups.sample.drawn",
            target=batch,
            data={
                "seed": seed,
                "mode": mode,
                "value": value,
                "departments": {s.department.name: f"{s.size}/{s.population}" for s in samples},
                "callers": [c.get_username() for c in callers],
            },
        )
    return samples


# --- Calls --------------------------------------------------------------------------------------


def _locked_call(call: FollowupCall) -> FollowupCall:
    return FollowupCall.objects.select_for_update().select_related("department", "patient").get(pk=call.pk)


def call_assign(*, by, call: FollowupCall, caller, expected_version: int) -> FollowupCall:
    with transaction.atomic():
        call = _locked_call(call)
        if call.version != expected_version:
            raise ConcurrentEditError(_("Someone else changed this call after you opened it; reload the page."))
        if not call.is_open:
            raise ValidationError(_("This call is closed; it cannot be given to another caller."), code="state")
        if call.caller_id == caller.pk:
            return call
        before = call.caller.get_username() if call.caller_id else ""
        call.caller, call.version = caller, call.version + 1
        call.save(update_fields=["caller", "version"])
        audit_log(
            actor=by,
            action="followups.call.assigned",
            target=call,
            department=call.department,
            data={"caller": [before, caller.get_username()]},
        )
    return call


def call_record(
    *,
    by,
    call: FollowupCall,
    outcome: str,
    expected_version: int,
    overall: int | None = None,
    answers_data=None,
    comment: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> FollowupCall:
    """Record one attempt by the assigned caller. 未接通 may be retried until the third attempt;
    完成 records the answers as a Feedback (channel ``followup``) so it counts in satisfaction."""
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("Choose the outcome of the call.")})
    at = at or timezone.now()
    with transaction.atomic():
        call = _locked_call(call)
        if call.caller_id != by.pk:
            raise ValidationError(_("Only the caller this call is assigned to can record it."), code="not_caller")
        if call.version != expected_version:
            raise ConcurrentEditError(_("Someone else changed this call after you opened it; reload the page."))
        if not call.is_open:
            raise ValidationError(_("This call is already closed."), code="state")
        feedback = None
        if outcome == CallStatus.COMPLETED:
            feedback = _record_feedback(
                by=by, call=call, overall=overall, answers_data=answers_data, comment=comment, at=at
            )
        number = call.attempts + 1
        CallAttempt.objects.create(call=call, number=number, at=at, caller=by, outcome=outcome, note=note[:200])
        before = call.status
        call.status, call.attempts, call.last_attempt_at = outcome, number, at
        call.feedback = feedback
        call.version += 1
        call.save(update_fields=["status", "attempts", "last_attempt_at", "feedback", "version"])
        audit_log(
            actor=by,
            action="followups.call.recorded",
            target=call,
            department=call.department,
            data={"status": [before, outcome], "attempt": number, "feedback": feedback.pk if feedback else None},
        )
    return call


def _record_feedback(*, by, call: FollowupCall, overall, answers_data, comment: str, at):
    """The completed call's answers as valid feedback (channel ``followup``), on the discharge
    questionnaire in use (none in use: the overall rating and the comment only)."""
    errors = {}
    try:
        overall = int(overall)
    except (TypeError, ValueError):
        overall = None
    if overall not in (1, 2, 3, 4, 5):
        errors["overall"] = _("Choose the overall rating from 1 to 5.")
    version = version_in_use(Purpose.DISCHARGE)
    answers = {}
    if version is not None:
        try:
            answers = answers_clean(version=version, data=answers_data or {})
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return feedback_record(
        by=by,
        department=call.department,
        overall=overall,
        answers=answers,
        comment=(comment or "").strip(),
        channel="followup",
        questionnaire_version=version,
        at=at,
    )
