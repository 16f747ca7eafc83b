"""Writes of questionnaires, and the checking of answers.

Who: the civility office and system administrators build questionnaires (the views check it).

- :func:`questionnaire_create` — a new questionnaire, its draft v1 copied from a template or empty.
- :func:`question_save`, :func:`question_delete`, :func:`question_move` — edit the draft; each
  takes the draft's ``expected_version`` so two people editing one draft never silently overwrite
  each other.
- :func:`version_publish` — freeze the draft; the version published before is retired. Answers
  keep pointing at the version they were given on.
- :func:`draft_start` — a new draft copied from the newest version.
- :func:`questionnaire_use` — make it the one in use for its purpose (needs a published version).
- :func:`answers_clean` — the answers a form posted (``q_<key>``) checked against a version;
  :func:`rating_answers_build` their rating rows for results per dimension.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.services.common import ConcurrentEditError

from .models import (
    Dimension,
    Purpose,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    RatingAnswer,
    VersionStatus,
)
from .selectors import FormSpec, in_use_cache_key
from .templates_data import TEMPLATES

TEXT_MAX = 500
OPTIONS_MAX = 12
OPTION_MAX = 40


def _forget(questionnaire: Questionnaire) -> None:
    cache.delete(in_use_cache_key(questionnaire.purpose))


def _locked_draft(version: QuestionnaireVersion, expected_version: int | None) -> QuestionnaireVersion:
    row = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if row.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed. Start a new draft to change a published questionnaire."))
    if expected_version is not None and row.version != expected_version:
        raise ConcurrentEditError()
    return row


def _bump(version: QuestionnaireVersion) -> None:
    version.version += 1
    version.save(update_fields=["version"])


def _clean_options(kind: str, options) -> list[str]:
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTI):
        return []
    if isinstance(options, str):
        options = options.splitlines()
    cleaned = []
    for option in options or []:
        option = str(option).strip()
        if option and option not in cleaned:
            cleaned.append(option)
    if len(cleaned) < 2:
        raise ValidationError({"options": _("A choice question needs at least two options, one per line.")})
    if len(cleaned) > OPTIONS_MAX:
        raise ValidationError({"options": _("At most %(n)d options.") % {"n": OPTIONS_MAX}})
    if any(len(option) > OPTION_MAX for option in cleaned):
        raise ValidationError({"options": _("An option may have at most %(n)d characters.") % {"n": OPTION_MAX}})
    return cleaned


def _next_key(version: QuestionnaireVersion) -> str:
    used = set(version.questions.values_list("key", flat=True))
    n = len(used) + 1
    while f"q{n}" in used:
        n += 1
    return f"q{n}"


def _add_questions(version: QuestionnaireVersion, rows) -> None:
    dimensions = dict(Dimension.objects.values_list("code", "pk"))
    Question.objects.bulk_create(
        Question(
            version=version,
            key=f"q{n}",
            order=n * 10,
            kind=kind,
            text=text,
            dimension_id=dimensions.get(dimension) if dimension else None,
            required=required,
            options=list(options),
        )
        for n, (kind, text, dimension, required, options) in enumerate(rows, start=1)
    )


@transaction.atomic
def questionnaire_create(*, by, name: str, purpose: str, intro: str = "", template: str = "") -> Questionnaire:
    """A new questionnaire with its draft v1: the template's questions (``template`` is a purpose
    from :data:`TEMPLATES`) or none."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the questionnaire a name.")
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose what the questionnaire is for.")
    if template and template not in TEMPLATES:
        errors["template"] = _("Unknown template.")
    if errors:
        raise ValidationError(errors)
    questionnaire = Questionnaire.objects.create(name=name, purpose=purpose, intro=(intro or "").strip(), created_by=by)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1)
    if template:
        _add_questions(version, TEMPLATES[template]["questions"])
    audit_log(
        actor=by,
        action="questionnaires.questionnaire.created",
        target=questionnaire,
        data={"purpose": purpose, "template": template},
    )
    return questionnaire


