"""The complaints pages: the list (filters, counts per state, HTMX table, XLSX register), intake
(also from a patient's feedback, ``?feedback=<pk>``), one case with its timeline and the form of
its current step, and its evidence files.

Who: the office and system administrators do everything; the leadership group reads every case;
a department head reads the cases of their departments and records the investigation and the
handling decision (not the reply, closing, returns, deadlines, deductions or items: 403);
everyone else gets 404, as does a head for another department's case."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.attachments import is_image
from wenming.feedback.models import Feedback
from wenming.org.access import require_check
from wenming.org.models import Staff, StaffStatus
from wenming.org.selectors import current_hospital, hospital_today
from wenming.scoring.selectors.common import optional_url
from wenming.standards.models import Standard

from . import services
from .exports import register_response
from .forms import (
    CloseForm,
    DecideForm,
    ExtendForm,
    FilterForm,
    IntakeForm,
    InvestigateForm,
    ItemForm,
    ReplyForm,
    ReturnForm,
    ScoreForm,
    StartForm,
    apply_service_errors,
)
from .models import Case, CaseKind, CaseSource, CaseState
from .selectors import (
    STATE_BADGES,
    case_departments,
    case_evidence,
    case_for_user,
    case_history,
    case_list,
    decorate,
    evidence_for_user,
    phone_for,
    state_counts,
)

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
ITEM_DAYS = 7


# Login, then 404 unless the person may read cases at all (employees and inspectors see nothing).
cases_required = require_check(services.may_read_cases, not_found=True)


def office_required(view):
    @cases_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _case_or_404(user, pk) -> Case:
    case = case_for_user(user=user, pk=pk)
    if case is None:
        raise Http404
    return case


# --- The list -------------------------------------------------------------------------------------


def _filtered(request):
    form = FilterForm(request.GET or None, departments=case_departments(user=request.user))
    return form, form.filters()


@cases_required
@require_GET
def case_list_page(request):
    """Every case the person may see, filtered, 50 a page; the table alone for HTMX."""
    today = hospital_today()
    form, filters = _filtered(request)
    state = filters.pop("state", "")
    cases = case_list(user=request.user, today=today, **filters)
    counts = state_counts(cases)
    if state:
        cases = cases.filter(state=state)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    state_free = query.copy()
    state_free.pop("state", None)
    context = {
        "form": form,
        "page": page,
        "rows": decorate(page.object_list, today=today),
        "counts": counts,
        "state": state,
        "filtered": bool(filters or state),
        "export_query": query.urlencode(),
        "count_query": state_free.urlencode(),
        "is_office": services.is_office(request.user),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "complaints/_table.html" if partial else "complaints/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@cases_required
@require_GET
def case_export(request):
    """The filtered register (台账) as XLSX."""
    today = hospital_today()
    _form, filters = _filtered(request)
    cases = case_list(user=request.user, today=today, **filters)[:EXPORT_LIMIT]
    return register_response(cases, hospital_name=current_hospital().name, today=today)


# --- Intake ---------------------------------------------------------------------------------------


def _feedback_or_404(request) -> Feedback | None:
    if "feedback" not in request.GET:
        return None
    try:
        return Feedback.objects.select_related("department", "staff").get(pk=int(request.GET["feedback"]))
    except (Feedback.DoesNotExist, ValueError):
        raise Http404 from None


def _feedback_content(feedback: Feedback) -> str:
    return _("Patient rating %(overall)d/5 on %(date)s: %(comment)s") % {
        "overall": feedback.overall,
        "date": feedback.local_date.isoformat(),
        "comment": feedback.comment or "—",
    }


@office_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """Receive a case; with ``?feedback=<pk>`` the department, staff member, rating and comment
    come from that feedback, and the case links it."""
    today = hospital_today()
    feedback = _feedback_or_404(request)
    existing = Case.objects.filter(feedback=feedback).first() if feedback is not None else None
    if existing is not None and case_for_user(user=request.user, pk=existing.pk) is not None:
        messages.info(request, _("This feedback is already case %(number)s.") % {"number": existing.number})
        return redirect("complaints:detail", pk=existing.pk)
    initial = {"received_on": today, "kind": CaseKind.COMPLAINT, "source": CaseSource.PHONE}
    if feedback is not None:
        initial.update(
            {
                "source": CaseSource.RATING,
                "department": feedback.department.code,
                "staff": feedback.staff.staff_no if feedback.staff_id else None,
                "content": _feedback_content(feedback),
                "kind": CaseKind.COMPLAINT if feedback.overall <= 3 else CaseKind.PRAISE,
            }
        )
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        departments=case_departments(user=request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_intake(
                by=request.user,
                kind=data["kind"],
                source=data["source"],
                department=data["department"],
                staff=data["staff"],
                content=data["content"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                received_on=data["received_on"],
                deadline=data["deadline"],
                feedback=feedback,
                evidence=data["evidence"],
            )
        except services.CaseError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Case %(number)s has been received, due %(deadline)s.")
                % {"number": case.number, "deadline": case.deadline.isoformat()},
            )
            return redirect("complaints:detail", pk=case.pk)
    context = {"form": form, "feedback": feedback, "working_days": services.default_deadline(today)}
    return render(request, "complaints/new.html", context, status=400 if form.errors else 200)


@office_required
@require_GET
def staff_options(request):
    """The ``<option>``s of the staff concerned for the department chosen (``?department=<code>``)."""
    code = request.GET.get("department", "")
    department = case_departments(user=request.user).filter(code=code).first() if code else None
    staff = (
        Staff.objects.filter(status=StaffStatus.ACTIVE, department__path__startswith=department.path)
        .select_related("department")
        .order_by("department__path", "staff_no")
        if department is not None
        else Staff.objects.none()
    )
    return render(request, "complaints/_staff_options.html", {"staff": staff})


# --- One case -------------------------------------------------------------------------------------

START, INVESTIGATE, DECIDE, REPLY, CLOSE, RETURN, EXTEND, SCORE, ITEM = (
    "start",
    "investigate",
    "decide",
    "reply",
    "close",
    "return",
    "extend",
    "score",
    "item",
)
FORMS = {
    START: StartForm,
    INVESTIGATE: InvestigateForm,
    DECIDE: DecideForm,
    REPLY: ReplyForm,
    CLOSE: CloseForm,
    RETURN: ReturnForm,
    EXTEND: ExtendForm,
    SCORE: ScoreForm,
    ITEM: ItemForm,
}


def _allowed(user, case: Case) -> dict[str, bool]:
    """Which step forms the person may use on the case as it is now."""
    work = services.may_work_on(user, case.department)
    office = services.is_office(user)
    return {
        START: work and case.state == CaseState.RECEIVED,
        INVESTIGATE: work and case.state == CaseState.INVESTIGATING,
        DECIDE: work and case.state == CaseState.HANDLING,
        REPLY: office and case.state == CaseState.HANDLING and bool(case.decision),
        CLOSE: office and case.state == CaseState.REPLIED,
        RETURN: office and case.state in services.RETURNS,
        EXTEND: office and case.is_open,
        SCORE: office and services.may_record(case),
        ITEM: office and services.may_open_item(case),
    }


def _initial(name: str, case: Case, today) -> dict:
    if name == INVESTIGATE:
        return {"investigation": case.investigation, "finding": case.finding}
    if name == DECIDE:
        return {"decision": case.decision}
    if name == REPLY:
        return {"replied_on": today}
    if name == CLOSE:
        return {"satisfaction": case.satisfaction}
    if name == SCORE:
        standard = Standard.objects.filter(subject="department").order_by("code").first()
        return {
            "standard": standard.code if standard else None,
            "code": services.default_code(case),
            "day": case.received_on,
            "count": 1,
        }
    if name == ITEM:
        from datetime import timedelta

        return {"problem": case.investigation or case.content, "deadline": today + timedelta(days=ITEM_DAYS)}
    return {}


def _detail(request, case: Case, *, bound=None, typed=None, error=None, status=200):
    today = hospital_today()
    allowed = _allowed(request.user, case)
    forms = {}
    for name, form_class in FORMS.items():
        if bound is not None and bound.prefix == name:
            forms[name] = bound
        elif allowed[name]:
            initial = {"version": case.version, **_initial(name, case, today), **((typed or {}).get(name) or {})}
            forms[name] = form_class(prefix=name, initial=initial)
    case.badge = STATE_BADGES[case.state]
    case.is_overdue = case.is_open and case.deadline < today
    context = {
        "case": case,
        "forms": forms,
        "phone": phone_for(user=request.user, case=case),
        "evidence": case_evidence(case),
        "history": case_history(case),
        "steps": _steps(case),
        "record_url": optional_url("scoring:record_detail", case.record_id) if case.record_id else None,
        "item_url": optional_url("rectification:item_detail", case.item_id) if case.item_id else None,
        "is_office": services.is_office(request.user),
        "error": error,
        "today": today,
    }
    return render(request, "complaints/detail.html", context, status=status)


def _steps(case: Case) -> list[dict]:
    order = list(CaseState.values)
    here = order.index(case.state)
    return [
        {"label": label, "done": i < here, "current": i == here} for i, (value, label) in enumerate(CaseState.choices)
    ]


@cases_required
@require_GET
def case_detail(request, pk: int):
    return _detail(request, _case_or_404(request.user, pk))


def _call(name: str, case: Case, data: dict, by):
    version = data["version"]
    if name == START:
        return services.case_start(case=case, by=by, expected_version=version)
    if name == INVESTIGATE:
        return services.case_investigate(
            case=case,
            by=by,
            investigation=data["investigation"],
            finding=data["finding"],
            evidence=data["evidence"],
            expected_version=version,
        )
    if name == DECIDE:
        return services.case_decide(
            case=case, by=by, decision=data["decision"], evidence=data["evidence"], expected_version=version
        )
    if name == REPLY:
        return services.case_reply(
            case=case,
            by=by,
            reply=data["reply"],
            method=data["method"],
            replied_on=data["replied_on"],
            satisfaction=data["satisfaction"],
            expected_version=version,
        )
    if name == CLOSE:
        return services.case_close(
            case=case, by=by, satisfaction=data["satisfaction"], note=data["note"], expected_version=version
        )
    if name == RETURN:
        return services.case_return(case=case, by=by, reason=data["reason"], expected_version=version)
    if name == EXTEND:
        return services.case_extend(
            case=case, by=by, deadline=data["deadline"], reason=data["reason"], expected_version=version
        )
    if name == SCORE:
        return services.case_record_score(
            case=case,
            by=by,
            standard=data["standard"],
            code=data["code"],
            day=data["day"],
            count=data["count"],
            note=data["note"],
            expected_version=version,
        )
    return services.case_open_item(
        case=case, by=by, problem=data["problem"], deadline=data["deadline"], expected_version=version
    )


def _done(name: str) -> str:
    return {
        START: _("The case is now under investigation."),
        INVESTIGATE: _("The investigation findings have been recorded."),
        DECIDE: _("The handling decision has been recorded."),
        REPLY: _("The reply has been recorded."),
        CLOSE: _("The case has been closed."),
        RETURN: _("The case has been sent back a step."),
        EXTEND: _("The deadline has been moved."),
        SCORE: _("The entry has been recorded on the assessment."),
        ITEM: _("The rectification item has been opened."),
    }[name]


@cases_required
@require_POST
def case_act(request, pk: int, action: str):
    """One step form: 404 for a case the person may not see (or an unknown step), 403 when they
    may not take this step, the page again with the errors or the service's refusal (409 for a
    stale page, what was typed kept), else back to the case."""
    if action not in FORMS:
        raise Http404
    case = _case_or_404(request.user, pk)
    office_only = action not in (START, INVESTIGATE, DECIDE)
    if office_only and not services.is_office(request.user):
        raise PermissionDenied
    if not office_only and not services.may_work_on(request.user, case.department):
        raise PermissionDenied
    form = FORMS[action](request.POST, request.FILES, prefix=action)
    if not form.is_valid():
        return _detail(request, case, bound=form, status=400)
    try:
        _call(action, case, form.cleaned_data, request.user)
    except services.CaseConflict as refusal:
        typed = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "evidence")}
        return _detail(request, _case_or_404(request.user, pk), typed={action: typed}, error=refusal, status=409)
    except services.CaseNotAllowed as refusal:
        return _detail(request, case, error=refusal, status=403)
    except services.CaseError as refusal:
        apply_service_errors(form, refusal)
        return _detail(request, _case_or_404(request.user, pk), bound=form, status=400)
    messages.success(request, _done(action))
    return redirect("complaints:detail", pk=case.pk)


@cases_required
@require_GET
def evidence_file(request, pk: int):
    evidence = evidence_for_user(user=request.user, pk=pk)
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not is_image(evidence.name),
        filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
