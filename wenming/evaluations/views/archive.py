"""The 医德档案 pages: one person's file across years (``/people/<工号>/ethics/``), its 登记表 per
year as DOCX and PDF, and the eligibility list and export of one cycle
(``/evaluations/<year>/eligibility/`` and ``eligibility.xlsx``).

Who: a file opens for the person, heads of their department, the office, the leadership group and
system administrators; everyone else gets 404 (``archive.person_for_user``). A 登记表 of a cycle
before publicity only for the office and system administrators (a draft; 404 for the others). The
eligibility pages for the office, the leadership group and system administrators (403 for the
others); a cycle not yet archived is refused with a page saying so (409), except the office's
``?draft=1``.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from wenming.core.exports import attachment
from wenming.org.access import access_for, require_check
from wenming.org.selectors import current_hospital

from ..archive import PUBLICITY_STEP, ethics_file, person_for_user, prints_drafts, sees_every_file, year_file
from ..eligibility import eligibility_filename, eligibility_rows, eligibility_xlsx, sheet_title
from ..models import CycleState, EthicsCycle
from ..registration import DOCX_TYPE, PDF_TYPE, registration_data, registration_docx, registration_pdf

logged_in = require_check(lambda access: access.user_id is not None)
results_required = require_check(sees_every_file)


@require_GET
@logged_in
def my_ethics(request):
    """The signed-in person's own file (404 without a staff record)."""
    access = access_for(request.user)
    staff = getattr(request.user, "staff", None)
    if staff is None or access.staff_id != staff.pk:
        raise Http404
    return redirect("people:ethics", staff.staff_no)


@require_GET
@logged_in
def ethics_file_page(request, staff_no: str):
    staff = person_for_user(request.user, staff_no)
    access = access_for(request.user)
    file = ethics_file(access=access, staff=staff)
    printable = {year.year for year in file.years if year.cycle.step >= PUBLICITY_STEP or prints_drafts(access)}
    return render(
        request,
        "evaluations/archive/file.html",
        {"file": file, "staff": staff, "printable": printable, "access": access},
    )


def _form(request, staff_no: str, year: int):
    staff = person_for_user(request.user, staff_no)
    access = access_for(request.user)
    file = year_file(access=access, staff=staff, year=year)
    if file.cycle.step < PUBLICITY_STEP and not prints_drafts(access):
        raise Http404
    hospital = current_hospital()
    return registration_data(file, hospital=hospital.name, time_zone=hospital.time_zone)


@require_GET
@logged_in
def registration_docx_download(request, staff_no: str, year: int):
    data = _form(request, staff_no, year)
    return attachment(registration_docx(data), f"{data.filename_stem}.docx", content_type=DOCX_TYPE)


@require_GET
@logged_in
def registration_pdf_download(request, staff_no: str, year: int):
    data = _form(request, staff_no, year)
    return attachment(registration_pdf(data), f"{data.filename_stem}.pdf", content_type=PDF_TYPE)


def _cycle_or_refusal(request, year: int):
    """(cycle, draft) or a refusal page: a cycle not archived needs the office's ``?draft=1``."""
    cycle = get_object_or_404(EthicsCycle, year=year)
    if cycle.state == CycleState.ARCHIVED:
        return cycle, False, None
    if request.GET.get("draft") == "1" and prints_drafts(access_for(request.user)):
        return cycle, True, None
    refusal = render(
        request,
        "evaluations/archive/not_archived.html",
        {"cycle": cycle, "may_draft": prints_drafts(access_for(request.user))},
        status=409,
    )
    return cycle, False, refusal


@require_GET
@results_required
def eligibility_page(request, year: int):
    cycle, draft, refusal = _cycle_or_refusal(request, year)
    if refusal is not None:
        return refusal
    rows = eligibility_rows(cycle=cycle)
    return render(
        request,
        "evaluations/archive/eligibility.html",
        {
            "cycle": cycle,
            "rows": rows,
            "draft": draft,
            "title": sheet_title(cycle, draft=draft),
            # The export sits beside this page: /evaluations/<year>/eligibility.xlsx.
            "xlsx_url": request.path.rstrip("/").rsplit("/", 1)[0] + "/eligibility.xlsx",
        },
    )


@require_GET
@results_required
def eligibility_export(request, year: int):
    cycle, draft, refusal = _cycle_or_refusal(request, year)
    if refusal is not None:
        return refusal
    content = eligibility_xlsx(cycle=cycle, rows=eligibility_rows(cycle=cycle), draft=draft)
    return attachment(content, eligibility_filename(cycle, draft=draft))
