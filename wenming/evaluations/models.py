"""The yearly 医德考评 (medical ethics evaluation) of the 2007 national guidance.

An :class:`EthicsCycle` is one year of it on a staff standard (``YDKP-2026``). It moves
开展中 ``open`` (daily records are being kept) → 个人自评 ``self`` → 科室评价 ``department`` →
单位评价 ``hospital`` → 公示 ``publicity`` → 已归档 ``archived``. Each person evaluated is an
:class:`EthicsMember` holding the three steps (self summary and grade; the department panel's
proposed grade; the committee's final grade, with the engine's grade beside it and the reason for any
override). :class:`DailyRecord` is the 日常记实 kept during the year, approved department → hospital
(退回 at either step); an approved record that names a code of the standard becomes a scoring
``Record`` that counts. :class:`Objection` is an 异议 raised during publicity and its 复核.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.models import Attachment
from wenming.core.storage import private_storage


class CycleState(models.TextChoices):
    OPEN = "open", _("Keeping daily records")
    SELF = "self", _("Self-evaluation")
    DEPARTMENT = "department", _("Department evaluation")
    HOSPITAL = "hospital", _("Hospital evaluation")
    PUBLICITY = "publicity", _("Publicity")
    ARCHIVED = "archived", _("Final and archived")


# The order of the steps; a cycle moves one step forward at a time.
CYCLE_STEPS = [s.value for s in CycleState]


class EthicsCycle(models.Model):
    """One year's 医德考评 on a staff standard of cycle ``year``."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="ethics_cycles"
    )
    title = models.CharField(_("title"), max_length=100)
    state = models.CharField(_("state"), max_length=16, choices=CycleState.choices, default=CycleState.OPEN)
    self_due = models.DateField(_("self-evaluation due"), null=True, blank=True)
    department_due = models.DateField(_("department evaluation due"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("days of publicity"), default=7)
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("ethics evaluation cycle")
        verbose_name_plural = _("ethics evaluation cycles")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title

    @property
    def period_key(self) -> str:
        return str(self.year)

    @property
    def step(self) -> int:
        return CYCLE_STEPS.index(self.state)

    @property
    def step_list(self) -> list[CycleState]:
        return list(CycleState)


class EthicsMember(models.Model):
    """One person evaluated in a cycle, with the three steps of the evaluation."""

    cycle = models.ForeignKey(EthicsCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="ethics_members"
    )
    # The department the person belonged to when the cycle took them in (the panel that evaluates them).
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    # Step 1: 个人自评.
    self_summary = models.TextField(_("self-evaluation"), blank=True)
    self_grade = models.CharField(_("self grade"), max_length=50, blank=True)
    self_at = models.DateTimeField(_("self-evaluation submitted at"), null=True, blank=True)
    # Step 2: 科室评价 (the manual items are scoring records; this is the panel's opinion and grade).
    department_comment = models.TextField(_("department's evaluation"), blank=True)
    department_grade = models.CharField(_("grade proposed by the department"), max_length=50, blank=True)
    department_at = models.DateTimeField(_("department evaluation submitted at"), null=True, blank=True)
    department_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department evaluation by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Step 3: 单位评价 — the committee's decision beside the engine's result.
    engine_total = models.DecimalField(_("computed total"), max_digits=8, decimal_places=2, null=True, blank=True)
    engine_grade = models.CharField(_("computed grade"), max_length=50, blank=True)
    engine_vetoed = models.BooleanField(_("vetoed"), default=False)
    engine_flags = models.JSONField(_("flags"), default=list, blank=True)
    final_grade = models.CharField(_("final grade"), max_length=50, blank=True)
    override_reason = models.TextField(_("reason for a grade other than the computed one"), blank=True)
    hospital_comment = models.TextField(_("hospital's evaluation"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 整改措施 for a person graded 一般 or 较差 (or anyone the committee asks).
    improvement_plan = models.TextField(_("improvement plan"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("person evaluated")
        verbose_name_plural = _("people evaluated")
        ordering = ["department__path", "staff__staff_no"]
        constraints = [models.UniqueConstraint(fields=["cycle", "staff"], name="evaluations_member_unique")]
        indexes = [models.Index(fields=["cycle", "department"])]

    def __str__(self) -> str:
        return f"{self.cycle.year} {self.staff}"

    @property
    def grade(self) -> str:
        """The grade as it stands: the committee's once decided, else the computed one."""
        return self.final_grade or self.engine_grade


class DailyKind(models.TextChoices):
    PRAISE = "praise", _("Praise")
    CRITICISM = "criticism", _("Criticism")
    VIOLATION = "violation", _("Violation")
    RED_ENVELOPE = "red_envelope", _("Refused a red envelope")
    AWARD = "award", _("Award or commendation")
    OTHER = "other", _("Other")


class DailyState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the department")
    DEPARTMENT_APPROVED = "department_approved", _("Waiting for the hospital")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class DailyRecord(models.Model):
    """One 日常记实 entry about a person: entered by their department (→ the department approves →
    the hospital approves) or by the office (→ the hospital approves). ``code`` optionally names a
    deduction, bonus or veto of the cycle's standard; once approved the entry then counts as the
    scoring ``record``. A returned entry can be corrected and submitted again."""

    cycle = models.ForeignKey(
        EthicsCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="daily_records"
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="ethics_daily_records"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DailyKind.choices)
    date = models.DateField(_("date"))
    code = models.CharField(_("item of the standard"), max_length=32, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    description = models.TextField(_("what happened"))
    state = models.CharField(_("state"), max_length=24, choices=DailyState.choices, default=DailyState.SUBMITTED)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    department_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by the department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department_at = models.DateTimeField(_("approved by the department at"), null=True, blank=True)
    hospital_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by the hospital"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hospital_at = models.DateTimeField(_("approved by the hospital at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    record = models.OneToOneField(
        "scoring.Record",
        verbose_name=_("scoring record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ethics_daily_record",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("daily ethics record")
        verbose_name_plural = _("daily ethics records")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["cycle", "state"]),
            models.Index(fields=["staff", "date"]),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(count__gte=1), name="evaluations_daily_count")]

    def __str__(self) -> str:
        return f"{self.date} {self.staff} {self.get_kind_display()}"


class DailyEvidence(Attachment):
    """A file attached to a daily record (a letter of thanks, a receipt for a handed-in envelope)."""

    daily_record = models.ForeignKey(
        DailyRecord, verbose_name=_("daily record"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="evidence/ethics/%Y/%m/", storage=private_storage)

    class Meta(Attachment.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


class ObjectionState(models.TextChoices):
    OPEN = "open", _("Under review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An 异议 to a published grade, raised during publicity, and its 复核 by the committee."""

    member = models.ForeignKey(
        EthicsMember, verbose_name=_("person evaluated"), on_delete=models.PROTECT, related_name="objections"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    text = models.TextField(_("objection"))
    state = models.CharField(_("state"), max_length=16, choices=ObjectionState.choices, default=ObjectionState.OPEN)
    review_note = models.TextField(_("review conclusion"), blank=True)
    grade_before = models.CharField(_("grade before the review"), max_length=50, blank=True)
    grade_after = models.CharField(_("grade after the review"), max_length=50, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_state_display()}"
