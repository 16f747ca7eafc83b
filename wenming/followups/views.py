"""The follow-up pages: the callers' queue (``/followups/``), a call (record an attempt), and the
office's batches (upload → preview → confirm, script, sample). Thin: reads from ``selectors``,
each write is one call into ``services``. Office-only pages answer 403 to others; a call or
batch the person may not see is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.feedback.selectors import may_manage_feedback
from wenming.org.access import access_for, require_check
from wenming.org.forms import apply_service_errors
from wenming.org.services.common import ConcurrentEditError
from wenming.questionnaires.models import Purpose
from wenming.questionnaires.selectors import version_in_use

from . import selectors, services
from .forms import BatchUploadForm, OutcomeForm, SampleForm, ScriptForm
from .models import BatchStatus, CallStatus, FollowupBatch, FollowupSample

PAGE_SIZE = 50


reader = require_check(selectors.may_use_followups)
manager = require_check(may_manage_feedback)


@reader
@require_GET
def queue(request):
    access = access_for(request.user)
    office = may_manage_feedback(access)
    mine = office and request.GET.get("all") != "1"
    status = request.GET.get("status", "open" if mine else "")
    if status not in {"", "open", *CallStatus.values}:
        status = ""
    rows = selectors.queue(access=access, user=request.user, mine=mine, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for call in page.object_list:
        call.shown_phone = selectors.phone_for(call=call, user=request.user) if office else None
    context = {
        "page": page,
        "mine": mine,
        "office": office,
        "status": status,
        "statuses": CallStatus.choices,
        "batches": selectors.batches_with_calls(access=access),
    }
    return render(request, "followups/queue.html", context)


def _call_context(request, call, form, answer_errors=None):
    access = access_for(request.user)
    office = may_manage_feedback(access)
    return {
        "call": call,
        "form": form,
        "phone": selectors.phone_for(call=call, user=request.user) if office else None,
        "may_record": call.caller_id == request.user.pk and call.is_open,
        "attempts": call.attempt_log.select_related("caller", "caller__staff"),
        "questionnaire": version_in_use(Purpose.DISCHARGE),
        "answer_errors": answer_errors or {},
    }


@reader
@require_http_methods(["GET", "POST"])
def call_detail(request, pk: int):
    access = access_for(request.user)
    call = selectors.call_for_user(access=access, pk=pk)
    form = OutcomeForm(request.POST or None, initial={"version": call.version})
    answer_errors = {}
    if request.method == "POST":
        if call.caller_id != request.user.pk:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.call_record(
                    by=request.user,
                    call=call,
                    outcome=data["outcome"],
                    expected_version=data["version"],
                    overall=data["overall"],
                    answers_data=request.POST,
                    comment=data["comment"],
                    note=data["note"],
                )
            except ConcurrentEditError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                if hasattr(error, "error_dict"):  # the questionnaire's answers (q_…) beside their questions
                    answer_errors = {k: v for k, v in error.message_dict.items() if k.startswith("q_")}
                    error = ValidationError({k: v for k, v in error.message_dict.items() if k not in answer_errors})
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The call was recorded."))
                return redirect("followups:queue")
        return render(request, "followups/call.html", _call_context(request, call, form, answer_errors), status=400)
    return render(request, "followups/call.html", _call_context(request, call, form))


@manager
@require_http_methods(["GET", "POST"])
def batches(request):
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                by=request.user,
                name=form.cleaned_data["name"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                data=upload.read(),
                file_name=upload.name,
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            return redirect("followups:batch", pk=batch.pk)
    recent = FollowupBatch.objects.select_related("created_by").exclude(status=BatchStatus.CANCELLED)[:30]
    status = 400 if form.errors else 200
    return render(request, "followups/batches.html", {"form": form, "batches": recent}, status=status)


def _batch_context(batch, *, sample_form=None, script_form=None):
    from wenming.org.models import Department

    departments = Department.objects.filter(pk__in=batch.patients.values("department_id").distinct()).exclude(
        pk__in=FollowupSample.objects.filter(batch=batch).values("department_id")
    )
    return {
        "batch": batch,
        "sample_form": sample_form
        or SampleForm(departments=departments, callers=selectors.callers(), initial={"mode": "percent", "value": 20}),
        "script_form": script_form or ScriptForm(initial={"script": batch.script, "version": batch.version}),
        "samples": batch.samples.select_related("department").order_by("department__code"),
        "upload_form": BatchUploadForm(initial={"name": batch.name, "start": batch.start, "end": batch.end}),
        "departments_left": departments,
    }


@manager
@require_GET
def batch_detail(request, pk: int):
    batch = selectors.batch_for_office(pk=pk)
    return render(request, "followups/batch.html", _batch_context(batch))


@manager
@require_POST
def batch_confirm(request, pk: int):
    batch = selectors.batch_for_office(pk=pk)
    try:
        batch = services.batch_confirm(by=request.user, batch=batch)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        if batch.status == BatchStatus.IMPORTED:
            messages.success(request, _("%(count)s patients were imported.") % {"count": batch.patient_count})
        else:
            messages.warning(request, _("The list has problems now; nothing was imported."))
    return redirect("followups:batch", pk=pk)


@manager
@require_POST
def batch_cancel(request, pk: int):
    batch = selectors.batch_for_office(pk=pk)
    try:
        services.batch_cancel(by=request.user, batch=batch)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return redirect("followups:batch", pk=pk)
    messages.info(request, _("The batch was cancelled; nothing was imported."))
    return redirect("followups:batches")


@manager
@require_POST
def batch_script(request, pk: int):
    batch = selectors.batch_for_office(pk=pk)
    form = ScriptForm(request.POST)
    if form.is_valid():
        try:
            services.batch_script_update(
                by=request.user,
                batch=batch,
                script=form.cleaned_data["script"],
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The call script was saved."))
            return redirect("followups:batch", pk=pk)
    return render(request, "followups/batch.html", _batch_context(batch, script_form=form), status=400)


@manager
@require_POST
def batch_sample(request, pk: int):
    batch = selectors.batch_for_office(pk=pk)
    context = _batch_context(batch)
    form = SampleForm(request.POST, departments=context["departments_left"], callers=selectors.callers())
    if form.is_valid():
        data = form.cleaned_data
        try:
            samples = services.sample_draw(
                by=request.user,
                batch=batch,
                departments=list(data["departments"]),
                mode=data["mode"],
                value=data["value"],
                callers=list(data["callers"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            total = sum(s.size for s in samples)
            messages.success(request, _("%(count)s patients were drawn and given to the callers.") % {"count": total})
            return redirect("followups:batch", pk=pk)
    return render(request, "followups/batch.html", _batch_context(batch, sample_form=form), status=400)


@reader
@require_GET
def batch_progress(request, pk: int):
    access = access_for(request.user)
    batch = selectors.batch_for_progress(access=access, pk=pk)
    rows, total = selectors.progress(access=access, batch=batch)
    if request.GET.get("format") == "xlsx":
        return _progress_xlsx(batch, rows, total)
    return render(request, "followups/progress.html", {"batch": batch, "rows": rows, "total": total})


def _progress_xlsx(batch, rows, total):
    from wenming.core.exports import attachment, xlsx_bytes

    headers = [
        _("Department"),
        _("Sampled"),
        _("Completed"),
        _("No answer"),
        _("Refused the call"),
        _("Wrong number"),
        _("To call"),
        _("Completion rate (%)"),
        _("Satisfaction of completed calls (%)"),
    ]

    def line(row):
        return [
            row.department,
            row.sampled,
            row.completed,
            row.no_answer,
            row.refused,
            row.wrong_number,
            row.pending,
            row.completion_rate,
            row.satisfaction,
        ]

    content = xlsx_bytes(
        title=batch.name, headers=headers, rows=[*(line(r) for r in rows), line(total)], widths=[18] + [10] * 8
    )
    return attachment(content, _("%(batch)s follow-up progress.xlsx") % {"batch": batch.name})
