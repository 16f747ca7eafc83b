"""One item of the ledger: opening it (挂牌, also from a finding), its page with everything about it,
the moves of its workflow and its evidence files.

Who: opening is for those who may open items for at least one department (the whole-hospital
roles for every department, a head for theirs). The item's page is for the whole-hospital roles and
the heads of its department (another department's item is 404). Its action forms are shown only to
those who may use them, and a POST from anyone else is 403: start, submit a fix and ask for more
time — the office and the heads of the department; verify — those and the leadership group and
inspectors, never the person who submitted the fix; decide a request for more time — the office.

Every action form carries the item's ``version``. When someone else changed the item in between,
the service refuses (``RectificationConflict``) and the page is shown again as it is now, with the
message and what the person typed; nothing is changed.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.attachments import is_image
from wenming.org.access import access_for
from wenming.org.selectors import hospital_today
from wenming.scoring.models import RecordKind
from wenming.scoring.selectors.common import optional_url
from wenming.scoring.selectors.records import may_see_record

from .. import services
from ..forms import (
    APPROVE,
    PASSED,
    ExtensionDecideForm,
    ExtensionRequestForm,
    ItemForm,
    StartForm,
    SubmitFixForm,
    VerifyForm,
    apply_service_errors,
)
from ..models import ExtensionRequest, ExtensionState, ItemState, RectificationItem
from ..selectors import (
    evidence_for_user,
    finding_for_user,
    finding_info,
    finding_prefill,
    item_evidence,
    item_extensions,
    item_history,
    openable_departments,
    responsible_choices,
)
from .common import item_or_404, ledger_required

DEFAULT_DAYS = 7


# --- Opening an item ------------------------------------------------------------------------------


def _finding_or_404(request):
    """The finding of ``?finding=`` (a scoring record the person may see), or None without one."""
    if "finding" not in request.GET:
        return None
    record = finding_for_user(user=request.user, pk=request.GET["finding"])
    if record is None or record.kind != RecordKind.FINDING:
        raise Http404
    return finding_info(record)


@ledger_required
@require_http_methods(["GET", "POST"])
def item_new(request):
    """List a new problem (挂牌); with ``?finding=<record>`` its values come from the finding."""
    today = hospital_today()
    info = _finding_or_404(request)
    departments = openable_departments(user=request.user)
    initial = {"deadline": today + dt.timedelta(days=DEFAULT_DAYS)}
    if info is not None:
        initial.update(finding_prefill(info))
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        departments=departments,
        staff_for=responsible_choices,
        staff_url=reverse("rectification:staff_options"),
        from_finding=info is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_open(
                department=data["department"],
                problem=data["problem"],
                source=data["source"],
                deadline=data["deadline"],
                by=request.user,
                responsible=data["responsible"],
                measures=data["measures"],
                finding=info.record if info is not None else None,
            )
        except services.RectificationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The item has been listed for %(department)s, due %(deadline)s.")
                % {"department": item.department.name, "deadline": item.deadline.isoformat()},
            )
            return redirect("rectification:item_detail", pk=item.pk)
    context = {"form": form, "finding": info, "finding_links": _finding_links(request.user, info)}
    return render(request, "rectification/item_form.html", context, status=400 if form.errors else 200)


@ledger_required
@require_GET
def staff_options(request):
    """The ``<option>``s of the responsible person for the department chosen (``?department=``)."""
    code = request.GET.get("department", "")
    department = openable_departments(user=request.user).filter(code=code).first() if code else None
    return render(request, "rectification/_staff_options.html", {"staff": responsible_choices(department)})


def _finding_links(user, info) -> dict:
    """Where the finding's page and its inspection round are, for those who may open them."""
    if info is None:
        return {}
    access = access_for(user)
    record_url = None
    if access.can_view_scores and may_see_record(access=access, record=info.record):
        record_url = optional_url("scoring:record_detail", info.record.pk)
    round_url = optional_url("inspections:round_detail", info.round_id) if info.round_id else None
    return {"record_url": record_url, "round_url": round_url}


# --- One item -------------------------------------------------------------------------------------

START, SUBMIT, VERIFY, EXTENSION, DECIDE = "start", "submit", "verify", "extension", "decide"
FORM_CLASSES = {
    START: StartForm,
    SUBMIT: SubmitFixForm,
    VERIFY: VerifyForm,
    EXTENSION: ExtensionRequestForm,
    DECIDE: ExtensionDecideForm,
}


def _pending(extensions: list[ExtensionRequest]) -> ExtensionRequest | None:
    return next((e for e in extensions if e.state == ExtensionState.PENDING), None)


def _allowed(user, item: RectificationItem, pending: ExtensionRequest | None) -> dict[str, bool]:
    """Which action forms this person may use on the item as it is now."""
    act = services.may_act_on(user, item.department)
    oversee = services.may_oversee(user, item.department)
    own_fix = item.submitted_by_id is not None and item.submitted_by_id == user.pk
    return {
        START: act and item.state == ItemState.LISTED,
        SUBMIT: act and item.state == ItemState.IN_PROGRESS,
        VERIFY: oversee and item.state == ItemState.AWAITING_CHECK and not own_fix,
        EXTENSION: act and item.state != ItemState.CLOSED and pending is None,
        DECIDE: services.is_office(user) and pending is not None,
        "own_fix": oversee and item.state == ItemState.AWAITING_CHECK and own_fix,
    }


