"""Reads of questionnaires: the form in use for a purpose (cached: the public page asks it on every
scan), and results per dimension and per question.

**Results.** Each rating question answers 1–5 (非常不满意 … 非常满意). For a set of feedback:

- the *rate method* (满意度): per dimension, the rating answers of 4 or 5 ÷ all its rating answers;
- the *100-point method* (百分制): per dimension, the mean of (r − 1) / 4 × 100 over its rating
  answers, and overall the dimensions' scores weighted by :attr:`Dimension.weight` (dimensions
  without answers left out).

Only valid feedback counts (flagged and not cleared, or confirmed invalid, does not). Decimals are
exact: rates to 0.0001 and scores to 0.01, rounded half up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum

from wenming.core.cache import cached_lookup

from .models import (
    SATISFIED_MIN,
    Dimension,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    RatingAnswer,
    VersionStatus,
)

CACHE_SECONDS = 300
RATE_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class QuestionSpec:
    pk: int
    key: str
    kind: str
    text: str
    required: bool
    options: tuple[str, ...]
    dimension_id: int | None

    @property
    def field(self) -> str:
        return f"q_{self.key}"


@dataclass(frozen=True)
class FormSpec:
    """A questionnaire version as the forms need it (small, picklable, cached)."""

    pk: int
    questionnaire_id: int
    title: str
    intro: str
    number: int
    questions: tuple[QuestionSpec, ...]

    @property
    def rating_questions(self) -> tuple[QuestionSpec, ...]:
        return tuple(q for q in self.questions if q.kind == QuestionKind.RATING)


def in_use_cache_key(purpose: str) -> str:
    return f"questionnaires:in-use:{purpose}"


def form_spec(version: QuestionnaireVersion) -> FormSpec:
    questions = Question.objects.filter(version=version).order_by("order", "pk")
    return FormSpec(
        pk=version.pk,
        questionnaire_id=version.questionnaire_id,
        title=version.questionnaire.name,
        intro=version.questionnaire.intro,
        number=version.number,
        questions=tuple(
            QuestionSpec(
                pk=q.pk,
                key=q.key,
                kind=q.kind,
                text=q.text,
                required=q.required,
                options=tuple(q.options or ()),
                dimension_id=q.dimension_id,
            )
            for q in questions
        ),
    )


def version_in_use(purpose: str) -> FormSpec | None:
    """The published version of the questionnaire in use for ``purpose``, or None (then forms ask
    only the overall rating). Cached; publishing or changing which questionnaire is in use clears it."""
    return cached_lookup(in_use_cache_key(purpose), CACHE_SECONDS, lambda: _spec_in_use(purpose))


def _spec_in_use(purpose: str) -> FormSpec | None:
    version = (
        QuestionnaireVersion.objects.filter(
            questionnaire__purpose=purpose, questionnaire__in_use=True, status=VersionStatus.PUBLISHED
        )
        .select_related("questionnaire")
        .first()
    )
    return form_spec(version) if version else None


def spec_for_version(pk) -> FormSpec | None:
    """A published or retired version by its id (a form drawn before a new version was published)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return cached_lookup(f"questionnaires:version:{pk}", CACHE_SECONDS, lambda: _spec_of_version(pk))


def _spec_of_version(pk: int) -> FormSpec | None:
    version = (
        QuestionnaireVersion.objects.filter(pk=pk)
        .exclude(status=VersionStatus.DRAFT)
        .select_related("questionnaire")
        .first()
    )
    return form_spec(version) if version else None


def questionnaires_list() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.annotate(
        responses=Count("versions__feedback", filter=Q(versions__feedback__is_valid=True), distinct=True),
        version_count=Count("versions", distinct=True),
    ).order_by("purpose", "-in_use", "name", "pk")


def latest_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The draft if there is one, else the newest version."""
    versions = list(questionnaire.versions.order_by("-number")[:2])
    for version in versions:
        if version.status == VersionStatus.DRAFT:
            return version
    return versions[0] if versions else None


# --- Results --------------------------------------------------------------------------------------


def _quantize(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    n: int
    satisfied: int
    rating_sum: int

    @property
    def rate(self) -> Decimal | None:
        """Rate method: (满意 + 非常满意) ÷ valid answers."""
        return _quantize(Decimal(self.satisfied) / Decimal(self.n), RATE_PLACES) if self.n else None

    @property
    def score(self) -> Decimal | None:
        """100-point method: mean of (r − 1) / 4 × 100."""
        if not self.n:
            return None
        return _quantize((Decimal(self.rating_sum) - self.n) * 25 / Decimal(self.n), SCORE_PLACES)


@dataclass(frozen=True)
class Results:
    dimensions: list[DimensionResult]

    @property
    def answered(self) -> list[DimensionResult]:
        return [d for d in self.dimensions if d.n]

    @property
    def rate(self) -> Decimal | None:
        """All rating answers by the rate method."""
        n = sum(d.n for d in self.dimensions)
        return _quantize(Decimal(sum(d.satisfied for d in self.dimensions)) / n, RATE_PLACES) if n else None

    @property
    def score(self) -> Decimal | None:
        """The dimensions' 100-point scores weighted by their weights."""
        parts = [(d.dimension.weight, d.score) for d in self.answered if d.dimension.weight > 0]
        total = sum((w for w, _ in parts), Decimal(0))
        if not total:
            return None
        return _quantize(sum((w * s for w, s in parts), Decimal(0)) / total, SCORE_PLACES)


