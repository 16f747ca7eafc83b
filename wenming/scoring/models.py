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

from wenming.core.models import Attachment
from wenming.core.storage import private_storage
from wenming.standards.models import CYCLE_CHOICES


class RecordKind(models.TextChoices):
    FINDING = "finding", _("Finding")
    BONUS = "bonus", _("Bonus")
    VETO = "veto", _("Veto")
    MANUAL = "manual", _("Manual score")
    # A correction (更正) of a finalized period: ``value`` is the signed change of the subject's
    # total, ``code`` the item it concerns (or empty), ``corrects`` the period. It never changes
    # stored results; it is published with the next period and shown on the scorecard.
    CORRECTION = "correction", _("Correction")


# The kinds the engine scores (and import_records accepts, with feedback).
SCORED_KINDS = (RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO, RecordKind.MANUAL)


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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic concurrency: a form carries the version it was shown; saving checks and bumps it.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Approval and voiding (who decided, when, why); a correction's reason is ``reason`` too.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    corrects = models.ForeignKey(
        "ScoringPeriod",
        verbose_name=_("corrects period"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

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
            models.CheckConstraint(
                condition=~models.Q(kind="correction") | models.Q(corrects__isnull=False, value__isnull=False),
                name="scoring_correction_has_period_and_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.date or self.period_key}"

    @property
    def subject(self):
        return self.department if self.department_id else self.staff


class Evidence(Attachment):
    """A file attached to a record (a photo, a scanned certificate, a document); private storage."""

    record = models.ForeignKey(Record, verbose_name=_("record"), on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/scoring/%Y/%m/", storage=private_storage)

    class Meta(Attachment.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


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
    # The subject codes this period is limited to (a 医德考评 cycle's members: staff numbers);
    # null = every subject the standard applies to. Quotas count the subjects in this scope.
    scope = models.JSONField(_("subjects in scope"), null=True, blank=True)

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


class PayMethod(models.TextChoices):
    RATIO = "ratio", _("Total ÷ full score")
    GRADE_TABLE = "grade_table", _("Table by grade")


class PayRule(models.Model):
    """How a standard's monthly result becomes a performance coefficient for the finance office.

    ``ratio``: coefficient = total ÷ full score (bonus included, so it may pass 1);
    ``grade_table``: coefficient = ``grade_coefficients[grade]``. Either way a vetoed result gets
    ``veto_coefficient`` when set, and the figure is rounded half-up to ``places`` decimals."""

    standard = models.OneToOneField(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="pay_rule"
    )
    method = models.CharField(_("method"), max_length=16, choices=PayMethod.choices, default=PayMethod.RATIO)
    grade_coefficients = models.JSONField(_("coefficient by grade"), default=dict, blank=True)
    veto_coefficient = models.DecimalField(
        _("coefficient when vetoed"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    places = models.PositiveSmallIntegerField(_("decimal places"), default=4)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("pay linkage rule")
        verbose_name_plural = _("pay linkage rules")

    def __str__(self) -> str:
        return f"{self.standard_id} {self.method}"


class ComputeStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Computing")
    DONE = "done", _("Computed")
    FAILED = "failed", _("Failed")


class ComputeRun(models.Model):
    """One (re)computation asked for from the web page, run by a background task; the page polls
    it for progress. ``steps_done``/``steps_total`` count the periods computed (a rollup computes
    its source periods first)."""

    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="+"
    )
    period_key = models.CharField(_("period"), max_length=8)
    status = models.CharField(_("status"), max_length=16, choices=ComputeStatus.choices, default=ComputeStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("computation")
        verbose_name_plural = _("computations")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.standard_id} {self.period_key} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == ComputeStatus.DONE:
            return 100
        if not self.steps_total:
            return 0
        return min(100, self.steps_done * 100 // self.steps_total)
