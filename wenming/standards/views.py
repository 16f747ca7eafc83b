"""Standards pages (测评标准): the list, a printable view of one version, the differences between two
versions, the YAML of any version, uploading a new version and the editor for small changes.

Reading needs ``can_view_scores`` (department heads read the standards they are scored by);
uploading and editing need ``can_manage_standards`` (文明办). Every write goes through
``services``: an upload is checked and previewed first (``standard_import_plan``) and stored only on
confirmation; the editor writes its result as a standard file and checks it by the importer's rules.
Both refuse to store when someone else added a version after the person looked
(``StandardVersionConflict``), so nobody overwrites what they did not see.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.exports import attachment
from wenming.org.access import require
from wenming.org.models import DepartmentCategory

from .definition import Item, Rule, StandardDef
from .diff import standard_diff
from .forms import StandardEditForm, StandardUploadForm
from .labels import rule_label
from .models import CYCLE_CHOICES, SUBJECT_CHOICES, Standard, StandardVersion
from .selectors import standard_by_code, standard_history, standard_rows
from .services import (
    StandardEditError,
    StandardError,
    StandardVersionConflict,
    standard_edit,
    standard_edit_plan,
    standard_import,
    standard_import_plan,
)
from .yaml_out import standard_to_yaml

SUBJECTS = dict(SUBJECT_CHOICES)
CYCLES = dict(CYCLE_CHOICES)
YAML_TYPE = "application/yaml; charset=utf-8"


# --- Showing numbers and rules ----------------------------------------------------------------


def points_text(value: Decimal | None) -> str:
    """Points with two decimals (``0.5`` → ``0.50``); more only when two would lose something."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{rounded:f}" if rounded == value else f"{value.normalize():f}"


def percent_text(value: Decimal | None) -> str:
    """A fraction as a percentage: ``0.15`` → ``15%``, ``0.955`` → ``95.5%``."""
    if value is None:
        return "—"
    number = (value * 100).normalize()
    return f"{number:f}%"


def _rule_text(item: Item, definition: StandardDef) -> str:
    """The rule of an item as one sentence a department head reads on the wall."""
    if item.is_group:
        return _("The sum of the items below.")
    if item.rule == Rule.DEDUCT:
        return _("For each occurrence of a problem below, its points are deducted; the item cannot go below 0.")
    if item.rule == Rule.SATISFACTION:
        return _(
            "Target satisfaction rate %(target)s: for every %(step)s below the target, %(step_points)s points "
            "are deducted, down to 0. A rating of %(satisfied_min)s or more (of 5) counts as satisfied. With fewer "
            "than %(min_responses)s responses in the period the item keeps its full points."
        ) % {
            "target": percent_text(item.target),
            "step": percent_text(item.step),
            "step_points": points_text(item.step_points),
            "satisfied_min": item.satisfied_min,
            "min_responses": item.min_responses,
        }
    if item.rule == Rule.MANUAL:
        return _("Scored by hand, from 0 to %(points)s points; the mean of the scores entered for the period.") % {
            "points": points_text(item.points)
        }
    if item.rule == Rule.ROLLUP:
        return _(
            "The mean total of the standard %(source)s over its periods inside this one, scaled to %(points)s points."
        ) % {"source": item.source, "points": points_text(item.points)}
    if item.rule == Rule.BONUS:
        return _("For each occurrence below, its points are added; at most %(cap)s bonus points in one period.") % {
            "cap": points_text(definition.bonus_cap)
        }
    return _("Any one of the following gives the grade %(grade)s, whatever the total.") % {
        "grade": definition.veto_grade
    }


def _rule_parameters(item: Item) -> list[tuple[str, str]]:
    if item.rule == Rule.SATISFACTION:
        return [
            (_("Target satisfaction rate"), percent_text(item.target)),
            (_("Step"), percent_text(item.step)),
            (_("Points per step"), points_text(item.step_points)),
            (_("Minimum responses"), str(item.min_responses)),
            (_("Satisfied from rating"), str(item.satisfied_min)),
        ]
    if item.rule == Rule.ROLLUP:
        return [(_("Source standard"), item.source or "—")]
    return []


