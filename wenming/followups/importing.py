"""Reading a discharged-patient list: the columns, the row checks and the plan.

The file is read by :func:`wenming.core.tabular.read_table` (CSV in UTF-8, UTF-8 with BOM or
GB18030, or the first sheet of an XLSX workbook; Chinese or English headers in any order).
:func:`check_rows` checks every row and returns the rows to import, the duplicates (within the
file or already imported, reported and skipped) and every problem with its row. Nothing here
writes; :mod:`wenming.followups.services` stores the plan.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from wenming.core.tabular import Column, Position, Problem, Table
from wenming.org.importing import normalise_mobile
from wenming.org.models import Department, mask_phone

from .models import DischargedPatient

COLUMNS = (
    Column("name", ("姓名", "患者姓名", "name", "patient", "patient_name"), required=True),
    Column("phone", ("电话", "手机", "手机号", "联系电话", "phone", "mobile", "telephone"), required=True),
    Column("department", ("科室", "出院科室", "department", "dept"), required=True),
    Column("discharge_date", ("出院日期", "discharge_date", "discharged", "discharge"), required=True),
    Column("inpatient_no", ("住院号", "inpatient_no", "admission_no", "mrn")),
    Column("ward", ("病区", "ward")),
)

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^0[1-9][0-9]{1,2}-?[0-9]{7,8}$")
INPATIENT_NO_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
NAME_MAX = 20
WARD_MAX = 50
PREVIEW_ROWS = 20
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


def mask_name(name: str) -> str:
    """The name as stored: 张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜. A name already masked
    (it has a ``*``) is kept as it is."""
    name = unicodedata.normalize("NFKC", name or "").strip().replace("＊", "*")
    name = re.sub(r"\s+", "", name)
    if not name or "*" in name:
        return name
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def normalise_phone(value: str) -> str:
    """A phone as stored: the org import's mobile normalisation; landlines keep their one hyphen."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if LANDLINE_RE.match(re.sub(r"\s", "", text)):
        return re.sub(r"\s", "", text)
    return normalise_mobile(text)


def parse_date(value: str) -> dt.date | None:
    """``2026-10-03``, ``2026/10/3``, ``2026.10.03``, ``20261003``, ``2026年10月3日`` → a date."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


@dataclass
class PatientRow:
    position: Position
    masked_name: str
    phone: str
    department: Department
    discharge_date: dt.date
    inpatient_no: str
    ward: str

    @property
    def line(self) -> int:
        return self.position.line

    def as_preview(self) -> dict:
        return {
            "line": self.line,
            "name": self.masked_name,
            "phone": mask_phone(self.phone),
            "department": self.department.name,
            "discharge_date": self.discharge_date.isoformat(),
            "inpatient_no": self.inpatient_no,
            "ward": self.ward,
        }


@dataclass
class CheckResult:
    rows: list[PatientRow]
    problems: list[Problem]
    duplicates: list[dict]  # {"line", "where", "text"}: reported and skipped


def _department_index() -> dict[str, Department]:
    index: dict[str, Department] = {}
    for department in Department.objects.filter(is_active=True).only("pk", "code", "name", "path"):
        index.setdefault(department.name, department)
        index[department.code.casefold()] = department
    return index


def check_rows(table: Table, *, start: dt.date, end: dt.date, today: dt.date) -> CheckResult:
    """Every row checked; problems keep the file's row numbers (``第 N 行：…``)."""
    problems: list[Problem] = []
    duplicates: list[dict] = []
    rows: list[PatientRow] = []
    departments = _department_index()
    first_seen: dict[tuple, str] = {}

    def note(position, message):
        problems.append(Problem(message, position, table.name))

    if not table.rows:
        note(table.header, _("the file has no patients below the header"))
    for row in table.rows:
        pos = row.position
        ok = True
        raw_name = row["name"]
        name = mask_name(raw_name)
        if not name:
            note(pos, _("the patient's name is empty"))
            ok = False
        elif len(name) > NAME_MAX:
            note(pos, _("the name is longer than %(max)s characters") % {"max": NAME_MAX})
            ok = False
        phone = normalise_phone(row["phone"])
        if not phone:
            note(pos, _("the phone number is empty"))
            ok = False
        elif not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
            message = _("the phone number “%(value)s” is neither an 11-digit mobile nor a landline with area code")
            note(pos, message % {"value": mask_phone(phone) if len(phone) == 11 else row["phone"][:4] + "…"})
            ok = False
        word = unicodedata.normalize("NFKC", row["department"]).strip()
        department = departments.get(word) or departments.get(word.casefold())
        if not word:
            note(pos, _("the department is empty"))
            ok = False
        elif department is None:
            note(
                pos,
                _("the department “%(value)s” is neither a department name nor a code in the system") % {"value": word},
            )
            ok = False
        date = parse_date(row["discharge_date"])
        if not row["discharge_date"]:
            note(pos, _("the discharge date is empty"))
            ok = False
        elif date is None:
            message = _("the discharge date “%(value)s” is not a date (write it like 2026-10-03)")
            note(pos, message % {"value": row["discharge_date"]})
            ok = False
        elif date > today:
            note(pos, _("the discharge date %(date)s is in the future") % {"date": date.isoformat()})
            ok = False
        elif not start <= date <= end:
            message = _("the discharge date %(date)s is outside the batch's range %(start)s – %(end)s")
            note(pos, message % {"date": date.isoformat(), "start": start.isoformat(), "end": end.isoformat()})
            ok = False
        inpatient_no = row["inpatient_no"]
        if inpatient_no and not INPATIENT_NO_RE.match(inpatient_no):
            message = _("the inpatient number “%(value)s” may only have up to 32 letters, digits, dots or hyphens")
            note(pos, message % {"value": inpatient_no[:40]})
            ok = False
        ward = row["ward"]
        if len(ward) > WARD_MAX:
            note(pos, _("the ward is longer than %(max)s characters") % {"max": WARD_MAX})
            ok = False
        if not ok:
            continue
        key = (phone, date, department.pk)
        if key in first_seen:
            message = _("the same patient (phone, discharge date and department) as on %(where)s; skipped")
            text = pos.format(message % {"where": first_seen[key]})
            duplicates.append({"line": pos.line, "where": pos.label, "text": text})
            continue
        first_seen[key] = pos.label
        rows.append(PatientRow(pos, name, phone, department, date, inpatient_no, ward))
    if rows:
        _mark_imported(rows, duplicates)
    duplicates.sort(key=lambda d: d["line"])
    return CheckResult([row for row in rows if row is not None], problems, duplicates)


def _mark_imported(rows: list, duplicates: list[dict]) -> None:
    """Rows already imported in an earlier batch are reported and dropped (set to None in place)."""
    phones = sorted({row.phone for row in rows})
    existing: dict[tuple, str] = {}
    for chunk_start in range(0, len(phones), 500):
        chunk = phones[chunk_start : chunk_start + 500]
        for phone, date, department_id, batch_name in DischargedPatient.objects.filter(phone__in=chunk).values_list(
            "phone", "discharge_date", "department_id", "batch__name"
        ):
            existing[(phone, date, department_id)] = batch_name
    for index, row in enumerate(rows):
        batch_name = existing.get((row.phone, row.discharge_date, row.department.pk))
        if batch_name is not None:
            message = _("this patient (phone, discharge date and department) is already in “%(batch)s”; skipped")
            text = row.position.format(message % {"batch": batch_name})
            duplicates.append({"line": row.line, "where": row.position.label, "text": text})
            rows[index] = None
