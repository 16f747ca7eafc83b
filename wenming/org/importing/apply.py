"""Writing a valid plan: :func:`org_import_apply` refuses a plan that other edits have overtaken, then
creates and updates in bulk, all in one transaction, keeping name indexes and department paths in
step, and leaves an audit entry per created or changed object and one for the whole import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from wenming.core.audit import audit_entry, audit_log_many
from wenming.core.audit import changes as changed_fields
from wenming.core.tabular import Problem

from ..models import Department, OrgImport, Staff, StaffStatus, mask_phone
from ..services import department_refresh_paths, name_index
from .plan import ImportPlan, OrgImportError, _json_value
from .rows import Change

BATCH = 1000


Progress = Callable[[int, int], None]


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_not_stale(plan: ImportPlan) -> None:
    """Refuse (OrgImportError) when a row the plan changes was changed after it was planned, or a
    row it creates has appeared meanwhile. Locks the rows it will change (PostgreSQL)."""
    stale = OrgImportError(
        [
            Problem(
                _(
                    "Departments or staff were changed by someone else while this import was being prepared; "
                    "nothing was imported. Please check the files again."
                )
            )
        ]
    )
    for model, changed, created, key in (
        (Department, plan.departments_update, plan.departments_create, "code"),
        (Staff, plan.staff_update + plan.staff_leave, plan.staff_create, "staff_no"),
    ):
        expected = {item.existing.pk: item.existing.version for item in changed}
        for ids in _chunks(list(expected)):
            current = dict(model.objects.select_for_update().filter(pk__in=ids).values_list("pk", "version"))
            if any(current.get(pk) != expected[pk] for pk in ids):
                raise stale
        for keys in _chunks([getattr(item, key) for item in created]):
            if model.objects.filter(**{f"{key}__in": keys}).exists():
                raise stale


def _apply_changes(obj, changes: Iterable[Change], resolve: dict[str, Callable[[Any], Any]]) -> set[str]:
    """Set the changed fields on ``obj`` (``resolve`` turns codes into ids); returns the field names."""
    fields = {"version"}
    for change in changes:
        if change.field in resolve:
            setattr(obj, f"{change.field}_id", resolve[change.field](change.new))
        else:
            setattr(obj, change.field, change.new)
        fields.add(change.field)
        if change.field == "name" and isinstance(obj, Staff):
            obj.name_initials, obj.name_pinyin = name_index(change.new)
            fields |= {"name_initials", "name_pinyin"}
    obj.version += 1
    return fields


def _audit_changes(items: Iterable[Change], names: dict[str, str]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` as the directory services write it: departments by name, phones masked."""

    def plain(change: Change, value: Any) -> Any:
        if change.field in {"parent", "department"}:
            return names.get(value) if value else None
        return _json_value(change.field, value)

    return {c.field: [plain(c, c.old), plain(c, c.new)] for c in items}


