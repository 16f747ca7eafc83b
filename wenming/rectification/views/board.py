"""The public board (挂牌公示): the open items of the whole hospital, by department, for a notice
board, a display screen or print.

Decided: the ledger is published (挂牌 means listing a problem publicly until it is closed out),
so any logged-in account may open the board, whatever its role. It therefore lists problems, not
people: the department, the problem, the deadline, the state and whether it is overdue — never the
responsible person, who opened, submitted or verified it, nor any note, measure or reason.

``?refresh=60`` reloads the page every 60 seconds (15 to 3,600) for a display screen;
``?department=<code>`` shows one department and those below it (a ward's own notice); the print
stylesheet leaves out the menu and the controls and keeps each department's table together.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wenming.org.selectors import hospital_today

from ..selectors import board_departments, board_groups

MIN_REFRESH = 15
MAX_REFRESH = 3600


def _refresh(value: str | None) -> int | None:
    try:
        seconds = int(value or "")
    except ValueError:
        return None
    return min(max(seconds, MIN_REFRESH), MAX_REFRESH) if seconds > 0 else None


@login_required
@require_GET
def board(request):
    today = hospital_today()
    departments = list(board_departments())
    code = request.GET.get("department", "")
    department = next((d for d in departments if d.code == code), None)
    groups = board_groups(today=today, department=department)
    context = {
        "groups": groups,
        "departments": departments,
        "department": department,
        "refresh": _refresh(request.GET.get("refresh")),
        "today": today,
        "total": sum(len(g.items) for g in groups),
        "overdue": sum(g.overdue for g in groups),
    }
    return render(request, "rectification/board.html", context)