def _detail(request, item: RectificationItem, *, bound=None, typed=None, error=None, conflict=None, status=200):
    """The item's page. ``bound``: the action form that was posted (with its errors); ``typed``:
    ``{action: values}`` to put back into a fresh form after a conflict; ``error`` / ``conflict``:
    a service's refusal, shown at the top."""
    extensions = item_extensions(item)
    pending = _pending(extensions)
    allowed = _allowed(request.user, item, pending)
    forms = {}
    for name, form_class in FORM_CLASSES.items():
        if bound is not None and bound.prefix == name:
            forms[name] = bound
        elif allowed[name]:
            initial = {"version": item.version, **((typed or {}).get(name) or {})}
            if name == SUBMIT:
                initial.setdefault("measures", item.measures)
            forms[name] = form_class(prefix=name, initial=initial)
    info = finding_info(item.finding) if item.finding_id else None
    context = {
        "item": item,
        "forms": forms,
        "own_fix": allowed["own_fix"],
        "pending": pending,
        "extensions": extensions,
        "evidence": item_evidence(item),
        "history": item_history(item),
        "finding": info,
        "finding_links": _finding_links(request.user, info),
        "error": error,
        "conflict": conflict,
        "today": hospital_today(),
    }
    return render(request, "rectification/item_detail.html", context, status=status)


@ledger_required
@require_GET
def item_detail(request, pk: int):
    """Everything about one item, and the actions the person may take on it."""
    return _detail(request, item_or_404(request.user, pk, today=hospital_today()))


def _act(request, pk: int, name: str, *, may, call, done: str):
    """Handle one action form: 404 for an item the person may not see, 403 when they may not take
    this action, the page again with the errors, or the service's refusal; else back to the page."""
    item = item_or_404(request.user, pk, today=hospital_today())
    if not may(item):
        raise PermissionDenied
    form = FORM_CLASSES[name](request.POST, request.FILES, prefix=name)
    if not form.is_valid():
        return _detail(request, item, bound=form, status=400)
    try:
        call(item, form.cleaned_data)
    except services.RectificationConflict as refusal:
        typed = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "evidence", "decision")}
        fresh = item_or_404(request.user, pk, today=hospital_today())
        return _detail(request, fresh, typed={name: typed}, conflict=refusal, status=409)
    except services.RectificationNotAllowed as refusal:
        return _detail(request, item, error=refusal, status=403)
    except services.RectificationError as refusal:
        apply_service_errors(form, refusal)
        return _detail(request, item, bound=form, status=400)
    messages.success(request, done)
    return redirect("rectification:item_detail", pk=item.pk)


@ledger_required
@require_POST
def item_start(request, pk: int):
    """listed → in_progress."""
    return _act(
        request,
        pk,
        START,
        may=lambda item: services.may_act_on(request.user, item.department),
        call=lambda item, data: services.item_start(item=item, by=request.user, expected_version=data["version"]),
        done=_("Rectification has started."),
    )


@ledger_required
@require_POST
def item_submit(request, pk: int):
    """in_progress → awaiting_check, with the measures taken and evidence files."""

    return _act(
        request,
        pk,
        SUBMIT,
        may=lambda item: services.may_act_on(request.user, item.department),
        call=lambda item, data: services.item_submit_fix(
            item=item,
            by=request.user,
            measures=data["measures"],
            evidence=data["evidence"],
            expected_version=data["version"],
        ),
        done=_("The fix has been submitted for verification."),
    )


@ledger_required
@require_POST
def item_verify(request, pk: int):
    """awaiting_check → closed (passed) or back to in_progress (returned, with a note)."""
    passed = request.POST.get(f"{VERIFY}-decision") == PASSED
    return _act(
        request,
        pk,
        VERIFY,
        may=lambda item: services.may_oversee(request.user, item.department),
        call=lambda item, data: services.item_verify(
            item=item,
            by=request.user,
            passed=data["decision"] == PASSED,
            note=data["note"],
            expected_version=data["version"],
        ),
        done=_("The item has been verified and closed out.") if passed else _("The item has been returned."),
    )


@ledger_required
@require_POST
def extension_request(request, pk: int):
    """Ask the office for a later deadline."""
    return _act(
        request,
        pk,
        EXTENSION,
        may=lambda item: services.may_act_on(request.user, item.department),
        call=lambda item, data: services.extension_request(
            item=item,
            by=request.user,
            new_deadline=data["new_deadline"],
            reason=data["reason"],
            expected_version=data["version"],
        ),
        done=_("The request for more time has been sent to the office."),
    )


@ledger_required
@require_POST
def extension_decide(request, pk: int):
    """The office approves or refuses the item's pending request for more time."""

    def call(item, data):
        pending = item.extensions.filter(state=ExtensionState.PENDING).first()
        if pending is None:
            raise services.RectificationConflict(
                _("This request has already been decided. Nothing was saved."), code="conflict"
            )
        services.extension_decide(
            request=pending,
            by=request.user,
            approve=data["decision"] == APPROVE,
            note=data["note"],
            expected_version=data["version"],
        )

    approve = request.POST.get(f"{DECIDE}-decision") == APPROVE
    return _act(
        request,
        pk,
        DECIDE,
        may=lambda item: services.is_office(request.user),
        call=call,
        done=_("The later deadline has been approved.") if approve else _("The request for more time was refused."),
    )


@ledger_required
@require_GET
def evidence_file(request, pk: int):
    """An evidence file, to people who may see its item: images shown (thumbnails on the item's
    page use this too), other files downloaded."""
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