@dataclass(frozen=True)
class EntryView:
    code: str
    name: str
    points: str | None


@dataclass(frozen=True)
class ItemView:
    """An item as the printable page shows it."""

    item: Item
    depth: int
    points: str | None
    rule: str | None
    rule_label: str
    rule_text: str
    parameters: list[tuple[str, str]]
    entries: list[EntryView]
    entries_title: str


def _item_views(definition: StandardDef) -> list[ItemView]:
    views: list[ItemView] = []

    def visit(items: tuple[Item, ...], depth: int) -> None:
        for item in items:
            entries = [EntryView(e.code, e.name, points_text(e.points)) for e in item.deductions + item.bonuses]
            entries += [EntryView(v.code, v.name, None) for v in item.vetoes]
            titles = {Rule.DEDUCT: _("Deductions"), Rule.BONUS: _("Bonuses"), Rule.VETO: _("Veto situations")}
            views.append(
                ItemView(
                    item=item,
                    depth=depth,
                    points=points_text(item.points) if item.points is not None else None,
                    rule=Rule(item.rule).value if item.rule else None,
                    rule_label=rule_label(item.rule),
                    rule_text=_rule_text(item, definition),
                    parameters=_rule_parameters(item),
                    entries=entries,
                    entries_title=titles.get(item.rule, ""),
                )
            )
            visit(item.children, depth + 1)

    visit(definition.items, 0)
    return views


def _header(standard: Standard, definition: StandardDef) -> dict:
    applies_to = (
        [str(DepartmentCategory(code).label) for code in definition.applies_to]
        if definition.applies_to is not None
        else None
    )
    return {
        "subject": SUBJECTS.get(standard.subject, standard.subject),
        "cycle": CYCLES.get(standard.cycle, standard.cycle),
        "applies_to": applies_to,
        "full_score": points_text(definition.full_score),
        "bonus_cap": points_text(definition.bonus_cap),
        "grades": [
            {
                "name": grade.name,
                "min": points_text(grade.min),
                "max_deducted": points_text(grade.max_deducted) if grade.max_deducted is not None else "",
                "quota": percent_text(grade.quota) if grade.quota is not None else "",
                "is_veto": grade.name == definition.veto_grade,
            }
            for grade in definition.grades
        ],
    }


# --- Looking things up --------------------------------------------------------------------------


def _standard_or_404(code: str) -> Standard:
    """Standards are hospital-wide: everyone who may read one may read all of them."""
    standard = standard_by_code(code)
    if standard is None:
        raise Http404
    return standard