def feedback_filter(
    *,
    department_ids=None,
    start: date | None = None,
    end: date | None = None,
    questionnaire: Questionnaire | None = None,
    prefix: str = "",
) -> Q:
    """Valid feedback of these departments (None: all) given between ``start`` and ``end``
    (hospital dates, inclusive), optionally on one questionnaire."""
    q = Q(**{f"{prefix}is_valid": True})
    if department_ids is not None:
        q &= Q(**{f"{prefix}department_id__in": department_ids})
    if start:
        q &= Q(**{f"{prefix}local_date__gte": start})
    if end:
        q &= Q(**{f"{prefix}local_date__lte": end})
    if questionnaire is not None:
        q &= Q(**{f"{prefix}questionnaire_version__questionnaire": questionnaire})
    return q


def questionnaire_dimension_ids(questionnaire: Questionnaire) -> set[int]:
    """The dimensions any version of the questionnaire asks about."""
    return set(
        Question.objects.filter(version__questionnaire=questionnaire, dimension__isnull=False).values_list(
            "dimension_id", flat=True
        )
    )


def dimension_results(
    *,
    department_ids=None,
    start: date | None = None,
    end: date | None = None,
    questionnaire: Questionnaire | None = None,
    only: set[int] | None = None,
) -> Results:
    """Results per active dimension, or per dimension of ``only`` (one query for the answers, one
    for the dimensions); a dimension with answers is always listed."""
    rows = {
        row["dimension_id"]: row
        for row in RatingAnswer.objects.filter(
            feedback_filter(
                department_ids=department_ids, start=start, end=end, questionnaire=questionnaire, prefix="feedback__"
            ),
            dimension__isnull=False,
        )
        .values("dimension_id")
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_MIN)), total=Sum("rating"))
        .order_by()
    }
    dimensions = [
        DimensionResult(
            dimension=dimension,
            n=rows.get(dimension.pk, {}).get("n", 0),
            satisfied=rows.get(dimension.pk, {}).get("satisfied", 0),
            rating_sum=rows.get(dimension.pk, {}).get("total", 0) or 0,
        )
        for dimension in Dimension.objects.all()
        if dimension.pk in rows or (dimension.pk in only if only is not None else dimension.active)
    ]
    return Results(dimensions=dimensions)


@dataclass
class QuestionResult:
    question: Question
    n: int = 0
    counts: Counter = field(default_factory=Counter)
    texts: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, int, Decimal]]:
        """(label, count, share of answers) in the question's order."""
        if self.question.kind == QuestionKind.RATING:
            labels = [str(r) for r in (5, 4, 3, 2, 1)]
        else:
            labels = list(self.question.options)
        return [
            (
                label,
                self.counts[label],
                _quantize(Decimal(self.counts[label]) / self.n, RATE_PLACES) if self.n else None,
            )
            for label in labels
        ]


TEXT_SAMPLES = 20


def question_results(
    *, version: QuestionnaireVersion, department_ids=None, start: date | None = None, end: date | None = None
) -> list[QuestionResult]:
    """Answers to each question of one version: counts per rating or option, the latest text answers."""
    results = [QuestionResult(question=q) for q in version.questions.select_related("dimension").order_by("order")]
    by_key = {r.question.key: r for r in results}
    rows = (
        version.feedback.filter(feedback_filter(department_ids=department_ids, start=start, end=end))
        .order_by("-at")
        .values_list("answers", flat=True)
    )
    for answers in rows.iterator(chunk_size=2000):
        for key, value in (answers or {}).items():
            result = by_key.get(key)
            if result is None or value in (None, "", []):
                continue
            result.n += 1
            if isinstance(value, list):
                result.counts.update(str(v) for v in value)
            elif result.question.kind == QuestionKind.TEXT:
                if len(result.texts) < TEXT_SAMPLES:
                    result.texts.append(str(value))
            else:
                result.counts[str(value)] += 1
    return results
