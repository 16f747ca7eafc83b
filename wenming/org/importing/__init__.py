"""Importing the organisation (departments and staff) from the hospital's own files.

Two steps, so nothing is written until everything has been checked:

- :func:`org_import_plan` checks every row of the tables against each other and the database and
  returns an :class:`ImportPlan`: every problem found (with its line), or else exactly what would
  change (departments and staff to create, update or leave alone, and staff to mark as left).
- :func:`org_import_apply` writes a valid plan in one transaction, in bulk, with audit entries.

The command ``import_org``, the web upload (:func:`org_import_upload` → :func:`org_import_confirm`)
and the Celery task (:func:`org_import_run`) all go through these two. The file format is
"Organisation: import_org" in shared/spec/interchange.md.

The modules: ``columns`` (the file format), ``rows`` (what a row becomes, and the row checks),
``plan`` (reading the files and working out the plan), ``apply`` (writing it) and ``web`` (the
upload → preview → confirm → run flow). Everything public is importable from here.
"""

from .apply import BATCH, Progress, org_import_apply
from .columns import (
    CATEGORY_CHOICES_TEXT,
    CATEGORY_WORDS,
    DEPARTMENT_COLUMNS,
    DEPARTMENT_NAME_MAX,
    PARTY_CHOICES_TEXT,
    PARTY_WORDS,
    PATH_MAX,
    STAFF_COLUMNS,
    STAFF_NAME_MAX,
    TEXT_MAX,
    column_help,
    normalise_mobile,
)
from .plan import (
    PREVIEW_LIMIT,
    ImportPlan,
    OrgImportError,
    Source,
    org_import_plan,
    org_import_plan_files,
    org_import_read,
    summary_text,
)
from .rows import Change, DepartmentItem, StaffItem
from .web import (
    CANCELLABLE,
    OrgImportStateError,
    org_import_cancel,
    org_import_confirm,
    org_import_plan_for,
    org_import_progress,
    org_import_run,
    org_import_upload,
    preview_for_display,
)

__all__ = [
    "BATCH",
    "CANCELLABLE",
    "CATEGORY_CHOICES_TEXT",
    "CATEGORY_WORDS",
    "DEPARTMENT_COLUMNS",
    "DEPARTMENT_NAME_MAX",
    "PARTY_CHOICES_TEXT",
    "PARTY_WORDS",
    "PATH_MAX",
    "PREVIEW_LIMIT",
    "STAFF_COLUMNS",
    "STAFF_NAME_MAX",
    "TEXT_MAX",
    "Change",
    "DepartmentItem",
    "ImportPlan",
    "OrgImportError",
    "OrgImportStateError",
    "Progress",
    "Source",
    "StaffItem",
    "column_help",
    "normalise_mobile",
    "org_import_apply",
    "org_import_cancel",
    "org_import_confirm",
    "org_import_plan",
    "org_import_plan_files",
    "org_import_plan_for",
    "org_import_progress",
    "org_import_read",
    "org_import_run",
    "org_import_upload",
    "preview_for_display",
    "summary_text",
]
