"""The file format of the organisation import: the columns of the departments and staff tables
(the spec's headers first, then the other spellings accepted), the words the category and party
member columns accept, the length limits, mobile numbers as stored, and :func:`column_help`, the
description of the columns shown on the upload page."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from wenming.core.tabular import Column

from ..models import Department, DepartmentCategory, Staff

#: Columns of the departments table; the first Chinese and English headers are the spec's.
DEPARTMENT_COLUMNS: tuple[Column, ...] = (
    Column("code", ("code", "科室编码", "department_code", "科室代码"), required=True),
    Column("name", ("name", "科室名称", "department_name"), required=True),
    Column("parent", ("parent", "上级编码", "parent_code", "上级科室编码")),
    Column("category", ("category", "类别", "科室类别")),
)
#: Columns of the staff table.
STAFF_COLUMNS: tuple[Column, ...] = (
    Column("staff_no", ("staff_no", "工号", "staff_number"), required=True),
    Column("name", ("name", "姓名"), required=True),
    Column("department", ("department", "科室编码", "department_code"), required=True),
    Column("title", ("title", "职称")),
    Column("post", ("post", "岗位")),
    Column("party_member", ("party_member", "党员", "是否党员")),
    Column("phone", ("phone", "手机", "手机号", "手机号码", "mobile")),
)
#: The category words a file may use (the English code or the Chinese word).
CATEGORY_WORDS: dict[str, str] = {
    "clinical": DepartmentCategory.CLINICAL,
    "临床": DepartmentCategory.CLINICAL,
    "medtech": DepartmentCategory.MEDTECH,
    "医技": DepartmentCategory.MEDTECH,
    "nursing": DepartmentCategory.NURSING,
    "护理": DepartmentCategory.NURSING,
    "admin": DepartmentCategory.ADMIN,
    "行政后勤": DepartmentCategory.ADMIN,
}
CATEGORY_CHOICES_TEXT = "clinical/临床, medtech/医技, nursing/护理, admin/行政后勤"
PARTY_WORDS: dict[str, bool] = {
    **dict.fromkeys(("是", "yes", "1", "true"), True),
    **dict.fromkeys(("", "否", "no", "0", "false"), False),
}
PARTY_CHOICES_TEXT = "是/否, yes/no, 1/0, true/false"

DEPARTMENT_NAME_MAX = Department._meta.get_field("name").max_length
PATH_MAX = Department._meta.get_field("path").max_length
STAFF_NAME_MAX = Staff._meta.get_field("name").max_length
TEXT_MAX = {key: Staff._meta.get_field(key).max_length for key in ("title", "post")}


def _column_title(key: str, columns: Sequence[Column]) -> str:
    return next(c for c in columns if c.key == key).title


def normalise_mobile(value: str) -> str:
    """A mobile number as stored: full-width digits made plain, spaces and hyphens dropped, a leading
    +86 removed. ``"+86 138-0013-8000"`` → ``"13800138000"``."""
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or ""))
    return text[3:] if text.startswith("+86") else text


def column_help() -> dict[str, list[dict[str, Any]]]:
    """The columns of both files, for the upload page: the spec's English and Chinese header, the
    other spellings also accepted, whether required, and the accepted values where there is a list."""
    values = {"category": CATEGORY_CHOICES_TEXT, "party_member": PARTY_CHOICES_TEXT}
    result: dict[str, list[dict[str, Any]]] = {}
    for table, columns in (("departments", DEPARTMENT_COLUMNS), ("staff", STAFF_COLUMNS)):
        result[table] = []
        for column in columns:
            chinese = next((h for h in column.headers if not h.isascii()), "")
            others = [h for h in column.headers if h not in {column.key, chinese}]
            result[table].append(
                {
                    "key": column.key,
                    "chinese": chinese,
                    "others": others,
                    "required": column.required,
                    "values": values.get(column.key, ""),
                }
            )
    return result
