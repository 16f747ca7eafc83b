"""Writes to the organisation. Every change goes through a function here (or the import in
``wenming.org.importing``), runs in a transaction and leaves an audit entry.

The modules: ``common`` (``KEEP``, ConcurrentEditError, the validators, the name index and the
department paths), ``hospital``, ``departments``, ``staff``, ``accounts`` (login accounts and roles)
and ``party`` (party organisations). Everything public is importable from here.

Conventions shared by the directory edits (hospital settings, departments, staff, login accounts,
party organisations):

* keyword-only; each runs in one transaction and leaves one audit entry with
  ``{field: [before, after]}`` (nothing is written and no entry is left when nothing changed);
* a broken rule raises ``django.core.exceptions.ValidationError`` keyed by field name, so a view
  can show each message beside the field it concerns;
* the ``*_update`` functions take every editable field with the default ``KEEP`` ("leave it as
  it is"), so an import or a task can change one field without restating the others;
* Hospital, Department and Staff carry a ``version``. Pass the version a form was opened with as
  ``expected_version``: the row is locked (select_for_update), compared, and if someone else
  saved in between :class:`ConcurrentEditError` is raised and nothing is written. A save that
  changes something increments the version. ``expected_version=None`` (imports, commands) skips
  the comparison but still locks the row;
* phones go into the audit log masked (138****0000): the log is append-only, so it must not
  become a second, undeletable copy of every employee's mobile number.
"""

from .accounts import ASSIGNABLE_ROLES, role_grant, role_revoke, staff_account_save
from .common import (
    CODE_RE,
    KEEP,
    PHONE_RE,
    STAFF_NO_RE,
    ConcurrentEditError,
    department_refresh_paths,
    name_index,
    validate_phone,
    validate_time_zone,
)
from .departments import DEPARTMENT_AUDIT_FIELDS, department_create, department_update
from .hospital import hospital_update
from .party import PARTY_AUDIT_FIELDS, party_org_create, party_org_update
from .staff import STAFF_AUDIT_FIELDS, staff_create, staff_mark_left, staff_reinstate, staff_update

__all__ = [
    "ASSIGNABLE_ROLES",
    "CODE_RE",
    "DEPARTMENT_AUDIT_FIELDS",
    "KEEP",
    "PARTY_AUDIT_FIELDS",
    "PHONE_RE",
    "STAFF_AUDIT_FIELDS",
    "STAFF_NO_RE",
    "ConcurrentEditError",
    "department_create",
    "department_refresh_paths",
    "department_update",
    "hospital_update",
    "name_index",
    "party_org_create",
    "party_org_update",
    "role_grant",
    "role_revoke",
    "staff_account_save",
    "staff_create",
    "staff_mark_left",
    "staff_reinstate",
    "staff_update",
    "validate_phone",
    "validate_time_zone",
]
