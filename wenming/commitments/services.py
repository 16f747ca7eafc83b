"""Writes of commitments: the templates, a year's commitments of departments and people, and the
public pages' settings. The quarterly reviews are in :mod:`wenming.commitments.reviews`.

Who may do what is in :mod:`wenming.commitments.permissions`: the office everything, a department
head for the departments they head and their people. Every write runs in one transaction, checks
``expected_version`` where a person edited a row, bumps it, writes one audit entry and, once
committed, lets the public pages show the change (:func:`public_changed`).

Applying the templates (:func:`commitments_apply`) is idempotent: a department or person that
already has a year's commitment made from a template does not get it again (a partial unique
constraint guards the same under concurrency). A template-made commitment that was removed comes
back when the templates are applied again; an edited one keeps its edited text.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot
from wenming.feedback.selectors import public_url
from wenming.feedback.services import rating_codes_ensure
from wenming.org.access import access_for
from wenming.org.models import Department, Staff, StaffStatus
from wenming.org.selectors import current_hospital

from . import pdf, permissions
from .models import (
    MAX_TEXT,
    AppliesTo,
    Commitment,
    CommitmentTemplate,
    DepartmentPage,
    Kind,
    PublicSettings,
)
from .selectors import people_to_print

MIN_YEAR, MAX_YEAR = 2000, 2100
PUBLIC_STAMP_KEY = "commitments:public:stamp"
SETTINGS_CACHE_KEY = "commitments:public:settings"


class CommitmentError(ValidationError):
    """Something a person can fix (a translated message, or messages keyed by field)."""


class CommitmentConflict(CommitmentError):
    """The row was changed by someone else after the page was shown."""


class CommitmentNotAllowed(CommitmentError):
    """The person may not do this (views answer 403/404 before it comes to this)."""


# --- Helpers --------------------------------------------------------------------------------------


def _bump() -> None:
    cache.set(PUBLIC_STAMP_KEY, uuid.uuid4().hex[:12], None)
    cache.delete(SETTINGS_CACHE_KEY)


def public_changed() -> None:
    """The public pages are computed afresh: a new stamp in their cache keys and the settings'
    cached copy dropped — now, and again once the transaction commits (a page read in between,
    from the data before the change, is not kept)."""
    _bump()
    transaction.on_commit(_bump)


def _ensure_office(by) -> None:
    if not permissions.is_office(access_for(by)):
        raise CommitmentNotAllowed(_("Only the civility office can do this."))


def _ensure_may_edit(by, department: Department) -> None:
    if not permissions.may_edit_department(access_for(by), department):
        raise CommitmentNotAllowed(
            _("You may not change the commitments of %(department)s.") % {"department": department.name}
        )


def _ensure_version(row, expected_version: int) -> None:
    if row.version != expected_version:
        raise CommitmentConflict(
            _("Someone else changed this after you opened it. Nothing was saved: reload the page and try again."),
            code="conflict",
        )


def _text(value, *, field: str = "text") -> str:
    text = " ".join((value or "").split())
    if not text:
        raise CommitmentError({field: _("Enter the text.")})
    if len(text) > MAX_TEXT:
        raise CommitmentError({field: _("Keep the text under %(max)d characters.") % {"max": MAX_TEXT}})
    return text


def check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise CommitmentError({"year": _("Enter a year such as 2026.")}) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CommitmentError({"year": _("Enter a year such as 2026.")})
    return year


def _user(by):
    return by if getattr(by, "pk", None) else None


# --- Templates ------------------------------------------------------------------------------------

TEMPLATE_FIELDS = ["kind", "text", "applies_to", "sort_order", "is_active"]


def _template_values(*, kind: str, text: str, applies_to: str, sort_order: int, is_active: bool) -> dict:
    if kind not in Kind.values:
        raise CommitmentError({"kind": _("Choose a kind.")})
    if applies_to not in AppliesTo.values:
        raise CommitmentError({"applies_to": _("Choose whom the template is for.")})
    if kind == Kind.STANDARD:
        applies_to = AppliesTo.DEPARTMENTS  # a service standard is a department's
    return {
        "kind": kind,
        "text": _text(text),
        "applies_to": applies_to,
        "sort_order": max(0, int(sort_order or 0)),
        "is_active": bool(is_active),
    }


@transaction.atomic
def template_create(
    *, by, kind: str, text: str, applies_to: str = AppliesTo.BOTH, sort_order: int = 0, is_active: bool = True
) -> CommitmentTemplate:
    _ensure_office(by)
    values = _template_values(kind=kind, text=text, applies_to=applies_to, sort_order=sort_order, is_active=is_active)
    template = CommitmentTemplate.objects.create(**values)
    audit_log(
        actor=by,
        action="commitments.template.created",
        target=template,
        target_repr=template.text[:60],
        data=snapshot(template, TEMPLATE_FIELDS),
    )
    return template


@transaction.atomic
def template_update(
    *,
    by,
    template: CommitmentTemplate,
    expected_version: int,
    kind: str,
    text: str,
    applies_to: str,
    sort_order: int,
    is_active: bool,
) -> CommitmentTemplate:
    _ensure_office(by)
    template = CommitmentTemplate.objects.select_for_update().get(pk=template.pk)
    _ensure_version(template, expected_version)
    values = _template_values(kind=kind, text=text, applies_to=applies_to, sort_order=sort_order, is_active=is_active)
    before = snapshot(template, TEMPLATE_FIELDS)
    for name, value in values.items():
        setattr(template, name, value)
    diff = changes(before, snapshot(template, TEMPLATE_FIELDS))
    if not diff:
        return template
    template.version += 1
    template.save()
    audit_log(
        actor=by,
        action="commitments.template.updated",
        target=template,
        target_repr=template.text[:60],
        data=diff,
    )
    return template


@transaction.atomic
def template_delete(*, by, template: CommitmentTemplate, expected_version: int) -> None:
    """Delete a template; the commitments made from it stay (as ordinary commitments)."""
    _ensure_office(by)
    template = CommitmentTemplate.objects.select_for_update().get(pk=template.pk)
    _ensure_version(template, expected_version)
    audit_log(
        actor=by,
        action="commitments.template.deleted",
        target=template,
        target_repr=template.text[:60],
        data=snapshot(template, TEMPLATE_FIELDS),
    )
    template.delete()


# --- A year's commitments -------------------------------------------------------------------------


def _departments_under(department: Department, include_children: bool) -> list[Department]:
    if not include_children:
        return [department]
    return list(Department.objects.filter(path__startswith=department.path, is_active=True).order_by("path"))


@transaction.atomic
def commitments_apply(*, by, department: Department, year: int, include_children: bool = False) -> dict[str, int]:
    """Give the department (and, with ``include_children``, the active departments under it) the
    year's commitments of every active template for departments, and every staff member in post
    there the templates for persons. Idempotent. Returns the counts."""
    _ensure_may_edit(by, department)
    year = check_year(year)
    if not department.is_active:
        raise CommitmentError(_("This department is no longer active."))
    departments = _departments_under(department, include_children)
    ids = [d.pk for d in departments]
    templates = list(CommitmentTemplate.objects.filter(is_active=True).order_by("kind", "sort_order", "pk"))
    for_departments = [t for t in templates if t.for_departments]
    for_persons = [t for t in templates if t.for_persons]
    people = list(
        Staff.objects.filter(department_id__in=ids, status=StaffStatus.ACTIVE)
        .order_by("staff_no")
        .values_list("pk", "department_id")
    )
    had = set(
        Commitment.objects.filter(year=year, staff__isnull=True, department_id__in=ids, template__isnull=False)
        .values_list("department_id", "template_id")
        .order_by()
    )
    had_person = set(
        Commitment.objects.filter(year=year, staff_id__in=[pk for pk, _d in people], template__isnull=False)
        .values_list("staff_id", "template_id")
        .order_by()
    )
    user = _user(by)
    creating = [
        Commitment(
            year=year,
            department_id=pk,
            kind=t.kind,
            text=t.text,
            template=t,
            sort_order=t.sort_order,
            created_by=user,
        )
        for pk in ids
        for t in for_departments
        if (pk, t.pk) not in had
    ]
    creating += [
        Commitment(
            year=year,
            department_id=department_id,
            staff_id=staff_id,
            kind=Kind.PLEDGE,
            text=t.text,
            template=t,
            sort_order=t.sort_order,
            created_by=user,
        )
        for staff_id, department_id in people
        for t in for_persons
        if (staff_id, t.pk) not in had_person
    ]
    Commitment.objects.bulk_create(creating, batch_size=1000, ignore_conflicts=True)
    counts = {
        "departments": len(ids),
        "people": len(people),
        "created": len(creating),
    }
    if creating:
        audit_log(
            actor=by,
            action="commitments.commitment.applied",
            target=department,
            target_repr=f"{department.name} {year}",
            department=department,
            data={"year": year, **counts, "include_children": include_children},
        )
        public_changed()
    return counts


@transaction.atomic
def commitment_add(
    *, by, year: int, department: Department, kind: str = Kind.PLEDGE, text: str, staff: Staff | None = None
) -> Commitment:
    """One commitment of a department (``staff`` None) or of a person of the department."""
    year = check_year(year)
    if staff is not None:
        department = staff.department
        if staff.status != StaffStatus.ACTIVE:
            raise CommitmentError({"staff": _("This person is no longer in post.")})
        kind = Kind.PLEDGE
    _ensure_may_edit(by, department)
    if kind not in Kind.values:
        raise CommitmentError({"kind": _("Choose a kind.")})
    text = _text(text)
    siblings = Commitment.objects.filter(year=year, department=department, staff=staff, kind=kind)
    last = siblings.aggregate(last=Max("sort_order"))["last"] or 0
    commitment = Commitment.objects.create(
        year=year,
        department=department,
        staff=staff,
        kind=kind,
        text=text,
        sort_order=last + 10,
        created_by=_user(by),
    )
    audit_log(
        actor=by,
        action="commitments.commitment.added",
        target=commitment,
        target_repr=_label(commitment),
        department=department,
        data=snapshot(commitment, ["year", "kind", "text", "staff"]),
    )
    public_changed()
    return commitment


def _label(commitment: Commitment) -> str:
    who = commitment.staff.name if commitment.staff_id else commitment.department.name
    return f"{who} {commitment.year}: {commitment.text[:40]}"


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",)).select_related("department", "staff").get(pk=commitment.pk)
    )


@transaction.atomic
def commitment_update(
    *, by, commitment: Commitment, expected_version: int, text: str, sort_order: int | None = None
) -> Commitment:
    commitment = _locked(commitment)
    _ensure_may_edit(by, permissions.responsible_department(commitment))
    _ensure_version(commitment, expected_version)
    before = snapshot(commitment, ["text", "sort_order"])
    commitment.text = _text(text)
    if sort_order is not None:
        commitment.sort_order = max(0, int(sort_order))
    diff = changes(before, snapshot(commitment, ["text", "sort_order"]))
    if not diff:
        return commitment
    commitment.version += 1
    commitment.save()
    audit_log(
        actor=by,
        action="commitments.commitment.updated",
        target=commitment,
        target_repr=_label(commitment),
        department=commitment.department,
        data=diff,
    )
    public_changed()
    return commitment


@transaction.atomic
def commitment_remove(*, by, commitment: Commitment, expected_version: int) -> None:
    commitment = _locked(commitment)
    _ensure_may_edit(by, permissions.responsible_department(commitment))
    _ensure_version(commitment, expected_version)
    audit_log(
        actor=by,
        action="commitments.commitment.removed",
        target=commitment,
        target_repr=_label(commitment),
        department=commitment.department,
        data=snapshot(commitment, ["year", "kind", "text", "staff"]),
    )
    commitment.delete()
    public_changed()


# --- The public pages -----------------------------------------------------------------------------


@transaction.atomic
def public_settings_update(
    *, by, enabled: bool, show_staff_no: bool, note: str = "", expected_version: int
) -> PublicSettings:
    """Publish or withdraw the public department pages, and say whether they show 工号."""
    _ensure_office(by)
    current = PublicSettings.objects.select_for_update().filter(pk=1).first()
    if current is None:
        current = PublicSettings(pk=1)
    _ensure_version(current, expected_version)
    note = " ".join((note or "").split())
    if len(note) > 200:
        raise CommitmentError({"note": _("Keep the text under %(max)d characters.") % {"max": 200}})
    fields = ["enabled", "show_staff_no", "note"]
    before = snapshot(current, fields)
    current.enabled, current.show_staff_no, current.note = bool(enabled), bool(show_staff_no), note
    diff = changes(before, snapshot(current, fields))
    if not diff and current.updated_at is not None:
        return current
    if current.updated_at is not None:
        current.version += 1
    current.updated_at = timezone.now()
    current.updated_by = _user(by)
    current.save()
    audit_log(
        actor=by,
        action="commitments.settings.updated",
        target=current,
        target_repr=str(_("Public commitment pages")),
        data=diff,
    )
    public_changed()
    return current


@transaction.atomic
def department_page_set(*, by, department: Department, enabled: bool) -> DepartmentPage:
    """Show or hide one department's public page (the office)."""
    _ensure_office(by)
    page, _created = DepartmentPage.objects.select_for_update().get_or_create(department=department)
    if page.enabled == bool(enabled) and not _created:
        return page
    before = page.enabled if not _created else True
    page.enabled = bool(enabled)
    page.save()
    if before != page.enabled:
        audit_log(
            actor=by,
            action="commitments.page.updated",
            target=department,
            target_repr=department.name,
            department=department,
            data={"enabled": [before, page.enabled]},
        )
        public_changed()
    return page


