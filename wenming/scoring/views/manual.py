"""The manual score grid (人工评分) of a period: departments (or one department's staff) × the items
scored by hand. Each cell is the person's own score, with everyone's mean beneath; a save is all or
nothing, and a cell someone changed since the grid was shown is a conflict (409) that keeps what
was typed. Who: ``can_enter_scores`` (文明办, 领导小组); everyone else 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from wenming.org.access import access_for, require
from wenming.standards.definition import Rule

from .. import services
from ..engine import format_points, round_half_up
from ..selectors.records import filter_departments, grid_stats, grid_subjects
from ..services.manual import own_manual_values, seen_token
from .records import _page_links, _period_page


@dataclass
class GridCell:
    subject_pk: int
    item_code: str
    points: str
    value: str = ""
    seen: str = ""
    mean: str = ""
    raters: int = 0
    others: int = 0
    error: str = ""
    stored: str | None = None

    @property
    def name(self) -> str:
        return f"v-{self.subject_pk}-{self.item_code}"

    @property
    def seen_name(self) -> str:
        return f"s-{self.subject_pk}-{self.item_code}"


@dataclass
class GridRow:
    pk: int
    code: str
    name: str
    group: str
    cells: list[GridCell] = field(default_factory=list)


def _seen_text(token) -> str:
    return f"{token[0]}:{token[1]}" if token else ""


def _parse_seen(text: str):
    try:
        pk, version = (int(part) for part in text.split(":"))
    except ValueError:
        return None
    return (pk, version)


def _read_grid(post, subjects, items):
    """What was typed: {cell: text}, {cell: Decimal | None}, {cell: seen token}, {cell: error}."""
    typed, values, seen, errors = {}, {}, {}, {}
    for pk, code, name, _group in subjects:
        for item in items:
            cell = (pk, item.code)
            key = f"v-{pk}-{item.code}"
            if key not in post:
                continue
            text = post.get(key, "").strip()
            typed[cell] = text
            seen[cell] = _parse_seen(post.get(f"s-{pk}-{item.code}", ""))
            if not text:
                values[cell] = None
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                errors[cell] = _("%(subject)s, %(item)s: enter a number.") % {
                    "subject": f"{name}（{code}）",
                    "item": f"{item.code} {item.name}",
                }
                continue
            values[cell] = number
    return typed, values, seen, errors


def _grid_rows(subjects, items, own, stats, *, typed, posted_seen, conflicts, errors) -> list[GridRow]:
    """The grid's rows: per cell what was typed (else the person's stored value), the version the
    person saw, the value stored meanwhile after a conflict, the cell's error and everyone's mean."""
    rows = []
    for pk, subject_code, name, group in subjects:
        row = GridRow(pk, subject_code, name, group)
        for item in items:
            cell_key = (pk, item.code)
            mine = own.get(cell_key)
            cell = GridCell(pk, item.code, format_points(item.points))
            if typed is not None and cell_key in typed:
                cell.value = typed[cell_key]
            elif mine is not None:
                cell.value = format_points(mine.value)
            # After a conflict the form carries the versions now stored, so saving again replaces them.
            if typed is None or conflicts or cell_key not in posted_seen:
                cell.seen = _seen_text(seen_token(mine))
            else:
                cell.seen = _seen_text(posted_seen[cell_key])
            if cell_key in conflicts:
                cell.stored = format_points(mine.value) if mine is not None else "—"
            cell.error = errors.get(cell_key, "")
            stat = stats.get(cell_key)
            if stat:
                cell.raters = stat["n"]
                cell.others = stat["n"] - stat["mine"]
                cell.mean = format_points(round_half_up(Decimal(stat["mean"])))
            row.cells.append(cell)
        rows.append(row)
    return rows


@require("can_enter_scores")
@require_http_methods(["GET", "POST"])
def manual_grid(request, code: str, key: str):
    """The manual scores of a period: departments (or one department's staff) × the items scored by
    hand; each cell is the person's own score, with everyone's mean beneath. All or nothing."""
    access = access_for(request.user)
    page = _period_page(code, key)
    items = page.definition.leaves(Rule.MANUAL)
    department = None
    departments = None
    if not page.is_department:
        departments = filter_departments(access=access, page=page)
        chosen = request.GET.get("department") or ""
        department = departments.filter(code=chosen).first() if chosen else None
    subjects = grid_subjects(access=access, page=page, department=department) if items else []
    own = own_manual_values(standard=page.standard, period_key=page.period.key, user=request.user)
    typed, posted_seen, errors, conflicts = None, {}, {}, set()
    if request.method == "POST":
        if page.finalized:
            messages.error(request, _("This period has been finalized; its records can no longer be changed."))
            return redirect(request.get_full_path())
        typed, values, posted_seen, errors = _read_grid(request.POST, subjects, items)
        if not errors:
            try:
                summary = services.manual_scores_save(
                    standard=page.standard,
                    period_key=page.period.key,
                    values=values,
                    by=request.user,
                    seen_versions=posted_seen,
                )
            except services.ManualScoresInvalid as error:
                errors = error.cells
            except services.ManualScoresConflict as error:
                conflicts = set(error.cells)
                own = own_manual_values(standard=page.standard, period_key=page.period.key, user=request.user)
                messages.error(request, error.messages[0])
            except services.ScoringError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                if summary.total:
                    messages.success(
                        request,
                        _("Your scores have been saved: %(created)d new, %(changed)d changed, %(cleared)d cleared.")
                        % {"created": summary.created, "changed": summary.changed, "cleared": summary.cleared},
                    )
                else:
                    messages.info(request, _("Nothing had changed, so nothing was saved."))
                return redirect(request.get_full_path())
        if errors:
            messages.error(
                request,
                ngettext(
                    "Nothing was saved: %(count)d score needs correcting; it is marked in red.",
                    "Nothing was saved: %(count)d scores need correcting; they are marked in red.",
                    len(errors),
                )
                % {"count": len(errors)},
            )
    stats = grid_stats(page=page, user=request.user, subject_pks=[s[0] for s in subjects])
    rows = _grid_rows(
        subjects, items, own, stats, typed=typed, posted_seen=posted_seen, conflicts=conflicts, errors=errors
    )
    context = {
        "page_info": page,
        "standard": page.standard,
        "period": page.period,
        "items": [{"code": i.code, "name": i.name, "points": format_points(i.points)} for i in items],
        "rows": rows,
        "departments": departments,
        "department": department,
        "locked": page.finalized,
        "has_errors": bool(errors),
        **_page_links(access, page),
    }
    status = 400 if errors else (409 if conflicts else 200)
    return render(request, "scoring/manual_grid.html", context, status=status)