@transaction.atomic
def questionnaire_update(
    *, by, questionnaire: Questionnaire, name: str, intro: str, expected_version: int, draft: QuestionnaireVersion
) -> Questionnaire:
    """Rename it or change its introduction (shown on every version's form; guarded by the draft)."""
    _locked_draft(draft, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the questionnaire a name.")})
    before = {"name": questionnaire.name, "intro": questionnaire.intro}
    questionnaire.name, questionnaire.intro = name, (intro or "").strip()
    questionnaire.save(update_fields=["name", "intro"])
    _bump(draft)
    _forget(questionnaire)
    audit_log(
        actor=by,
        action="questionnaires.questionnaire.updated",
        target=questionnaire,
        data={k: [before[k], getattr(questionnaire, k)] for k in before if before[k] != getattr(questionnaire, k)},
    )
    return questionnaire


@transaction.atomic
def question_save(
    *,
    by,
    version: QuestionnaireVersion,
    expected_version: int,
    question: Question | None = None,
    kind: str,
    text: str,
    dimension: Dimension | None = None,
    required: bool = False,
    options=(),
) -> Question:
    """Add a question to the draft (``question`` None) or change one of its questions."""
    draft = _locked_draft(version, expected_version)
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Write the question.")
    if kind not in QuestionKind.values:
        errors["kind"] = _("Choose the kind of question.")
    if errors:
        raise ValidationError(errors)
    options = _clean_options(kind, options)
    if kind != QuestionKind.RATING:
        dimension = None
    if question is None:
        order = (draft.questions.aggregate(m=Max("order"))["m"] or 0) + 10
        question = Question(version=draft, key=_next_key(draft), order=order)
        action = "questionnaires.question.added"
    else:
        if question.version_id != draft.pk:
            raise ValidationError(_("This question belongs to another version."))
        action = "questionnaires.question.updated"
    question.kind, question.text, question.dimension = kind, text, dimension
    question.required, question.options = bool(required), options
    question.save()
    _bump(draft)
    audit_log(
        actor=by,
        action=action,
        target=draft.questionnaire,
        data={"version": draft.number, "key": question.key, "text": text, "kind": kind},
    )
    return question


@transaction.atomic
def question_delete(*, by, version: QuestionnaireVersion, expected_version: int, question: Question) -> None:
    draft = _locked_draft(version, expected_version)
    if question.version_id != draft.pk:
        raise ValidationError(_("This question belongs to another version."))
    key, text = question.key, question.text
    question.delete()
    _bump(draft)
    audit_log(
        actor=by,
        action="questionnaires.question.deleted",
        target=draft.questionnaire,
        data={"version": draft.number, "key": key, "text": text},
    )


@transaction.atomic
def question_move(
    *, by, version: QuestionnaireVersion, expected_version: int, question: Question, direction: int
) -> None:
    """Move a question one place up (``direction`` −1) or down (+1)."""
    draft = _locked_draft(version, expected_version)
    questions = list(draft.questions.order_by("order", "pk"))
    index = next((i for i, q in enumerate(questions) if q.pk == question.pk), None)
    if index is None:
        raise ValidationError(_("This question belongs to another version."))
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
        for n, q in enumerate(questions, start=1):
            q.order = n * 10
        Question.objects.bulk_update(questions, ["order"])
    _bump(draft)


@transaction.atomic
def version_publish(*, by, version: QuestionnaireVersion, expected_version: int) -> QuestionnaireVersion:
    """Freeze the draft; the version published before is retired."""
    draft = _locked_draft(version, expected_version)
    questions = list(draft.questions.all())
    if not questions:
        raise ValidationError(_("Add at least one question before publishing."))
    for question in questions:
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI) and len(question.options or []) < 2:
            raise ValidationError(_("Question “%(text)s” needs at least two options.") % {"text": question.text})
    retired = QuestionnaireVersion.objects.filter(
        questionnaire_id=draft.questionnaire_id, status=VersionStatus.PUBLISHED
    ).update(status=VersionStatus.RETIRED)
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = timezone.now()
    draft.published_by = by
    draft.version += 1
    draft.save(update_fields=["status", "published_at", "published_by", "version"])
    _forget(draft.questionnaire)
    audit_log(
        actor=by,
        action="questionnaires.version.published",
        target=draft.questionnaire,
        data={"version": draft.number, "questions": len(questions), "retired_previous": bool(retired)},
    )
    return draft


