"""Patient feedback (患者评价): one rating of a department, and optionally of a staff member, and
the QR codes (扫码评价) patients reach the rating page through.

What scoring needs: who was rated, when (``at`` and its hospital-local calendar date
``local_date``, set by whoever creates the row with :func:`wenming.scoring.periods.local_date` and
the hospital's time zone), the overall rating 1–5 and whether the feedback is valid. Feedback from
the public page carries its code, a one-time ``submission_id`` (a double tap counts once), a hashed
client key (never the raw address) and the reasons it was flagged as possible stuffing; flagged
feedback is not valid until a person clears it in the review queue (``review_status``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    STAFF = "staff", _("Staff member")
    POINT = "point", _("Service point")


class RatingCode(models.Model):
    """A QR code patients scan to rate a department, a staff member or a service point (a ward or
    window the office adds; it belongs to a department and its feedback counts for it).

    ``code`` is unguessable (10 random base32 characters, 50 bits). A department or staff member
    has at most one active code; deactivating one and generating again issues a replacement."""

    kind = models.CharField(_("kind"), max_length=16, choices=CodeKind.choices)
    code = models.CharField(_("code"), max_length=16, unique=True)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="rating_codes"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating_codes",
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rating code")
        verbose_name_plural = _("rating codes")
        ordering = ["department__path", "kind", "label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(kind="department", active=True),
                name="feedback_one_active_department_code",
            ),
            models.UniqueConstraint(
                fields=["staff"],
                condition=models.Q(kind="staff", active=True),
                name="feedback_one_active_staff_code",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="staff", staff__isnull=False) | ~models.Q(kind="staff"),
                name="feedback_staff_code_names_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.display_name}"

    @property
    def display_name(self) -> str:
        """What the code rates, as patients and the office read it."""
        if self.kind == CodeKind.STAFF and self.staff_id:
            return self.staff.name
        if self.kind == CodeKind.POINT and self.label:
            return f"{self.department.name} · {self.label}"
        return self.label or self.department.name


class ReviewStatus(models.TextChoices):
    NONE = "", _("Not flagged")
    PENDING = "pending", _("Flagged, waiting for review")
    CLEARED = "cleared", _("Cleared: counts")
    REJECTED = "rejected", _("Confirmed invalid")


# Why a submission was flagged (see wenming.feedback.services).
FLAG_LABELS = {
    "burst": _("Many ratings of this code from one phone within 10 minutes"),
    "repeated": _("The same answer as this phone's two ratings before"),
    "too_fast": _("Submitted within 3 seconds of opening the page"),
    "odd_hours": _("Given in the night, when this code is not normally used"),
}


class Channel(models.TextChoices):
    """How the feedback reached the hospital."""

    QR = "qr", _("QR code")
    KIOSK = "kiosk", _("Kiosk")
    FOLLOWUP = "followup", _("Follow-up call")
    OFFICE = "office", _("Entered by the office")
    IMPORT = "import", _("Imported")


class Feedback(models.Model):
    """One patient's feedback: an overall rating, and the answers to the questionnaire version it
    was given on (``answers`` ``{question key: value}``; the rating questions also as rows of
    :class:`wenming.questionnaires.models.RatingAnswer` for results per dimension)."""

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
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.QR)
    questionnaire_version = models.ForeignKey(
        "questionnaires.QuestionnaireVersion",
        verbose_name=_("questionnaire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    is_valid = models.BooleanField(_("valid"), default=True)
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # From the public page (null for imported and demo rows).
    rating_code = models.ForeignKey(
        RatingCode,
        verbose_name=_("rating code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    submission_id = models.CharField(_("submission id"), max_length=32, unique=True, null=True, blank=True)
    # sha256 of the client's address and browser with a server secret, truncated: never the raw address.
    client_key = models.CharField(_("client key"), max_length=16, blank=True)
    flag_reasons = models.JSONField(_("flag reasons"), default=list, blank=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NONE, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["department", "local_date"], name="feedback_dept_date"),
            models.Index(fields=["staff", "local_date"], name="feedback_staff_date"),
            models.Index(fields=["rating_code", "client_key", "at"], name="feedback_code_client_at"),
            models.Index(fields=["review_status", "at"], name="feedback_review_at"),
            # The satisfaction counts (valid feedback of a date range by department, channel and
            # rating) read only this index on PostgreSQL.
            models.Index(
                fields=["local_date", "department", "channel", "overall"],
                condition=models.Q(is_valid=True),
                name="feedback_valid_counts",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(overall__gte=1, overall__lte=5), name="feedback_overall_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.local_date} {self.overall}"


class Kiosk(models.Model):
    """A tablet at a discharge desk or a window that patients rate on one after another.

    The office registers it with a PIN; opening its activation link (``/r/kiosk/<token>/``) on the
    tablet puts that browser in kiosk mode for the kiosk's code: the form asks the inpatient
    questionnaire, resets itself after each rating, and leaves kiosk mode only with the PIN.
    Ratings given on it are not judged as bursts from one phone (that is what a kiosk is), but
    the other checks apply. Deactivating it ends kiosk mode on the tablet at its next rating."""

    name = models.CharField(_("name"), max_length=50)
    rating_code = models.ForeignKey(
        RatingCode, verbose_name=_("rating code"), on_delete=models.PROTECT, related_name="kiosks"
    )
    token = models.CharField(_("activation token"), max_length=32, unique=True)
    pin_hash = models.CharField(max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["-active", "name", "pk"]

    def __str__(self) -> str:
        return self.name
