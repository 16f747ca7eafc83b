"""Public commitments (三亮：亮标准、亮身份、亮承诺).

* :class:`CommitmentTemplate` — the texts the civility office keeps (承诺模板): a department's
  service standard (服务标准, 亮标准) or a pledge (承诺, 亮承诺) for persons, departments or both.
  The six social commitments of the hospital are seeded by a data migration.
* :class:`Commitment` — one year's standard or pledge of a department (``staff`` empty) or of a
  person (``staff`` set; ``department`` is the person's department when it was made). Rows made
  from a template keep it, so applying the templates again adds nothing twice.
* :class:`PublicSettings` — the public pages as a whole (on/off, whether 工号 is shown) and
  :class:`DepartmentPage` — one department's public page switched off (no row: it follows the
  whole feature).
* :class:`CommitmentReview` — the quarterly 承诺践诺评议 of a department: patients' satisfaction and
  the peers' round score of the quarter, the office's conclusion, draft until published.

Party membership (亮身份) is not stored here: it is ``Staff.is_party_member`` and ``party_branch``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STANDARD = "standard", _("Service standard")
    PLEDGE = "pledge", _("Pledge")


class AppliesTo(models.TextChoices):
    PERSONS = "persons", _("Persons")
    DEPARTMENTS = "departments", _("Departments")
    BOTH = "both", _("Persons and departments")


MAX_TEXT = 300


class CommitmentTemplate(models.Model):
    """A text the office offers for commitments (承诺模板)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PLEDGE)
    text = models.CharField(_("text"), max_length=MAX_TEXT)
    applies_to = models.CharField(_("for"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("commitment template")
        verbose_name_plural = _("commitment templates")
        ordering = ["kind", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def for_persons(self) -> bool:
        return self.kind == Kind.PLEDGE and self.applies_to in (AppliesTo.PERSONS, AppliesTo.BOTH)

    @property
    def for_departments(self) -> bool:
        return self.kind == Kind.STANDARD or self.applies_to in (AppliesTo.DEPARTMENTS, AppliesTo.BOTH)


class Commitment(models.Model):
    """One year's service standard or pledge of a department (``staff`` empty) or a person."""

    year = models.PositiveSmallIntegerField(_("year"))
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="commitments"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PLEDGE)
    text = models.CharField(_("text"), max_length=MAX_TEXT)
    template = models.ForeignKey(
        CommitmentTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["year", "department__path", "staff__staff_no", "kind", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "department", "template"],
                condition=models.Q(staff__isnull=True, template__isnull=False),
                name="commitments_one_per_department_template",
            ),
            models.UniqueConstraint(
                fields=["year", "staff", "template"],
                condition=models.Q(staff__isnull=False, template__isnull=False),
                name="commitments_one_per_person_template",
            ),
            models.CheckConstraint(
                condition=models.Q(staff__isnull=True) | models.Q(kind="pledge"),
                name="commitments_person_pledges_only",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "year"], name="commitments_dept_year"),
            models.Index(fields=["staff", "year"], name="commitments_staff_year"),
        ]

    def __str__(self) -> str:
        return self.text


class PublicSettings(models.Model):
    """The public department pages (``/p/<code>/``) as a whole: a singleton, pk=1."""

    enabled = models.BooleanField(_("public pages published"), default=False)
    show_staff_no = models.BooleanField(_("show staff numbers"), default=False)
    note = models.CharField(_("note under every page"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("public commitment pages")
        verbose_name_plural = _("public commitment pages")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="commitments_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Public commitment pages"))


class DepartmentPage(models.Model):
    """A department's public page switched on or off (without a row it is on)."""

    department = models.OneToOneField(
        "org.Department", verbose_name=_("department"), on_delete=models.CASCADE, related_name="commitment_page"
    )
    enabled = models.BooleanField(_("public page shown"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("department public page")
        verbose_name_plural = _("department public pages")

    def __str__(self) -> str:
        return f"{self.department} · {self.enabled}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Conclusion(models.TextChoices):
    KEPT = "kept", _("Commitments well kept")
    MOSTLY = "mostly", _("Commitments mostly kept")
    NOT_KEPT = "not_kept", _("Commitments not kept")


class CommitmentReview(models.Model):
    """The quarterly review of how a department kept its commitments (承诺践诺评议)."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="commitment_reviews"
    )
    period_key = models.CharField(_("quarter"), max_length=7)
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    # Patients: valid feedback of the department in the quarter.
    patient_n = models.PositiveIntegerField(_("patient ratings"), default=0)
    patient_satisfied = models.PositiveIntegerField(_("satisfied ratings"), default=0)
    patient_rate = models.DecimalField(_("patient satisfaction"), max_digits=5, decimal_places=4, null=True, blank=True)
    # Peers: the latest published commitment round of the quarter (wenming.rounds).
    peer_score = models.DecimalField(_("peer score"), max_digits=6, decimal_places=2, null=True, blank=True)
    peer_round_id = models.PositiveIntegerField(_("peer round"), null=True, blank=True)
    peer_round_title = models.CharField(_("peer round title"), max_length=200, blank=True)
    peer_raters = models.PositiveIntegerField(_("peer raters"), default=0)
    computed_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=Conclusion.choices, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commitment review")
        verbose_name_plural = _("commitment reviews")
        ordering = ["-period_key", "department__path"]
        constraints = [
            models.UniqueConstraint(fields=["department", "period_key"], name="commitments_one_review_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.period_key}"

    @property
    def is_published(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED

    @property
    def patient_percent(self):
        return None if self.patient_rate is None else self.patient_rate * 100