# --- Desk signs and service cards -----------------------------------------------------------------


def signs_document(
    *, by, department: Department, year: int, kind: str = "desk", staff_nos: list[str] | None = None
) -> tuple[bytes, int]:
    """The PDF of desk signs or service cards for the department's people in post (or those named),
    and how many it holds. People without an active rating code get one first
    (:func:`wenming.feedback.services.rating_codes_ensure`), so every QR works."""
    _ensure_may_edit(by, department)
    if not department.is_active:
        raise CommitmentError(_("This department is no longer active."))
    year = check_year(year)
    people = people_to_print(department=department, year=year, staff_nos=staff_nos)
    if any(person.rating_code is None for person in people):
        rating_codes_ensure(by=_user(by))
        people = people_to_print(department=department, year=year, staff_nos=staff_nos)
    hospital = current_hospital().name
    signs = [
        pdf.sign_for(
            person,
            hospital=hospital,
            url=public_url(person.rating_code.code) if person.rating_code else "",
            code=person.rating_code.code if person.rating_code else "",
        )
        for person in people
    ]
    kind = kind if kind in pdf.KINDS else "desk"
    title = (_("Desk signs") if kind == "desk" else _("Service cards")) + f" · {department.name} · {year}"
    return pdf.signs_pdf(signs, kind=kind, title=title), len(signs)
