"""Patient feedback (患者评价): one rating of a department, and optionally of a staff member.

Lean on purpose: the QR pages, questionnaires and follow-ups come later. What scoring needs is
here: who was rated, when (``at`` and its hospital-local calendar date ``local_date``, set by
whoever creates the row with :func:`wenming.scoring.periods.local_date` and the hospital's time
zone), the overall rating 1–5 and whether the feedback is valid (stuffing flagged → False).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Feedback(models.Model):
    """One patient's feedback."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="feedback"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    at = models.DateTimeField(_("given at"))
    local_date = models.DateField(_("local date"), db_index=True)
    overall = models.PositiveSmallIntegerField(_("overall rating"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    is_valid = models.BooleanField(_("valid"), default=True)
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["department", "local_date"], name="feedback_dept_date"),
            models.Index(fields=["staff", "local_date"], name="feedback_staff_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(overall__gte=1, overall__lte=5), name="feedback_overall_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.local_date} {self.overall}"