def _number(value: str | None) -> int | None:
    """A version number from the query string; None when absent, 404 when not a number."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise Http404 from None
    if number < 1:
        raise Http404
    return number


def _version_or_404(standard: Standard, number: int | None) -> StandardVersion:
    query = StandardVersion.objects.select_related("created_by", "created_by__staff").filter(standard=standard)
    version = query.order_by("-number").first() if number is None else query.filter(number=number).first()
    if version is None:
        raise Http404
    version.standard = standard
    return version


# --- Reading ----------------------------------------------------------------------------------


@require("can_view_scores")
@require_GET
def standard_list(request):
    """Every standard with its newest version; upload and edit for the civility office."""
    return render(request, "standards/standard_list.html", {"rows": standard_rows()})


@require("can_view_scores")
@require_GET
def standard_detail(request, code: str):
    """One version of a standard (the newest, or ?version=N) as a printable tree, and its history."""
    standard = _standard_or_404(code)
    version = _version_or_404(standard, _number(request.GET.get("version")))
    history = standard_history(standard)
    definition = version.definition
    context = {
        "standard": standard,
        "version": version,
        "definition": definition,
        "header": _header(standard, definition),
        "items": _item_views(definition),
        "history": history,
        "newest": history[0],
        "is_newest": history[0].number == version.number,
    }
    return render(request, "standards/standard_detail.html", context)


@require("can_view_scores")
@require_GET
def standard_export(request, code: str, number: int):
    """The YAML of one version: the file as it was imported (comments and layout kept; for a version
    made in the editor, the file the editor wrote). It re-imports to the same content."""
    standard = _standard_or_404(code)
    version = _version_or_404(standard, number)
    text = version.source or standard_to_yaml(version.definition)
    return attachment(text.encode("utf-8"), f"{standard.code}-v{version.number}.yaml", YAML_TYPE)


@require("can_view_scores")
@require_GET
def standard_diff_view(request, code: str):
    """What changed between two versions (?from=1&to=2; by default the newest and the one before)."""
    standard = _standard_or_404(code)
    history = standard_history(standard)
    if not history:
        raise Http404
    to_number = _number(request.GET.get("to")) or history[0].number
    from_number = _number(request.GET.get("from")) or max(1, to_number - 1)
    numbers = {v.number for v in history}
    if to_number not in numbers or from_number not in numbers:
        raise Http404
    versions = {
        v.number: v
        for v in StandardVersion.objects.filter(standard=standard, number__in={from_number, to_number}).only(
            "number", "content"
        )
    }
    old, new = versions[from_number], versions[to_number]
    changes = standard_diff(old.definition, new.definition) if from_number != to_number else []
    context = {
        "standard": standard,
        "history": history,
        "from_number": from_number,
        "to_number": to_number,
        "changes": changes,
    }
    return render(request, "standards/standard_diff.html", context)


# --- Uploading ----------------------------------------------------------------------------------

SESSION_KEY = "standards_uploads"
#: Uploads kept in a session between preview and confirmation; older ones are forgotten.
KEEP_UPLOADS = 5


def _uploads(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _stash_upload(request, *, text: str, filename: str) -> str:
    """Keep an uploaded file's text on the server (the session) until it is confirmed; the browser
    only holds the token."""
    uploads = _uploads(request)
    token = secrets.token_urlsafe(16)
    uploads[token] = {"text": text, "filename": filename, "done": None}
    for old in list(uploads)[:-KEEP_UPLOADS]:
        del uploads[old]
    request.session[SESSION_KEY] = uploads
    return token


def _upload_or_404(request, token: str) -> dict:
    upload = _uploads(request).get(token)
    if upload is None:
        raise Http404
    return upload


def _mark_imported(request, token: str, version: StandardVersion) -> None:
    uploads = _uploads(request)
    uploads[token] = {"text": "", "filename": "", "done": [version.standard.code, version.number]}
    request.session[SESSION_KEY] = uploads


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def standard_upload(request):
    """Upload a standard file. A file with problems lists them and stores nothing; an unchanged file
    says so; otherwise the preview shows what importing it would do."""
    form = StandardUploadForm(request.POST, request.FILES) if request.method == "POST" else StandardUploadForm()
    context: dict = {"form": form, "problems": None, "unchanged": None}
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            plan = standard_import_plan(text=text)
        except StandardError as error:
            context["problems"] = error.problems
        else:
            if plan.unchanged:
                context["unchanged"] = plan
                context["form"] = StandardUploadForm()
            else:
                token = _stash_upload(request, text=text, filename=form.cleaned_data["file"].name)
                return redirect("standards:upload_preview", token=token)
    status = 400 if form.errors or context["problems"] else 200
    return render(request, "standards/upload.html", context, status=status)


def _preview(request, token: str, upload: dict, *, conflict: StandardVersion | None = None, status: int = 200):
    context: dict = {"token": token, "filename": upload["filename"], "plan": None, "problems": None}
    try:
        context["plan"] = standard_import_plan(text=upload["text"])
    except StandardError as error:
        context["problems"] = error.problems
        status = max(status, 400)
    context["conflict"] = conflict
    return render(request, "standards/upload_preview.html", context, status=status)


def _already_imported(request, upload: dict):
    code, number = upload["done"]
    messages.info(
        request,
        _("This file has already been imported as version %(number)s of %(code)s; nothing was imported again.")
        % {"number": number, "code": code},
    )
    return redirect(f"{reverse('standards:detail', args=[code])}?version={number}")


@require("can_manage_standards")
@require_GET
def standard_upload_preview(request, token: str):
    """What importing the uploaded file would do: a new standard or version N with its changes."""
    upload = _upload_or_404(request, token)
    if upload["done"]:
        return _already_imported(request, upload)
    return _preview(request, token, upload)


@require("can_manage_standards")
@require_POST
def standard_upload_confirm(request, token: str):
    """Import the previewed file, unless the standard got another version since the preview."""
    upload = _upload_or_404(request, token)
    if upload["done"]:
        return _already_imported(request, upload)
    try:
        base = int(request.POST.get("base", ""))
    except ValueError:
        return redirect("standards:upload_preview", token=token)
    try:
        outcome = standard_import(text=upload["text"], by=request.user, filename=upload["filename"], base_number=base)
    except StandardVersionConflict as conflict:
        return _preview(request, token, upload, conflict=conflict.current, status=409)
    except StandardError:
        return _preview(request, token, upload, status=400)
    version = outcome.version
    _mark_imported(request, token, version)
    if outcome.created:
        messages.success(
            request,
            _("Version %(number)s of %(code)s has been imported.")
            % {"number": version.number, "code": version.standard.code},
        )
    else:
        messages.info(
            request,
            _("The file is the same as version %(number)s of %(code)s; nothing was imported.")
            % {"number": version.number, "code": version.standard.code},
        )
    return redirect("standards:detail", code=version.standard.code)


# --- The editor ---------------------------------------------------------------------------------


def _add_row(request) -> int | None:
    value = request.POST.get("add_row")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@require("can_manage_standards")
@require_http_methods(["GET", "POST"])
def standard_edit_view(request, code: str):
    """Small changes to the newest version, saved as a new one: names, points, deductions, bonus and
    veto entries. "Check" shows the changes (or the problems); "Save" stores what was checked."""
    standard = _standard_or_404(code)
    newest = _version_or_404(standard, None)
    if request.method == "GET":
        form = StandardEditForm(version=newest)
        return _edit_page(request, standard, newest, form)
    base = _version_or_404(standard, _number(request.POST.get("base_version")) or newest.number)
    add_row = _add_row(request)
    if add_row is not None:  # one more empty row; HTMX swaps in just that item's rows
        form = StandardEditForm(version=base, refill=request.POST, add_row=add_row)
        row = next((row for row in form.item_rows() if row.index == add_row and row.entry_kind), None)
        if request.htmx and row is not None:
            return render(request, "standards/_edit_entries.html", {"standard": standard, "row": row})
        return _edit_page(request, standard, newest, form)
    form = StandardEditForm(request.POST, version=base)
    if not form.is_valid():
        return _edit_page(request, standard, newest, form, status=400)
    definition = form.changed_definition()
    confirming = request.POST.get("action") == "save" and form.cleaned_data["preview_hash"] == form.changed_hash()
    try:
        if confirming:
            outcome = standard_edit(standard=standard, definition=definition, by=request.user, base_version=base.number)
        else:
            plan = standard_edit_plan(standard=standard, definition=definition, base_version=base.number)
    except StandardVersionConflict as conflict:
        current = conflict.current
        between = standard_diff(base.definition, current.definition) if current is not None else []
        context = {"conflict": current, "conflict_changes": between}
        return _edit_page(request, standard, current or newest, form, status=409, **context)
    except StandardEditError as error:
        form.apply_problems(error)
        return _edit_page(request, standard, newest, form, status=400)
    if confirming:
        version = outcome.version
        if outcome.created:
            messages.success(
                request,
                _("Version %(number)s of %(code)s has been saved.") % {"number": version.number, "code": standard.code},
            )
        else:
            messages.info(request, _("Nothing was changed, so no new version was saved."))
        return redirect("standards:detail", code=standard.code)
    if plan.unchanged:
        messages.info(request, _("Nothing has been changed yet; there is nothing to save."))
        form.set_preview_hash("")
        return _edit_page(request, standard, newest, form)
    form.set_preview_hash(plan.content_hash)
    stale = request.POST.get("action") == "save"  # "Save" after the form changed since "Check"
    return _edit_page(request, standard, newest, form, plan=plan, changed_after_preview=stale)


def _edit_page(request, standard, newest, form, *, status: int = 200, **extra):
    context = {
        "standard": standard,
        "newest": newest,
        "form": form,
        "rows": form.item_rows(),
        "plan": None,
        "conflict": None,
        **extra,
    }
    return render(request, "standards/standard_edit.html", context, status=status)
