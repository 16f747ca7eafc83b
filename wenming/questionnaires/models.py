"""Questionnaires (问卷).

- :class:`Dimension`: what a rating question measures (挂号就诊、候诊时间、医生沟通 …), with a weight
  for the 100-point method's overall score. The office keeps the list; the common ones are seeded.
- :class:`Questionnaire`: one survey for a purpose (门诊、住院、出院回访、员工满意度). At most one per
  purpose is *in use*: the QR page asks the outpatient one, the discharge-desk kiosk the inpatient
  one, follow-up callers the discharge one.
- :class:`QuestionnaireVersion`: its numbered versions. A draft is edited question by question;
  publishing freezes it (a published version never changes, so every answer keeps its meaning)
  and retires the version published before. Changing a published questionnaire starts a new draft
  copied from it.
- :class:`Question`: rating (1–5), single choice, multiple choice or text, with a stable ``key``
  (``q1``, ``q2`` …) the answers are stored under and the form posts as ``q_<key>``.
- :class:`RatingAnswer`: each rating answer of a feedback again as a row (feedback, question,
  dimension, rating), written with the feedback, so results per dimension are one SQL aggregate.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient (门诊)")
    INPATIENT = "inpatient", _("Inpatient (住院)")
    DISCHARGE = "discharge", _("Discharge follow-up (出院回访)")
    STAFF = "staff", _("Staff satisfaction (员工满意度)")


class Dimension(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Questionnaire(models.Model):
    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    intro = models.CharField(_("introduction"), max_length=200, blank=True)
    in_use = models.BooleanField(_("in use"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["purpose", "-in_use", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"], condition=models.Q(in_use=True), name="questionnaires_one_in_use_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Optimistic concurrency: every change to the draft's questions bumps it.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="questionnaires_version_number"),
            models.UniqueConstraint(
                fields=["questionnaire"], condition=models.Q(status="draft"), name="questionnaires_one_draft"
            ),
            models.UniqueConstraint(
                fields=["questionnaire"], condition=models.Q(status="published"), name="questionnaires_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.name} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating 1–5")
    SINGLE = "single", _("Single choice")
    MULTI = "multi", _("Multiple choice")
    TEXT = "text", _("Text")


# The five points of a rating question, as patients read them (the rate method counts 4 and 5).
RATING_LABELS = {
    5: _("Very satisfied"),
    4: _("Satisfied"),
    3: _("Neutral"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}
SATISFIED_MIN = 4


class Question(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(_("key"), max_length=16)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=200)
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("dimension"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    required = models.BooleanField(_("required"), default=False)
    options = models.JSONField(_("options"), default=list, blank=True)  # ["挂号窗口", "自助机", …]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="questionnaires_question_key")]

    def __str__(self) -> str:
        return self.text

    @property
    def field(self) -> str:
        """The name of its form field."""
        return f"q_{self.key}"


class RatingAnswer(models.Model):
    feedback = models.ForeignKey(
        "feedback.Feedback", verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="rating_answers"
    )
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("dimension"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))

    class Meta:
        verbose_name = _("rating answer")
        verbose_name_plural = _("rating answers")
        indexes = [models.Index(fields=["dimension", "feedback"], name="questionnaires_answer_dim")]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "question"], name="questionnaires_answer_once"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="questionnaires_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id}/{self.question_id}: {self.rating}"
