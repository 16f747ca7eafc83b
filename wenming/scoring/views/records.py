"""Scoring records pages: a period's records (filters, approval, voiding), entering findings,
bonuses and vetoes, the manual score grid, one record with its evidence and history, evidence
files, and corrections (更正) of finalized periods.

Who: everyone who may open scorecards (``can_view_scores``) sees a period's records within their
scope — a department head only their own departments', read-only (another department's record or
evidence is 404). Entering (records, manual scores, evidence, edits) needs ``can_enter_scores``
(文明办, 领导小组); approving, voiding and corrections need ``can_manage_standards`` (文明办).
Everyone else gets 403. A standard that does not exist, or a key that does not fit its cycle, is 404.

Evaluators are never shown to the evaluated: who entered a manual score is shown only to the
whole-hospital roles.

Reads are the small selectors at the top of this module (scoped to the person, query counts pinned
in the tests); every write is one call into ``wenming.scoring.services``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.audit import describe, format_details
from wenming.core.models import AuditEntry
from wenming.org.access import access_for, require
from wenming.org.models import Department, DepartmentCategory, Staff, StaffStatus
from wenming.org.selectors import staff_search
from wenming.standards.definition import Cycle, Rule, StandardDef, Subject
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.selectors import newest_version

from .. import services
from ..engine import format_points, round_half_up
from ..forms import (
    CorrectionForm,
    EvidenceForm,
    RecordEditForm,
    RecordFilterForm,
    RecordForm,
    VoidForm,
    apply_service_errors,
)
from ..models import Evidence, Record, RecordKind, RecordStatus, ScoringPeriod
from ..periods import Period, parse_period, period_of
from ..services.records import CodeInfo, code_catalogue, is_image, own_manual_values, seen_token

PAGE_SIZE = 50
STAFF_OPTIONS = 20
DATED = (RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO)
LISTED = (*DATED, RecordKind.MANUAL)  # a period's record list; corrections have their own section
CATEGORY_ORDER = {value: index for index, value in enumerate(DepartmentCategory.values)}
RECORD_RELATED = (
    "standard",
    "department",
    "staff",
    "staff__department",
    "entered_by",
    "entered_by__staff",
    "decided_by",
    "decided_by__staff",
    "assessor",
    "corrects",
)


# --- What a URL names -------------------------------------------------------------------------


@dataclass
class PeriodPage:
    """The standard and period a URL names, with the version its records are read against: the
    one a finalized period kept, otherwise the newest."""

    standard: Standard
    version: StandardVersion
    period: Period
    scoring_period: ScoringPeriod | None

    @cached_property
    def definition(self) -> StandardDef:
        return self.version.definition

    @cached_property
    def catalogue(self) -> dict[str, CodeInfo]:
        return code_catalogue(self.definition)

    @property
    def finalized(self) -> bool:
        return self.scoring_period is not None and self.scoring_period.is_finalized

    @property
    def is_department(self) -> bool:
        return self.standard.subject == Subject.DEPARTMENT

    @property
    def args(self) -> tuple[str, str]:
        return (self.standard.code, self.period.key)

    def has(self, kind: str) -> bool:
        wanted = {RecordKind.FINDING: "deduction", RecordKind.BONUS: "bonus", RecordKind.VETO: "veto"}[kind]
        return any(info.kind == wanted for info in self.catalogue.values())


def _period_page(code: str, key: str) -> PeriodPage:
    """The standard and period of a URL; 404 for an unknown standard or a key of another cycle."""
    version = newest_version(code)
    if version is None:
        raise Http404
    standard = version.standard
    try:
        period = parse_period(key, Cycle(standard.cycle))
    except (ValueError, TypeError):
        raise Http404 from None
    scoring_period = ScoringPeriod.objects.select_related("version").filter(standard=standard, key=period.key).first()
    if scoring_period is not None and scoring_period.is_finalized and scoring_period.version is not None:
        version = scoring_period.version
        version.standard = standard
    return PeriodPage(standard, version, period, scoring_period)


def _record_period(record: Record) -> Period:
    """The period a record belongs to: its manual key, the period a correction corrects, or the
    period of the standard's cycle that holds its date."""
    if record.kind == RecordKind.MANUAL:
        return parse_period(record.period_key, Cycle(record.standard.cycle))
    if record.kind == RecordKind.CORRECTION and record.corrects_id:
        return parse_period(record.corrects.key, Cycle(record.standard.cycle))
    return period_of(record.date, Cycle(record.standard.cycle))