@transaction.atomic
def draft_start(*, by, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """A new draft copied from the newest version (the existing draft if there is one)."""
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    existing = questionnaire.versions.filter(status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    source = questionnaire.versions.order_by("-number").first()
    draft = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=(source.number + 1) if source else 1
    )
    if source:
        Question.objects.bulk_create(
            Question(
                version=draft,
                key=q.key,
                order=q.order,
                kind=q.kind,
                text=q.text,
                dimension_id=q.dimension_id,
                required=q.required,
                options=q.options,
            )
            for q in source.questions.all()
        )
    audit_log(
        actor=by, action="questionnaires.version.draft_started", target=questionnaire, data={"version": draft.number}
    )
    return draft


@transaction.atomic
def questionnaire_use(*, by, questionnaire: Questionnaire) -> Questionnaire:
    """Make it the questionnaire in use for its purpose (the one before is no longer in use)."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if not questionnaire.versions.filter(status=VersionStatus.PUBLISHED).exists():
        raise ValidationError(_("Publish a version of the questionnaire before putting it in use."))
    previous = list(
        Questionnaire.objects.filter(purpose=questionnaire.purpose, in_use=True)
        .exclude(pk=questionnaire.pk)
        .values_list("name", flat=True)
    )
    Questionnaire.objects.filter(purpose=questionnaire.purpose, in_use=True).update(in_use=False)
    questionnaire.in_use = True
    questionnaire.save(update_fields=["in_use"])
    _forget(questionnaire)
    audit_log(
        actor=by,
        action="questionnaires.questionnaire.in_use",
        target=questionnaire,
        data={"purpose": questionnaire.purpose, "replaces": previous},
    )
    return questionnaire


@transaction.atomic
def questionnaire_retire(*, by, questionnaire: Questionnaire) -> Questionnaire:
    """No longer in use: forms of its purpose ask only the overall rating until another is in use."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.in_use:
        questionnaire.in_use = False
        questionnaire.save(update_fields=["in_use"])
        _forget(questionnaire)
        audit_log(actor=by, action="questionnaires.questionnaire.not_in_use", target=questionnaire)
    return questionnaire


@transaction.atomic
def dimension_save(
    *, by, dimension: Dimension | None = None, code: str, name: str, weight, order: int, active: bool
) -> Dimension:
    """Add or change a dimension (its code never changes once created)."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the dimension a name.")
    elif Dimension.objects.filter(name=name).exclude(pk=getattr(dimension, "pk", None)).exists():
        errors["name"] = _("Another dimension already has this name.")
    if dimension is None:
        code = (code or "").strip().lower()
        if not code:
            errors["code"] = _("Give the dimension a code (letters, digits, - or _).")
        elif Dimension.objects.filter(code=code).exists():
            errors["code"] = _("Another dimension already has this code.")
    if errors:
        raise ValidationError(errors)
    created = dimension is None
    dimension = dimension or Dimension(code=code)
    dimension.name, dimension.weight, dimension.order, dimension.active = name, weight, order, active
    dimension.full_clean()
    dimension.save()
    cache.delete_many([in_use_cache_key(p) for p in Purpose.values])
    audit_log(
        actor=by,
        action="questionnaires.dimension.created" if created else "questionnaires.dimension.updated",
        target=dimension,
        data={"name": name, "weight": str(weight), "active": active},
    )
    return dimension


# --- Answers --------------------------------------------------------------------------------------


def posted_values(data, field: str) -> list[str]:
    """The non-empty values of ``field`` in a POST (all of a multiple choice) or a dict."""
    if not data:
        return []
    if hasattr(data, "getlist"):
        return [v for v in data.getlist(field) if v != ""]
    value = data.get(field)
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def answers_clean(*, version: FormSpec, data) -> dict:
    """The answers in ``data`` (a POST or a dict; fields ``q_<key>``) checked against ``version``:
    ``{key: 1–5 | option | [options] | text}``, unanswered questions left out. Raises
    ValidationError keyed by field for a missing required answer or a value not offered."""
    answers, errors = {}, {}
    for question in version.questions:
        values = posted_values(data, question.field)
        if not values:
            if question.required:
                errors[question.field] = _("Please answer this question.")
            continue
        if question.kind == QuestionKind.RATING:
            if values[0] not in ("1", "2", "3", "4", "5"):
                errors[question.field] = _("Choose a rating from 1 to 5.")
            else:
                answers[question.key] = int(values[0])
        elif question.kind == QuestionKind.SINGLE:
            if values[0] not in question.options:
                errors[question.field] = _("Choose one of the options.")
            else:
                answers[question.key] = values[0]
        elif question.kind == QuestionKind.MULTI:
            chosen = [o for o in question.options if o in values]
            if len(chosen) != len(set(values)):
                errors[question.field] = _("Choose among the options.")
            else:
                answers[question.key] = chosen
        else:
            text = values[0].strip()
            if len(text) > TEXT_MAX:
                errors[question.field] = _("At most %(n)d characters, please.") % {"n": TEXT_MAX}
            elif text:
                answers[question.key] = text
    if errors:
        raise ValidationError(errors)
    return answers


def rating_answers_build(*, version: FormSpec | None, answers: dict, feedback_id: int) -> list[RatingAnswer]:
    """The rating rows of one feedback's answers (saved with the feedback, in one INSERT)."""
    if version is None or not answers:
        return []
    return [
        RatingAnswer(feedback_id=feedback_id, question_id=q.pk, dimension_id=q.dimension_id, rating=answers[q.key])
        for q in version.rating_questions
        if isinstance(answers.get(q.key), int)
    ]
