"""Reads of complaints, praise and petitions, scoped to the person.

The office, system administrators and the leadership group see every case; a department head
the cases of the departments they head (and those below); nobody else any. ``case_for_user``
answers None both for "missing" and for "not yours" (the views answer 404). The list runs a fixed
number of queries however many cases there are (pinned in ``tests/test_views.py``)."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Count, Q, QuerySet, Value, When
from django.db.models import Case as When_
from django.utils.translation import gettext as _

from wenming.core.audit import describe
from wenming.core.models import AuditEntry
from wenming.org.access import access_for
from wenming.org.models import Department, mask_phone

from .models import OPEN_STATES, Case, CaseEvidence, CaseState
from .services import is_office, may_read_cases

STATE_BADGES = {
    CaseState.RECEIVED: "text-bg-warning",
    CaseState.INVESTIGATING: "text-bg-primary",
    CaseState.HANDLING: "text-bg-info",
    CaseState.REPLIED: "text-bg-secondary",
    CaseState.CLOSED: "text-bg-success",
}
KIND_BADGES = {"complaint": "text-bg-danger", "praise": "text-bg-success", "petition": "text-bg-warning"}


def _overdue(today: date) -> Q:
    return Q(state__in=OPEN_STATES, deadline__lt=today)


def _scope(access) -> Q | None:
    """None for every case; a filter for a head's departments; ``Q(pk__in=[])`` for nobody."""
    if access.is_office or access.is_system_admin or access.has("leadership"):
        return None
    if access.is_department_head:
        return access.headed("department__")
    return Q(pk__in=[])


def cases_for(*, user) -> QuerySet[Case]:
    access = access_for(user)
    flt = _scope(access) if may_read_cases(access) else Q(pk__in=[])
    qs = Case.objects.all()
    return qs if flt is None else qs.filter(flt)


def case_departments(*, user) -> QuerySet[Department]:
    """The departments of the filter's choices (and of the intake form, for the office)."""
    access = access_for(user)
    if access.is_office or access.is_system_admin or access.has("leadership"):
        return Department.objects.filter(is_active=True).order_by("path")
    if access.is_department_head:
        return Department.objects.filter(access.headed(), is_active=True).order_by("path")
    return Department.objects.none()


def case_list(
    *,
    user,
    today: date,
    kind: str = "",
    state: str = "",
    department: Department | None = None,
    overdue: bool | None = None,
    q: str = "",
) -> QuerySet[Case]:
    """The cases ``user`` may see, annotated ``is_overdue`` (still running and past its deadline),
    newest first. ``department`` takes the departments below it too; ``q`` searches the number,
    the content, the contact name and the staff member's name."""
    cases = cases_for(user=user).select_related("department", "staff")
    if kind:
        cases = cases.filter(kind=kind)
    if state:
        cases = cases.filter(state=state)
    if department is not None:
        cases = cases.filter(department__path__startswith=department.path)
    if q := (q or "").strip():
        cases = cases.filter(
            Q(number__icontains=q)
            | Q(content__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(staff__name__icontains=q)
        )
    cases = cases.annotate(
        is_overdue=When_(When(_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    if overdue is not None:
        cases = cases.filter(is_overdue=overdue)
    return cases.order_by("-received_on", "-pk")


def state_counts(cases: QuerySet[Case]) -> list[dict]:
    """``[{value, label, badge, n}]`` for every state, in the order of the workflow (one query)."""
    found = dict(cases.order_by().values_list("state").annotate(n=Count("pk")))
    return [
        {"value": value, "label": label, "badge": STATE_BADGES[value], "n": found.get(value, 0)}
        for value, label in CaseState.choices
    ]


def decorate(cases, *, today: date) -> list[Case]:
    rows = list(cases)
    for case in rows:
        case.badge = STATE_BADGES[case.state]
        case.kind_badge = KIND_BADGES[case.kind]
        if not hasattr(case, "is_overdue"):
            case.is_overdue = case.state in OPEN_STATES and case.deadline < today
        case.overdue_days = (today - case.deadline).days if case.is_overdue else 0
    return rows


def case_for_user(*, user, pk) -> Case | None:
    try:
        return (
            cases_for(user=user)
            .select_related(
                "department",
                "staff",
                "handler",
                "handler__staff",
                "feedback",
                "record",
                "record__standard",
                "item",
                "created_by",
            )
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        return None


def phone_for(*, user, case: Case) -> str:
    """The contact phone in full for the office and system administrators; masked for everyone else."""
    return case.contact_phone if is_office(user) else mask_phone(case.contact_phone)


def case_evidence(case: Case) -> list[CaseEvidence]:
    return list(case.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def evidence_for_user(*, user, pk) -> CaseEvidence | None:
    try:
        return CaseEvidence.objects.select_related("case").get(pk=pk, case__in=cases_for(user=user))
    except (CaseEvidence.DoesNotExist, ValueError, TypeError):
        return None


def _labels() -> dict[str, str]:
    return {
        "state": _("State"),
        "kind": _("Kind"),
        "source": _("Source"),
        "department": _("Department"),
        "staff": _("Staff member"),
        "contact_phone": _("Contact phone"),
        "deadline": _("Deadline"),
        "feedback": _("Patient feedback"),
        "files": _("Files"),
        "handler": _("Handler"),
        "investigation": _("Investigation findings"),
        "finding": _("Conclusion"),
        "decision": _("Handling decision"),
        "reply": _("Reply"),
        "reply_method": _("Reply given"),
        "replied_on": _("Replied on"),
        "satisfaction": _("Satisfaction"),
        "note": _("Note"),
        "reason": _("Reason"),
        "standard": _("Standard"),
        "code": _("Code"),
        "date": _("Date"),
        "count": _("Count"),
        "record": _("Scoring record"),
        "item": _("Rectification item"),
    }


def _readable(key: str, value) -> str:
    from .models import CaseKind, CaseSource, Finding, ReplyMethod, Satisfaction

    choices = {
        "state": CaseState,
        "kind": CaseKind,
        "source": CaseSource,
        "finding": Finding,
        "reply_method": ReplyMethod,
        "satisfaction": Satisfaction,
    }.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# Long texts whose old value the timeline leaves out (the new one is what matters).
_LONG = ("investigation", "decision")


def case_history(case: Case) -> list[tuple[AuditEntry, str, list[tuple[str, str]]]]:
    """The case's audit entries, oldest first: (entry, sentence, [(label, value)])."""
    entries = AuditEntry.objects.filter(target_type=case._meta.label_lower, target_id=str(case.pk)).order_by("at", "id")
    labels = _labels()
    history = []
    for entry in entries:
        details = []
        for key, value in (entry.data or {}).items():
            if value in (None, "", []):
                continue
            if isinstance(value, list) and len(value) == 2 and key not in ("files",):
                old, new = ("—" if v in (None, "") else _readable(key, v) for v in value)
                if key in _LONG:
                    if new == "—":
                        continue
                    text = new
                else:
                    text = f"{old} → {new}"
            else:
                text = _readable(key, value)
            details.append((labels.get(key, key), text))
        history.append((entry, describe(entry), details))
    return history


def register_rows(cases: QuerySet[Case]):
    """The export's rows: plain values of each case, read in chunks."""
    return cases.values_list(
        "number",
        "kind",
        "source",
        "department__name",
        "staff__name",
        "content",
        "received_on",
        "deadline",
        "state",
        "closed_on",
        "finding",
        "decision",
        "satisfaction",
    ).iterator(chunk_size=2000)