def _may_see_record(access, record: Record) -> bool:
    if record.department_id:
        return access.may_see_department(record.department)
    return access.may_see_department(record.staff.department)


def _record_for_user(user, pk: int) -> Record:
    """The record if the person may see its subject; 404 for missing and not-yours alike."""
    record = Record.objects.select_related(*RECORD_RELATED).filter(pk=pk).first()
    if record is None or not _may_see_record(access_for(user), record):
        raise Http404
    return record


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page_links(access, page: PeriodPage) -> dict:
    """Where the breadcrumbs lead: the period's page for those who may open it, else the records."""
    records_url = reverse("scoring:records", args=page.args)
    period_url = None
    if access.can_view_rankings or access.can_manage_standards:
        period_url = _url_or_none("scoring:period", *page.args)
    return {
        "period_url": period_url or records_url,
        "periods_url": _url_or_none("scoring:periods") if period_url else None,
        "records_url": records_url,
    }


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- Reads (scoped to the person) -------------------------------------------------------------


def scope_departments(access, definition: StandardDef) -> QuerySet[Department]:
    """Active departments the standard scores (its ``applies_to``) that the person may see."""
    departments = access.departments().filter(is_active=True)
    if definition.applies_to is not None:
        departments = departments.filter(category__in=definition.applies_to)
    return departments.order_by("path")


def scope_staff(access) -> QuerySet[Staff]:
    return access.staff().filter(status=StaffStatus.ACTIVE)


def _visible(records: QuerySet[Record], access, *, is_department: bool) -> QuerySet[Record]:
    if access.sees_whole_hospital:
        return records
    if is_department:
        return records.filter(department__in=access.departments())
    return records.filter(staff__in=access.staff())


def period_records(*, access, page: PeriodPage) -> QuerySet[Record]:
    """Findings, bonuses and vetoes dated in the period and manual scores for it, that the person may see."""
    dated = Q(kind__in=DATED, date__gte=page.period.start, date__lt=page.period.end)
    records = Record.objects.filter(standard=page.standard).filter(
        dated | Q(kind=RecordKind.MANUAL, period_key=page.period.key)
    )
    return _visible(records, access, is_department=page.is_department)


def period_corrections(*, access, page: PeriodPage) -> list[Record]:
    """The corrections of a finalized period that the person may see, oldest first."""
    if page.scoring_period is None:
        return []
    records = Record.objects.filter(kind=RecordKind.CORRECTION, corrects=page.scoring_period)
    records = _visible(records, access, is_department=page.is_department)
    rows = list(records.select_related(*RECORD_RELATED).order_by("created_at", "pk"))
    return _decorate(rows, page.catalogue, access)


def _filtered(records: QuerySet[Record], filters: dict, page: PeriodPage) -> QuerySet[Record]:
    if kind := filters.get("kind"):
        records = records.filter(kind=kind)
    if department := filters.get("department"):
        if page.is_department:
            records = records.filter(department=department)
        else:
            records = records.filter(staff__department__path__startswith=department.path)
    if q := filters.get("q"):
        match = Q(note__icontains=q) | Q(code__iexact=q) | Q(reason__icontains=q)
        if page.is_department:
            match |= Q(department__name__icontains=q) | Q(department__code__iexact=q)
        else:
            match |= Q(staff__name__icontains=q) | Q(staff__staff_no__iexact=q)
        match |= Q(entered_by__username__iexact=q) | Q(entered_by__staff__name__icontains=q)
        records = records.filter(match)
    return records


