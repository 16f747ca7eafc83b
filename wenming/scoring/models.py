"""What scoring stores: the records that move points, the periods computed, and their results.

A :class:`Record` is a finding, bonus, veto or manual value against one subject (a department or
a staff member) of a standard. Only records whose status is ``counts`` are used by the engine.
A :class:`ScoringPeriod` is one period of one standard as last computed (and, once finalized, the
version it keeps); its :class:`Result` rows are replaced on every recomputation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.standards.models import CYCLE_CHOICES


class RecordKind(models.TextChoices):
    FINDING = "finding", _("Finding")
    BONUS = "bonus", _("Bonus")
    VETO = "veto", _("Veto")
    MANUAL = "manual", _("Manual score")


class RecordStatus(models.TextChoices):
    COUNTS = "counts", _("Counts")
    PENDING = "pending", _("Pending approval")
    VOIDED = "voided", _("Voided")


class Record(models.Model):
    """One record against a subject of a standard. ``date`` is the local date (finding, bonus,
    veto); ``period_key`` is the period a manual value is for (e.g. ``2026-10``)."""

    kind = models.CharField(_("kind"), max_length=16, choices=RecordKind.choices)
    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="records"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoring_records",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoring_records",
    )
    code = models.CharField(_("code"), max_length=32)
    date = models.DateField(_("date"), null=True, blank=True)
    period_key = models.CharField(_("period"), max_length=8, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    assessor = models.ForeignKey(
        "org.Staff",
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessed_records",
    )
    status = models.CharField(_("status"), max_length=8, choices=RecordStatus.choices, default=RecordStatus.COUNTS)
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scoring record")
        verbose_name_plural = _("scoring records")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["standard", "kind", "status", "date"], name="scoring_record_by_date"),
            models.Index(fields=["standard", "kind", "status", "period_key"], name="scoring_record_by_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(department__isnull=False, staff__isnull=True)
                    | models.Q(department__isnull=True, staff__isnull=False)
                ),
                name="scoring_record_one_subject",
            ),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="scoring_record_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.date or self.period_key}"


class ScoringPeriod(models.Model):
    """One period of one standard: when it was computed, with which version, and whether it is final."""

    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="periods"
    )
    key = models.CharField(_("period"), max_length=8)
    cycle = models.CharField(_("cycle"), max_length=16, choices=CYCLE_CHOICES)
    start = models.DateField(_("first day"))
    end = models.DateField(_("day after the last"))
    version = models.ForeignKey(
        "standards.StandardVersion",
        verbose_name=_("standard version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalized by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finalize_reason = models.TextField(_("reason for finalizing"), blank=True)

    class Meta:
        verbose_name = _("scoring period")
        verbose_name_plural = _("scoring periods")
        ordering = ["standard", "start"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "key"], name="scoring_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.standard_id} {self.key}"

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None


class Result(models.Model):
    """One subject's stored result in one period. ``items`` maps item code → "12.50" (written in
    standard order; PostgreSQL's jsonb does not keep key order, so readers order by the version)."""

    period = models.ForeignKey(
        ScoringPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="results"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_code = models.CharField(_("subject"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=8, decimal_places=2)
    deducted = models.DecimalField(_("deducted"), max_digits=8, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=50)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    rank = models.PositiveIntegerField(_("rank"))
    items = models.JSONField(_("item scores"), default=dict)
    flags = models.JSONField(_("flags"), default=list)
    explanations = models.JSONField(_("explanations"), default=dict)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["rank", "subject_code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "subject_code"], name="scoring_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_code} {self.total}"