def org_import_apply(
    *, plan: ImportPlan, by, progress: Progress | None = None, source: OrgImport | None = None
) -> dict[str, Any]:
    """Write a valid plan, all of it in one transaction or nothing (OrgImportError, or the database's
    error, is raised and nothing is kept). Returns the summary: counts and the one-line text.

    Creates and updates in bulk; keeps staff name indexes and department paths in step; writes one
    audit entry per created or changed object (with before/after of the changed fields) and one
    for the whole import (its target is ``source`` when given), by ``by`` (a user, or None for the
    system). Calls ``progress(done, total)`` as rows are written. A plan without changes writes
    nothing at all, not even an audit entry."""
    if not plan.is_valid:
        raise OrgImportError(plan.problems)
    summary = plan.summary()
    if not plan.has_changes:
        return summary
    total, done = plan.change_count, 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(min(done, total), total)

    with transaction.atomic():
        _check_not_stale(plan)
        # Departments: create, then set parents (they may be new too), then update.
        new_departments = [Department(code=i.code, name=i.name, category=i.category) for i in plan.departments_create]
        Department.objects.bulk_create(new_departments, batch_size=BATCH)
        dept_ids = dict(Department.objects.values_list("code", "pk"))
        for dept, item in zip(new_departments, plan.departments_create, strict=True):
            dept.pk, dept.parent_id = dept_ids[dept.code], dept_ids[item.parent] if item.parent else None
        Department.objects.bulk_update([d for d in new_departments if d.parent_id], ["parent"], batch_size=BATCH)
        report(len(new_departments))
        resolve = {"parent": lambda code: dept_ids[code] if code else None, "department": dept_ids.__getitem__}
        fields: set[str] = set()
        for item in plan.departments_update:
            fields |= _apply_changes(item.existing, item.changes, resolve)
        if plan.departments_update:
            Department.objects.bulk_update(
                [i.existing for i in plan.departments_update], sorted(fields), batch_size=BATCH
            )
            report(len(plan.departments_update))
        if new_departments or any(c.field == "parent" for i in plan.departments_update for c in i.changes):
            department_refresh_paths()

        # Staff: create, update, mark as left.
        new_staff = []
        for batch in _chunks(plan.staff_create):
            objs = [
                Staff(
                    staff_no=i.staff_no,
                    name=i.name,
                    department_id=dept_ids[i.department],
                    title=i.title or "",
                    post=i.post or "",
                    is_party_member=bool(i.is_party_member),
                    phone=i.phone or "",
                    status=StaffStatus.ACTIVE,
                )
                for i in batch
            ]
            for person in objs:
                person.name_initials, person.name_pinyin = name_index(person.name)
            new_staff += Staff.objects.bulk_create(objs)
            report(len(objs))
        if any(person.pk is None for person in new_staff):  # a database that cannot return ids from bulk inserts
            ids = dict(Staff.objects.filter(staff_no__in=[p.staff_no for p in new_staff]).values_list("staff_no", "pk"))
            for person in new_staff:
                person.pk = ids[person.staff_no]
        fields = set()
        for item in plan.staff_update:
            fields |= _apply_changes(item.existing, item.changes, resolve)
        for batch in _chunks([i.existing for i in plan.staff_update], 500):
            Staff.objects.bulk_update(batch, sorted(fields))
            report(len(batch))
        for batch in _chunks([i.existing.pk for i in plan.staff_leave]):
            Staff.objects.filter(pk__in=batch).update(
                status=StaffStatus.LEFT, left_on=plan.today, version=F("version") + 1
            )
            report(len(batch))

        # As services.staff_mark_left does: a person who left cannot log in any more.
        accounts = [i.existing.user_id for i in plan.staff_leave if any(c.field == "account_active" for c in i.changes)]
        for batch in _chunks(accounts):
            get_user_model().objects.filter(pk__in=batch).update(is_active=False)

        # Audit: one entry per object (shaped as the directory services shape theirs), then one for the import.
        names = plan.department_names
        entries = []
        for dept, item in zip(new_departments, plan.departments_create, strict=True):
            after = {
                "code": dept.code,
                "name": dept.name,
                "parent": names.get(item.parent or ""),
                "category": dept.category,
            }
            data = changed_fields({}, {**after, "is_active": True, "sort_order": 0})
            entries.append(audit_entry(actor=by, action="org.department.created", target=dept, data=data))
            entries[-1].department_id = dept.pk
        for person, item in zip(new_staff, plan.staff_create, strict=True):
            after = {
                "staff_no": person.staff_no,
                "name": person.name,
                "gender": "",
                "department": names.get(item.department),
                "title": person.title,
                "post": person.post,
                "is_party_member": person.is_party_member,
                "phone": mask_phone(person.phone),
                "status": StaffStatus.ACTIVE.value,
            }
            entries.append(
                audit_entry(actor=by, action="org.staff.created", target=person, data=changed_fields({}, after))
            )
            entries[-1].department_id = person.department_id
        for action, items in (
            ("org.department.updated", plan.departments_update),
            ("org.staff.updated", plan.staff_update),
            ("org.staff.left", plan.staff_leave),
        ):
            for item in items:
                data = _audit_changes(item.changes, names)
                entries.append(audit_entry(actor=by, action=action, target=item.existing, data=data))
                entries[-1].department_id = getattr(item.existing, "department_id", item.existing.pk)
        files = " · ".join(name for name in (plan.departments_file, plan.staff_file) if name)
        entries.append(
            audit_entry(
                actor=by,
                action="org.import.completed",
                target=source,
                target_repr=files,
                data={**plan.counts(), "files": files},
            )
        )
        audit_log_many(entries)
        report(0)
    return summary