def _decorate(records: list[Record], catalogue: dict[str, CodeInfo], access) -> list[Record]:
    """Give each record what its row shows: the standard's name for its code, the evidence count
    (one query for the lot), and whether its author may be shown."""
    counts = dict(
        Evidence.objects.filter(record__in=[r.pk for r in records])
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values_list("record", "n")
    )
    for record in records:
        record.info = catalogue.get(record.code)
        record.evidence_count = counts.get(record.pk, 0)
        record.show_author = access.sees_whole_hospital or record.kind != RecordKind.MANUAL
    return records


def _status_counts(records: QuerySet[Record]) -> list[dict]:
    counts = dict(records.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return [{"value": value, "label": label, "n": counts.get(value, 0)} for value, label in RecordStatus.choices]


# --- A period's records -----------------------------------------------------------------------


def _row_context(request, record: Record, *, error: str = "", done: str = "") -> dict:
    """What one row of the record list needs when it is drawn alone (after approve / void)."""
    access = access_for(request.user)
    page = _period_page(record.standard.code, _record_period(record).key)
    _decorate([record], page.catalogue, access)
    return {
        "r": record,
        "can_decide": access.can_manage_standards,
        "locked": _is_locked(record),
        "next_url": _next_url(request, reverse("scoring:records", args=page.args)),
        "row_error": error,
        "row_done": done,
        "period": page.period,
    }


def _is_locked(record: Record) -> bool:
    """Is the period this record's changes are frozen by finalized?"""
    if record.kind == RecordKind.MANUAL:
        return services.finalized_period(standard=record.standard, period_key=record.period_key) is not None
    return services.finalized_period(standard=record.standard, day=record.date) is not None


@require("can_view_scores")
@require_GET
def records_list(request, code: str, key: str):
    """The period's records, filtered, 50 a page, with the counts per status; corrections below."""
    access = access_for(request.user)
    page = _period_page(code, key)
    departments = access.departments().filter(is_active=True).order_by("path")
    if page.is_department and page.definition.applies_to is not None:
        departments = departments.filter(category__in=page.definition.applies_to)
    form = RecordFilterForm(request.GET or None, departments=departments)
    form.fields["kind"].choices = [("", _("All kinds")), *[(k.value, k.label) for k in LISTED]]
    filters = form.filters()
    records = _filtered(period_records(access=access, page=page), filters, page)
    counts = _status_counts(records)
    if status := filters.get("status"):
        records = records.filter(status=status)
    records = records.select_related(*RECORD_RELATED).order_by(F("date").desc(nulls_last=True), "-pk")
    paginated = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _decorate(list(paginated.object_list), page.catalogue, access)
    can_enter = access.can_enter_scores and not page.finalized
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "page": paginated,
        "rows": rows,
        "counts": counts,
        "can_decide": access.can_manage_standards and not page.finalized,
        "locked": page.finalized,
        "next_url": request.get_full_path(),
        "new_links": [
            {"kind": kind, "label": label}
            for kind, label in (
                (RecordKind.FINDING, _("New finding")),
                (RecordKind.BONUS, _("New bonus")),
                (RecordKind.VETO, _("New veto")),
            )
            if can_enter and page.has(kind)
        ],
        "manual_url": (
            reverse("scoring:manual_grid", args=page.args)
            if access.can_enter_scores and page.definition.leaves(Rule.MANUAL)
            else None
        ),
        "correction_url": (
            reverse("scoring:correction_new", args=page.args)
            if page.finalized and access.can_manage_standards
            else None
        ),
        "corrections": period_corrections(access=access, page=page),
        **_page_links(access, page),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "scoring/records_table.html" if partial else "scoring/records_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _decided(request, record: Record, *, error=None, done: str = ""):
    """After approve / void: the redrawn row for HTMX, else a message and back to the list."""
    if request.htmx:
        fresh = _record_for_user(request.user, record.pk)
        text = " ".join(error.messages) if error is not None else ""
        return render(request, "scoring/record_row.html", _row_context(request, fresh, error=text, done=done))
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(_next_url(request, reverse("scoring:record_detail", args=[record.pk])))


@require("can_manage_standards")
@require_POST
def record_approve(request, pk: int):
    """pending → counts."""
    record = _record_for_user(request.user, pk)
    try:
        services.record_approve(record=record, by=request.user)
    except services.ScoringError as error:
        return _decided(request, record, error=error)
    return _decided(request, record, done=_("The record has been approved and now counts."))


@require("can_manage_standards")
@require_POST
def record_void(request, pk: int):
    """pending / counts → voided, with a reason."""
    record = _record_for_user(request.user, pk)
    form = VoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.record_void(record=record, by=request.user, reason=reason)
    except services.ScoringError as error:
        return _decided(request, record, error=error)
    return _decided(request, record, done=_("The record has been voided; it no longer counts."))


# --- Entering records -------------------------------------------------------------------------


@require("can_enter_scores")
@require_GET
def staff_options(request, code: str, key: str):
    """Staff in post matching what was typed, as ``<option>``s for a staff number box."""
    access = access_for(request.user)
    _period_page(code, key)
    q = next((request.GET.get(name, "").strip() for name in ("q", "subject", "assessor") if request.GET.get(name)), "")
    staff = list(staff_search(access=access, q=q)[:STAFF_OPTIONS]) if q else []
    return render(request, "scoring/records_staff_options.html", {"staff": staff})


def _kind_titles() -> dict[str, str]:
    return {
        RecordKind.FINDING: _("New finding"),
        RecordKind.BONUS: _("New bonus"),
        RecordKind.VETO: _("New veto"),
    }


@require("can_enter_scores")
@require_http_methods(["GET", "POST"])
def record_new(request, code: str, key: str):
    """Enter a finding, bonus or veto (?kind=) dated in the period, with evidence."""
    access = access_for(request.user)
    page = _period_page(code, key)
    kind = request.GET.get("kind") or RecordKind.FINDING
    if kind not in DATED or not page.has(kind):
        raise Http404
    if page.finalized:
        messages.warning(request, _("This period has been finalized; its records can no longer be changed."))
        return redirect("scoring:records", *page.args)
    today = services.records.today()
    form = RecordForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
        catalogue=page.catalogue,
        period=page.period,
        departments=scope_departments(access, page.definition) if page.is_department else None,
        staff=scope_staff(access),
        search_url=reverse("scoring:records_staff_options", args=page.args),
        initial={"date": today if page.period.contains(today) else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create(
                standard=page.standard,
                kind=kind,
                subject=data["subject"],
                code=data["code"],
                date=data["date"],
                count=data["count"] or 1,
                note=data["note"],
                assessor=data["assessor"],
                by=request.user,
                status=data["status"],
                evidence=data["evidence"],
            )
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The record %(code)s for %(subject)s has been saved.")
                % {"code": record.code, "subject": record.subject.name},
            )
            if request.POST.get("another"):
                return redirect(f"{reverse('scoring:record_new', args=page.args)}?kind={kind}")
            return redirect("scoring:records", *page.args)
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "kind": kind,
        "title": _kind_titles()[kind],
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        **_page_links(access, page),
    }
    return render(request, "scoring/record_form.html", context, status=400 if form.errors else 200)


