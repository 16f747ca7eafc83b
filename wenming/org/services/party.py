"""Party organisations (党委 → 总支/二级党委 → 支部): :func:`party_org_create` and :func:`party_org_update`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot

from ..models import PartyOrganization, PartyOrgKind, Staff, StaffStatus
from .common import CODE_RE, KEEP, _apply, _Keep, _require_text

PARTY_AUDIT_FIELDS = ["code", "name", "kind", "parent", "secretary", "sort_order"]


_PARTY_RANK = {PartyOrgKind.COMMITTEE: 0, PartyOrgKind.GENERAL_BRANCH: 1, PartyOrgKind.BRANCH: 2}


def _check_party_place(*, org: PartyOrganization | None, kind: str, parent: PartyOrganization | None) -> None:
    """党委 → 总支/二级党委 → 支部: a parent must be of a higher level than its children.
    Ranks strictly decreasing downwards also rules out cycles."""
    if kind not in PartyOrgKind.values:
        raise ValidationError({"kind": _("Choose one of the listed levels.")})
    rank = _PARTY_RANK[PartyOrgKind(kind)]
    if parent is not None and _PARTY_RANK[PartyOrgKind(parent.kind)] >= rank:
        raise ValidationError(
            {"parent": _("The parent must be of a higher level: committee, then general branch, then branch.")}
        )
    if org is not None and org.pk is not None:
        child_kinds = set(org.children.values_list("kind", flat=True))
        if any(_PARTY_RANK[PartyOrgKind(k)] <= rank for k in child_kinds):
            raise ValidationError(
                {"kind": _("Its sub-organisations would no longer be of a lower level. Change them first.")}
            )


def _check_secretary(secretary: Staff | None) -> None:
    if secretary is not None and (secretary.status != StaffStatus.ACTIVE or not secretary.is_party_member):
        raise ValidationError({"secretary": _("The secretary must be a party member in post.")})


@transaction.atomic
def party_org_create(
    *,
    by,
    code: str,
    name: str,
    kind: str,
    parent: PartyOrganization | None = None,
    secretary: Staff | None = None,
    sort_order: int = 0,
) -> PartyOrganization:
    """Add a party organisation (committee, general branch or branch) under ``parent``."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            {"code": _("Use up to 32 letters, digits, dots, hyphens or underscores for the code (no spaces or /).")}
        )
    if PartyOrganization.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A party organisation with this code already exists.")})
    name = _require_text("name", name)
    _check_party_place(org=None, kind=kind, parent=parent)
    _check_secretary(secretary)
    org = PartyOrganization.objects.create(
        code=code, name=name, kind=kind, parent=parent, secretary=secretary, sort_order=sort_order
    )
    audit_log(actor=by, action="org.party.created", target=org, data=changes({}, snapshot(org, PARTY_AUDIT_FIELDS)))
    return org


@transaction.atomic
def party_org_update(
    *,
    by,
    org: PartyOrganization,
    name: str | _Keep = KEEP,
    kind: str | _Keep = KEEP,
    parent: PartyOrganization | _Keep | None = KEEP,
    secretary: Staff | _Keep | None = KEEP,
    sort_order: int | _Keep = KEEP,
) -> PartyOrganization:
    """Change a party organisation (its code never changes). Party organisations have no version:
    their page is edited by one or two people in the office, so the last save wins."""
    current = PartyOrganization.objects.select_for_update().get(pk=org.pk)
    before = snapshot(current, PARTY_AUDIT_FIELDS)
    if name is not KEEP:
        name = _require_text("name", name)
    new_kind = current.kind if kind is KEEP else kind
    new_parent = current.parent if parent is KEEP else parent
    if new_parent is not None and new_parent.pk == current.pk:
        raise ValidationError({"parent": _("An organisation cannot be its own parent.")})
    _check_party_place(org=current, kind=new_kind, parent=new_parent)
    if secretary is not KEEP:
        _check_secretary(secretary)
    changed = _apply(
        current, {"name": name, "kind": kind, "parent": parent, "secretary": secretary, "sort_order": sort_order}
    )
    if changed:
        current.save()
        audit_log(
            actor=by,
            action="org.party.updated",
            target=current,
            data=changes(before, snapshot(current, PARTY_AUDIT_FIELDS)),
        )
    return current
