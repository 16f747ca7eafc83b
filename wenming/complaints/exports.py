"""The case register (投诉表扬台账) as XLSX: 序号、编号、类型、来源、科室、人员、内容摘要、受理日期、
时限、状态、办结日期、处理结果、满意度 — the offices' words when the interface is Chinese, translated
headers otherwise. Rows come from ``selectors.register_rows`` in chunks."""

from __future__ import annotations

from datetime import date

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wenming.core.exports import attachment, xlsx_bytes

from .models import CaseKind, CaseSource, CaseState, Finding, Satisfaction
from .selectors import register_rows

OFFICE_HEADERS = (
    "序号",
    "编号",
    "类型",
    "来源",
    "科室",
    "人员",
    "内容摘要",
    "受理日期",
    "时限",
    "状态",
    "办结日期",
    "处理结果",
    "满意度",
)
WIDTHS = (6, 14, 8, 12, 14, 10, 40, 12, 12, 10, 12, 40, 10)
SUMMARY = 60


def register_headers(language: str | None = None) -> list[str]:
    if (language if language is not None else get_language() or "").lower().startswith("zh"):
        return list(OFFICE_HEADERS)
    return [
        _("No."),
        _("Number"),
        _("Kind"),
        _("Source"),
        _("Department"),
        _("Staff member"),
        _("Summary"),
        _("Received on"),
        _("Deadline"),
        _("State"),
        _("Closed on"),
        _("Outcome"),
        _("Satisfaction"),
    ]


def _summary(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SUMMARY else f"{text[:SUMMARY]}…"


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else ""


def _rows(cases):
    for n, row in enumerate(register_rows(cases), start=1):
        (
            number,
            kind,
            source,
            department,
            staff,
            content,
            received,
            deadline,
            state,
            closed,
            finding,
            decision,
            sat,
        ) = row
        outcome = "；".join(x for x in (_label(Finding, finding), _summary(decision)) if x)
        yield (
            n,
            number,
            _label(CaseKind, kind),
            _label(CaseSource, source),
            department,
            staff or "",
            _summary(content),
            received,
            deadline,
            _label(CaseState, state),
            closed,
            outcome,
            _label(Satisfaction, sat),
        )


def register_response(cases, *, hospital_name: str, today: date):
    content = xlsx_bytes(title=_("Case register"), headers=register_headers(), rows=_rows(cases), widths=WIDTHS)
    filename = _("%(hospital)s case register %(date)s.xlsx") % {"hospital": hospital_name, "date": today.isoformat()}
    return attachment(content, filename)
