"""Satisfaction alerts (差评预警): the rules the civility office sets, and the alerts they raise.

An :class:`AlertRule` is one of three kinds:

- ``low_rating`` — a valid feedback rated ``threshold`` or lower (default 2 of 5);
- ``keyword`` — a valid feedback whose comment contains one of ``keywords`` (红包、态度、收费 …),
  rated ``max_overall`` or lower (5, the default: whatever the rating);
- ``below_target`` — a department's weekly satisfaction rate (valid feedback rated 4 or 5 ÷ valid
  feedback, as the scoring rule ``satisfaction`` counts it) below ``target`` for ``weeks``
  consecutive ISO weeks, each with at least ``min_sample`` valid feedback.

An :class:`Alert` names its rule and department, and either the feedback (the first two kinds) or
the last week of the run (``week``, that week's Monday). Unique constraints make each happen once:
one alert per rule and feedback, one per rule, department and week. An alert is ``open`` until a
department head or the office acknowledges it (by, at, note).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_THRESHOLD = 2
DEFAULT_TARGET = Decimal("0.950")
DEFAULT_WEEKS = 2
DEFAULT_MIN_SAMPLE = 10
DEFAULT_KEYWORDS = ("红包", "态度", "收费", "推诿", "索要")


class AlertKind(models.TextChoices):
    LOW_RATING = "low_rating", _("Low rating")
    BELOW_TARGET = "below_target", _("Satisfaction below target")
    KEYWORD = "keyword", _("Keyword in a comment")


# The kinds checked when a feedback comes in (the other is checked weekly).
FEEDBACK_KINDS = (AlertKind.LOW_RATING, AlertKind.KEYWORD)


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")


class AlertRule(models.Model):
    """One rule the office set; only the fields of its kind matter."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    active = models.BooleanField(_("active"), default=True)
    threshold = models.PositiveSmallIntegerField(_("rating at or below"), default=DEFAULT_THRESHOLD)
    target = models.DecimalField(_("target rate"), max_digits=4, decimal_places=3, default=DEFAULT_TARGET)
    weeks = models.PositiveSmallIntegerField(_("consecutive weeks"), default=DEFAULT_WEEKS)
    min_sample = models.PositiveIntegerField(_("minimum feedback per week"), default=DEFAULT_MIN_SAMPLE)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    max_overall = models.PositiveSmallIntegerField(_("only for ratings at or below"), default=5)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One alert raised by a rule, open until someone acknowledges it."""

    rule = models.ForeignKey(AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="alerts"
    )
    feedback = models.ForeignKey(
        "feedback.Feedback",
        verbose_name=_("patient feedback"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    # below_target: the Monday of the last week of the run.
    week = models.DateField(_("week"), null=True, blank=True)
    # What raised it: the rating and the threshold, the keywords found, the weeks' figures.
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "feedback"],
                condition=models.Q(feedback__isnull=False),
                name="alerts_once_per_rule_feedback",
            ),
            models.UniqueConstraint(
                fields=["rule", "department", "week"],
                condition=models.Q(week__isnull=False),
                name="alerts_once_per_rule_department_week",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="alerts_status_created"),
            models.Index(fields=["department", "status"], name="alerts_department_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.department_id} · {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN
