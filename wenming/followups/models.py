"""Follow-up calls (回访).

- :class:`FollowupBatch`: one uploaded list of discharged patients (a name and the discharge date
  range it covers). It is first checked and previewed (status ``invalid`` with every problem, or
  ``previewed``); confirming it writes its patients in one transaction (``imported``). The file is
  kept in private storage so the office can download and correct it.
- :class:`DischargedPatient`: one row of an imported list. Only the masked name is stored; the
  phone is stored whole (the assigned caller dials it) and shown masked everywhere else.
  A patient is unique by phone + discharge date + department across all batches.
- :class:`FollowupSample`: the random draw of one department's patients in a batch, with its seed.
- :class:`FollowupCall`: a sampled patient to call, assigned to a caller; :class:`CallAttempt`
  logs every attempt (time, caller, outcome).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.storage import private_storage
from wenming.org.models import Department, mask_phone

MAX_ATTEMPTS = 3


class BatchStatus(models.TextChoices):
    INVALID = "invalid", _("Has problems")
    PREVIEWED = "previewed", _("Awaiting confirmation")
    IMPORTED = "imported", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")


class FollowupBatch(models.Model):
    name = models.CharField(_("batch name"), max_length=100)
    start = models.DateField(_("discharged from"))
    end = models.DateField(_("discharged until"))
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices)
    file = models.FileField(_("file"), upload_to="imports/followups/", storage=private_storage, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    # [{"where": "第 4 行", "line": 4, "message": "…", "text": "第 4 行：…"}]
    errors = models.JSONField(default=list, blank=True)
    # {"rows": n, "departments": [[name, n], …], "sample": [...], "duplicates": [...]} (masked phones)
    preview = models.JSONField(default=dict, blank=True)
    patient_count = models.PositiveIntegerField(_("patients"), default=0)
    script = models.TextField(_("call script"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up batch")
        verbose_name_plural = _("follow-up batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class DischargedPatient(models.Model):
    batch = models.ForeignKey(FollowupBatch, on_delete=models.CASCADE, related_name="patients")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    masked_name = models.CharField(_("patient"), max_length=20)
    phone = models.CharField(_("phone"), max_length=20)
    discharge_date = models.DateField(_("discharge date"))
    inpatient_no = models.CharField(_("inpatient number"), max_length=32, blank=True)
    ward = models.CharField(_("ward"), max_length=50, blank=True)
    line = models.PositiveIntegerField(_("row in the file"), default=0)

    class Meta:
        verbose_name = _("discharged patient")
        verbose_name_plural = _("discharged patients")
        constraints = [
            models.UniqueConstraint(
                fields=["phone", "discharge_date", "department"], name="followups_patient_unique_discharge"
            )
        ]
        indexes = [models.Index(fields=["batch", "department"])]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SampleMode(models.TextChoices):
    NUMBER = "number", _("Number of patients")
    PERCENT = "percent", _("Percentage")


class FollowupSample(models.Model):
    batch = models.ForeignKey(FollowupBatch, on_delete=models.CASCADE, related_name="samples")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("sample by"), max_length=8, choices=SampleMode.choices)
    value = models.PositiveIntegerField(_("size"))
    seed = models.BigIntegerField(_("random seed"))
    population = models.PositiveIntegerField(_("patients in the department"))
    size = models.PositiveIntegerField(_("patients drawn"))
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("follow-up sample")
        verbose_name_plural = _("follow-up samples")
        constraints = [
            models.UniqueConstraint(fields=["batch", "department"], name="followups_sample_one_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.department}"


class CallStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    COMPLETED = "completed", _("Completed")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Refused the call")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


OUTCOMES = (CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.REFUSED, CallStatus.WRONG_NUMBER)


class FollowupCall(models.Model):
    sample = models.ForeignKey(FollowupSample, on_delete=models.CASCADE, related_name="calls")
    batch = models.ForeignKey(FollowupBatch, on_delete=models.CASCADE, related_name="calls")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(DischargedPatient, on_delete=models.CASCADE, related_name="call")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caller"),
        on_delete=models.PROTECT,
        related_name="followup_calls",
        null=True,
        blank=True,
    )
    status = models.CharField(_("outcome"), max_length=16, choices=CallStatus.choices, default=CallStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    feedback = models.OneToOneField(
        "feedback.Feedback", on_delete=models.PROTECT, null=True, blank=True, related_name="followup_call"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        indexes = [models.Index(fields=["caller", "status"]), models.Index(fields=["batch", "department"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.patient.masked_name}"

    @property
    def is_open(self) -> bool:
        """Still to be called: never reached yet and fewer than three unanswered attempts."""
        return self.status == CallStatus.PENDING or (
            self.status == CallStatus.NO_ANSWER and self.attempts < MAX_ATTEMPTS
        )


class CallAttempt(models.Model):
    call = models.ForeignKey(FollowupCall, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("called at"))
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="followups_attempt_unique_number")]

    def __str__(self) -> str:
        return f"{self.call_id}/{self.number}"
