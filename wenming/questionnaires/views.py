"""The questionnaire pages (``/questionnaires/``): the list with "new from a template", the
builder of one questionnaire (edit the draft question by question with HTMX, publish, start a new
draft, put in use), its results by dimension and question, and the dimensions.

Who: the civility office and system administrators build; they and department heads read results
(a head only of their own departments); everyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.feedback.selectors import may_manage_feedback, may_read_feedback, scope_departments
from wenming.org.access import access_for, require_check
from wenming.org.forms import apply_service_errors
from wenming.org.services.common import ConcurrentEditError

from . import selectors, services
from .forms import CreateForm, DimensionForm, MoveForm, QuestionForm, QuestionnaireForm, ResultsForm, VersionForm
from .models import Dimension, Question, Questionnaire, QuestionnaireVersion, VersionStatus

CONFLICT = gettext_lazy(
    "Someone else changed this draft after you opened it, so nothing was saved. The page now shows the draft as it is; make your change again."  # noqa: E501
)


builder_required = require_check(may_manage_feedback, not_found=True)
reader_required = require_check(may_read_feedback, not_found=True)


def _builder_context(request, questionnaire: Questionnaire, version: QuestionnaireVersion | None, **extra) -> dict:
    versions = list(questionnaire.versions.select_related("published_by").order_by("-number"))
    version = version or selectors.latest_version(questionnaire)
    questions = list(version.questions.select_related("dimension").order_by("order", "pk")) if version else []
    return {
        "questionnaire": questionnaire,
        "version": version,
        "versions": versions,
        "questions": questions,
        "spec": selectors.form_spec(version) if version else None,
        "new_form": extra.pop("new_form", None) or QuestionForm(initial={"version": version.version if version else 1}),
        "has_published": any(v.status == VersionStatus.PUBLISHED for v in versions),
        **extra,
    }


def _builder(request, questionnaire: Questionnaire, *, status: int = 200, **extra):
    """The draft again: the partial for HTMX (always 200: htmx does not swap error answers, and
    the error is shown in the partial), the whole page with its status otherwise."""
    context = _builder_context(request, questionnaire, None, **extra)
    if request.htmx:
        return render(request, "questionnaires/_draft.html", context)
    return render(request, "questionnaires/detail.html", context, status=status)


def _question_form(request, questionnaire: Questionnaire, question: Question, form, *, status: int = 200):
    """The edit form of one question: in its place in the list for HTMX, as a page otherwise."""
    context = {"form": form, "question": question, "q": questionnaire}
    if request.htmx:
        response = render(request, "questionnaires/_question_form.html", context)
        response["HX-Retarget"] = f"#question-{question.pk}"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "questionnaires/question_edit.html", context, status=status)


@builder_required
@require_GET
def questionnaire_list(request):
    return render(
        request,
        "questionnaires/list.html",
        {"questionnaires": selectors.questionnaires_list(), "form": CreateForm()},
    )


@builder_required
@require_POST
def questionnaire_create(request):
    form = CreateForm(request.POST)
    if form.is_valid():
        try:
            questionnaire = services.questionnaire_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Questionnaire created. Edit the draft, then publish it."))
            return redirect("questionnaires:detail", pk=questionnaire.pk)
    return render(
        request,
        "questionnaires/list.html",
        {"questionnaires": selectors.questionnaires_list(), "form": form},
        status=400,
    )


@builder_required
@require_GET
def questionnaire_detail(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    version = selectors.latest_version(questionnaire)
    return render(
        request,
        "questionnaires/detail.html",
        {
            **_builder_context(request, questionnaire, version),
            "settings_form": QuestionnaireForm(
                initial={
                    "name": questionnaire.name,
                    "intro": questionnaire.intro,
                    "version": getattr(version, "version", 1),
                }
            ),
        },
    )


def _draft(questionnaire: Questionnaire) -> QuestionnaireVersion:
    draft = questionnaire.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Http404
    return draft


@builder_required
@require_POST
def questionnaire_update(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft(questionnaire)
    form = QuestionnaireForm(request.POST)
    if form.is_valid():
        try:
            services.questionnaire_update(
                by=request.user,
                questionnaire=questionnaire,
                draft=draft,
                name=form.cleaned_data["name"],
                intro=form.cleaned_data["intro"],
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError:
            form.add_error(None, CONFLICT)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("questionnaires:detail", pk=pk)
    return render(
        request,
        "questionnaires/detail.html",
        {**_builder_context(request, questionnaire, draft), "settings_form": form},
        status=400,
    )


def _question_values(form: QuestionForm) -> dict:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "dimension": data.get("dimension"),
        "required": data.get("required", False),
        "options": data.get("options", ""),
    }


@builder_required
@require_POST
def question_add(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft(questionnaire)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_save(
                by=request.user, version=draft, expected_version=form.cleaned_data["version"], **_question_values(form)
            )
        except ConcurrentEditError:
            return _builder(request, questionnaire, status=409, error=CONFLICT)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _builder(request, questionnaire)
    return _builder(request, questionnaire, status=400, new_form=form)


@builder_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int, question_pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft(questionnaire)
    question = get_object_or_404(Question, pk=question_pk, version=draft)
    if request.method == "GET":
        form = QuestionForm(
            initial={
                "version": draft.version,
                "kind": question.kind,
                "text": question.text,
                "dimension": question.dimension_id,
                "required": question.required,
                "options": "\n".join(question.options or []),
            }
        )
        return _question_form(request, questionnaire, question, form)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_save(
                by=request.user,
                version=draft,
                expected_version=form.cleaned_data["version"],
                question=question,
                **_question_values(form),
            )
        except ConcurrentEditError:
            return _builder(request, questionnaire, status=409, error=CONFLICT)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _builder(request, questionnaire)
    return _question_form(request, questionnaire, question, form, status=400)


@builder_required
@require_POST
def question_delete(request, pk: int, question_pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft(questionnaire)
    question = get_object_or_404(Question, pk=question_pk, version=draft)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _builder(request, questionnaire, status=400, error=CONFLICT)
    try:
        services.question_delete(
            by=request.user, version=draft, expected_version=form.cleaned_data["version"], question=question
        )
    except ConcurrentEditError:
        return _builder(request, questionnaire, status=409, error=CONFLICT)
    return _builder(request, questionnaire)


@builder_required
@require_POST
def question_move(request, pk: int, question_pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft(questionnaire)
    question = get_object_or_404(Question, pk=question_pk, version=draft)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _builder(request, questionnaire, status=400, error=CONFLICT)
    try:
        services.question_move(
            by=request.user,
            version=draft,
            expected_version=form.cleaned_data["version"],
            question=question,
            direction=form.cleaned_data["direction"],
        )
    except ConcurrentEditError:
        return _builder(request, questionnaire, status=409, error=CONFLICT)
    return _builder(request, questionnaire)


def _act(request, pk: int, action, success: str):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    try:
        action(questionnaire)
    except ConcurrentEditError:
        messages.error(request, CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("questionnaires:detail", pk=pk)


@builder_required
@require_POST
def version_publish(request, pk: int):
    form = VersionForm(request.POST)
    expected = form.cleaned_data["version"] if form.is_valid() else 0

    def publish(questionnaire):
        services.version_publish(by=request.user, version=_draft(questionnaire), expected_version=expected)

    return _act(request, pk, publish, _("Published. New answers are given on this version."))


@builder_required
@require_POST
def draft_start(request, pk: int):
    return _act(
        request,
        pk,
        lambda q: services.draft_start(by=request.user, questionnaire=q),
        _("A new draft copied from the latest version. Publish it when it is ready."),
    )


@builder_required
@require_POST
def questionnaire_use(request, pk: int):
    return _act(
        request,
        pk,
        lambda q: services.questionnaire_use(by=request.user, questionnaire=q),
        _("This questionnaire is now the one in use for its purpose."),
    )


@builder_required
@require_POST
def questionnaire_retire(request, pk: int):
    return _act(
        request,
        pk,
        lambda q: services.questionnaire_retire(by=request.user, questionnaire=q),
        _("No longer in use: its forms ask only the overall rating until another questionnaire is put in use."),
    )


@reader_required
@require_GET
def results(request, pk: int):
    """Results of one questionnaire: per dimension by both methods, and per question of a version."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    access = access_for(request.user)
    departments = scope_departments(access=access).filter(is_active=True).order_by("path")
    form = ResultsForm(request.GET or None, departments=departments)
    department = start = end = None
    if form.is_valid():
        department, start, end = (form.cleaned_data.get(k) for k in ("department", "start", "end"))
    if department is not None:
        department_ids = [department.pk]
    elif may_manage_feedback(access):
        department_ids = None
    else:
        department_ids = list(departments.values_list("pk", flat=True))
    versions = list(questionnaire.versions.exclude(status=VersionStatus.DRAFT).order_by("-number"))
    version = next((v for v in versions if str(v.number) == request.GET.get("v")), versions[0] if versions else None)
    return render(
        request,
        "questionnaires/results.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "versions": versions,
            "version": version,
            "dimensions": selectors.dimension_results(
                department_ids=department_ids,
                start=start,
                end=end,
                questionnaire=questionnaire,
                only=selectors.questionnaire_dimension_ids(questionnaire),
            ),
            "questions": selectors.question_results(
                version=version, department_ids=department_ids, start=start, end=end
            )
            if version
            else [],
            "may_build": may_manage_feedback(access),
            "query": request.GET.urlencode(),
        },
    )


@builder_required
@require_http_methods(["GET", "POST"])
def dimensions(request):
    """The dimensions: add one, or change one's name, weight, order or whether it is offered."""
    edit = None
    if request.method == "POST":
        edit = get_object_or_404(Dimension, pk=request.POST["pk"]) if request.POST.get("pk") else None
        form = DimensionForm(request.POST)
        if form.is_valid():
            try:
                services.dimension_save(by=request.user, dimension=edit, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("questionnaires:dimensions"))
        status = 400
    else:
        form, status = DimensionForm(), 200
    return render(
        request,
        "questionnaires/dimensions.html",
        {"dimensions": Dimension.objects.all(), "form": form, "edit": edit},
        status=status,
    )