# --- One record -------------------------------------------------------------------------------


def _history(access, record: Record) -> list:
    if not access.can_view_audit:
        return []
    entries = AuditEntry.objects.filter(target_type="scoring.record", target_id=str(record.pk)).order_by("at", "id")
    return [(entry, describe(entry), format_details(entry.data)) for entry in entries]


@require("can_view_scores")
@require_http_methods(["GET", "POST"])
def record_detail(request, pk: int):
    """One record: what it says, its evidence (with upload), its history; the editors change its
    date, count and note here (with the version they saw)."""
    access = access_for(request.user)
    record = _record_for_user(request.user, pk)
    if request.method == "POST" and not access.can_enter_scores:
        raise PermissionDenied
    period = _record_period(record)
    page = _period_page(record.standard.code, period.key)
    locked = _is_locked(record)
    open_record = not locked and record.status != RecordStatus.VOIDED
    editable = access.can_enter_scores and open_record and record.kind != RecordKind.CORRECTION
    form = None
    if editable:
        form = RecordEditForm(
            request.POST if request.method == "POST" else None,
            record=record,
            period=None if record.kind == RecordKind.MANUAL else period,
        )
    elif request.method == "POST":
        messages.error(request, _("This record can no longer be changed."))
        return redirect("scoring:record_detail", pk=record.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_update(
                record=record,
                by=request.user,
                expected_version=data["version"],
                note=data["note"],
                count=data.get("count"),
                date=data.get("date"),
            )
        except services.RecordConflict:
            form.mark_conflict(Record.objects.get(pk=record.pk))
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The record has been saved."))
            return redirect("scoring:record_detail", pk=record.pk)
    _decorate([record], page.catalogue, access)
    context = {
        "record": record,
        "page_info": page,
        "standard": page.standard,
        "period": period,
        "form": form,
        "locked": locked,
        "evidence": list(record.evidence.select_related("uploaded_by", "uploaded_by__staff")),
        "evidence_form": EvidenceForm() if access.can_enter_scores and open_record else None,
        "can_decide": access.can_manage_standards and open_record,
        "history": _history(access, record),
        "next_url": request.get_full_path(),
        **_page_links(access, page),
    }
    return render(request, "scoring/record_detail.html", context, status=400 if form and form.errors else 200)


@require("can_enter_scores")
@require_POST
def evidence_upload(request, pk: int):
    """Attach files to a record, then back to it."""
    record = _record_for_user(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        try:
            stored = services.evidence_add(record=record, files=form.cleaned_data["files"], by=request.user)
        except services.ScoringError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            count = len(stored)
            messages.success(
                request,
                ngettext("%(count)d file has been attached.", "%(count)d files have been attached.", count)
                % {"count": count},
            )
    return redirect("scoring:record_detail", pk=record.pk)


@require("can_view_scores")
@require_GET
def evidence_file(request, pk: int):
    """An evidence file, to people who may see its record's subject: images shown, others downloaded."""
    evidence = Evidence.objects.select_related("record__department", "record__staff__department").filter(pk=pk).first()
    if evidence is None or not _may_see_record(access_for(request.user), evidence.record):
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


# --- The manual score grid --------------------------------------------------------------------


@dataclass
class GridCell:
    subject_pk: int
    item_code: str
    points: str
    value: str = ""
    seen: str = ""
    mean: str = ""
    raters: int = 0
    others: int = 0
    error: str = ""
    stored: str | None = None

    @property
    def name(self) -> str:
        return f"v-{self.subject_pk}-{self.item_code}"

    @property
    def seen_name(self) -> str:
        return f"s-{self.subject_pk}-{self.item_code}"


@dataclass
class GridRow:
    pk: int
    code: str
    name: str
    group: str
    cells: list[GridCell] = field(default_factory=list)


def _grid_subjects(access, page: PeriodPage, department: Department | None) -> list[tuple[int, str, str, str]]:
    """(pk, code, name, group) of the grid's rows: the departments in scope grouped by category,
    or the staff in post of one department (and those under it) for a staff standard."""
    if page.is_department:
        labels = dict(DepartmentCategory.choices)
        rows = scope_departments(access, page.definition).values_list("pk", "code", "name", "category")
        ordered = sorted(rows, key=lambda row: (CATEGORY_ORDER.get(row[3], 99), row[1]))
        return [(pk, code, name, str(labels.get(category, category))) for pk, code, name, category in ordered]
    if department is None:
        return []
    staff = (
        scope_staff(access)
        .filter(department__path__startswith=department.path)
        .order_by("department__path", "staff_no")
    )
    return list(staff.values_list("pk", "staff_no", "name", "department__name"))


def _seen_text(token) -> str:
    return f"{token[0]}:{token[1]}" if token else ""


def _parse_seen(text: str):
    try:
        pk, version = (int(part) for part in text.split(":"))
    except ValueError:
        return None
    return (pk, version)


def _read_grid(post, subjects, items):
    """What was typed: {cell: text}, {cell: Decimal | None}, {cell: seen token}, {cell: error}."""
    typed, values, seen, errors = {}, {}, {}, {}
    for pk, code, name, _group in subjects:
        for item in items:
            cell = (pk, item.code)
            key = f"v-{pk}-{item.code}"
            if key not in post:
                continue
            text = post.get(key, "").strip()
            typed[cell] = text
            seen[cell] = _parse_seen(post.get(f"s-{pk}-{item.code}", ""))
            if not text:
                values[cell] = None
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                errors[cell] = _("%(subject)s, %(item)s: enter a number.") % {
                    "subject": f"{name}（{code}）",
                    "item": f"{item.code} {item.name}",
                }
                continue
            values[cell] = number
    return typed, values, seen, errors


def _grid_stats(page: PeriodPage, user, subject_pks: list[int]) -> dict:
    """Per cell: the mean of the values that count, how many there are, and how many are the person's."""
    field_name = "department_id" if page.is_department else "staff_id"
    records = Record.objects.filter(
        standard=page.standard, kind=RecordKind.MANUAL, period_key=page.period.key, status=RecordStatus.COUNTS
    )
    if not page.is_department:
        records = records.filter(staff_id__in=subject_pks)
    rows = (
        records.order_by()
        .values(field_name, "code")
        .annotate(mean=Avg("value"), n=Count("pk"), mine=Count("pk", filter=Q(entered_by=user)))
    )
    return {(row[field_name], row["code"]): row for row in rows}


@require("can_enter_scores")
@require_http_methods(["GET", "POST"])
def manual_grid(request, code: str, key: str):
    """The manual scores of a period: departments (or one department's staff) × the items scored by
    hand; each cell is the person's own score, with everyone's mean beneath. All or nothing."""
    access = access_for(request.user)
    page = _period_page(code, key)
    items = page.definition.leaves(Rule.MANUAL)
    department = None
    departments = None
    if not page.is_department:
        departments = access.departments().filter(is_active=True).order_by("path")
        chosen = request.GET.get("department") or ""
        department = departments.filter(code=chosen).first() if chosen else None
    subjects = _grid_subjects(access, page, department) if items else []
    own = own_manual_values(standard=page.standard, period_key=page.period.key, user=request.user)
    typed, posted_seen, errors, conflicts = None, {}, {}, set()
    if request.method == "POST":
        if page.finalized:
            messages.error(request, _("This period has been finalized; its records can no longer be changed."))
            return redirect(request.get_full_path())
        typed, values, posted_seen, errors = _read_grid(request.POST, subjects, items)
        if not errors:
            try:
                summary = services.manual_scores_save(
                    standard=page.standard,
                    period_key=page.period.key,
                    values=values,
                    by=request.user,
                    seen_versions=posted_seen,
                )
            except services.ManualScoresInvalid as error:
                errors = error.cells
            except services.ManualScoresConflict as error:
                conflicts = set(error.cells)
                own = own_manual_values(standard=page.standard, period_key=page.period.key, user=request.user)
                messages.error(request, error.messages[0])
            except services.ScoringError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                if summary.total:
                    messages.success(
                        request,
                        _("Your scores have been saved: %(created)d new, %(changed)d changed, %(cleared)d cleared.")
                        % {"created": summary.created, "changed": summary.changed, "cleared": summary.cleared},
                    )
                else:
                    messages.info(request, _("Nothing had changed, so nothing was saved."))
                return redirect(request.get_full_path())
        if errors:
            messages.error(
                request,
                ngettext(
                    "Nothing was saved: %(count)d score needs correcting; it is marked in red.",
                    "Nothing was saved: %(count)d scores need correcting; they are marked in red.",
                    len(errors),
                )
                % {"count": len(errors)},
            )
    stats = _grid_stats(page, request.user, [s[0] for s in subjects])
    rows = []
    for pk, subject_code, name, group in subjects:
        row = GridRow(pk, subject_code, name, group)
        for item in items:
            cell_key = (pk, item.code)
            mine = own.get(cell_key)
            cell = GridCell(pk, item.code, format_points(item.points))
            if typed is not None and cell_key in typed:
                cell.value = typed[cell_key]
            elif mine is not None:
                cell.value = format_points(mine.value)
            # After a conflict the form carries the versions now stored, so saving again replaces them.
            if typed is None or conflicts or cell_key not in posted_seen:
                cell.seen = _seen_text(seen_token(mine))
            else:
                cell.seen = _seen_text(posted_seen[cell_key])
            if cell_key in conflicts:
                cell.stored = format_points(mine.value) if mine is not None else "—"
            cell.error = errors.get(cell_key, "")
            stat = stats.get(cell_key)
            if stat:
                cell.raters = stat["n"]
                cell.others = stat["n"] - stat["mine"]
                cell.mean = format_points(round_half_up(Decimal(stat["mean"])))
            row.cells.append(cell)
        rows.append(row)
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "items": [{"code": i.code, "name": i.name, "points": format_points(i.points)} for i in items],
        "rows": rows,
        "departments": departments,
        "department": department,
        "locked": page.finalized,
        "has_errors": bool(errors),
        **_page_links(access, page),
    }
    status = 400 if errors else (409 if conflicts else 200)
    return render(request, "scoring/manual_grid.html", context, status=status)


# --- Corrections ------------------------------------------------------------------------------


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def correction_new(request, code: str, key: str):
    """A correction of a subject's total in a finalized period, with reason and evidence."""
    access = access_for(request.user)
    page = _period_page(code, key)
    if not page.finalized:
        messages.warning(
            request,
            _("Only a finalized period can be corrected; until then, change its records and compute it again."),
        )
        return redirect("scoring:records", *page.args)
    results = page.scoring_period.results
    totals = None
    if page.is_department:
        departments = access.departments().filter(pk__in=results.values("department_id")).order_by("path")
        totals = dict(results.values_list("department_id", "total"))
        staff = None
    else:
        departments = None
        staff = access.staff().filter(pk__in=results.values("staff_id"))
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        definition=page.definition,
        departments=departments,
        staff=staff,
        totals=totals,
        search_url=reverse("scoring:records_staff_options", args=page.args),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_create(
                scoring_period=page.scoring_period,
                subject=data["subject"],
                code=data["code"],
                value=data["value"],
                reason=data["reason"],
                by=request.user,
                evidence=data["evidence"],
            )
        except services.ScoringError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The correction has been saved. It will be published with the next bulletin; "
                    "the results stay as finalized."
                ),
            )
            return redirect(f"{reverse('scoring:records', args=page.args)}#corrections")
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "form": form,
        "files_lost": request.method == "POST" and bool(request.FILES) and bool(form.errors),
        **_page_links(access, page),
    }
    return render(request, "scoring/correction_form.html", context, status=400 if form.errors else 200)
