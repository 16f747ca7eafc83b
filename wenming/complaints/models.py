"""Complaints, praise and petitions (投诉、表扬、信访).

A :class:`Case` moves through 受理 ``received`` → 调查 ``investigating`` → 处理 ``handling`` →
回复 ``replied`` → 办结 ``closed`` (see ``services``); the office may send it one step back
(处理 → 调查 for more investigation, 回复 → 处理 when the reply did not settle it). Each step keeps its
notes: the investigation findings and the finding (属实/部分属实/不属实), the handling decision,
the reply and how it was given, the patient's satisfaction. :class:`CaseEvidence` are the files
attached along the way. Every change goes through the services, which lock the row and check
``version``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.models import Attachment
from wenming.core.storage import private_storage
from wenming.org.models import mask_phone


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")
    PETITION = "petition", _("Petition")


# The letters of a case number (TS-2026-0042): 投诉 TS, 表扬 BY, 信访 XF.
NUMBER_PREFIX = {CaseKind.COMPLAINT: "TS", CaseKind.PRAISE: "BY", CaseKind.PETITION: "XF"}


class CaseSource(models.TextChoices):
    RATING = "rating", _("Patient rating page")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    MAILBOX = "mailbox", _("Suggestion box")
    VISIT = "visit", _("Visit in person")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Intake")
    INVESTIGATING = "investigating", _("Investigating")
    HANDLING = "handling", _("Handling")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


# The states in which the deadline runs: once the patient has had a reply the time limit is met.
OPEN_STATES = (CaseState.RECEIVED, CaseState.INVESTIGATING, CaseState.HANDLING)


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("By letter")
    SMS = "sms", _("By text message")
    ONLINE = "online", _("Online")


class Case(models.Model):
    """One complaint, praise or petition (案件)."""

    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    source = models.CharField(_("source"), max_length=16, choices=CaseSource.choices)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    content = models.TextField(_("content"))
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.RECEIVED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    feedback = models.ForeignKey(
        "feedback.Feedback",
        verbose_name=_("patient feedback"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # The notes of each step.
    investigation = models.TextField(_("investigation findings"), blank=True)
    finding = models.CharField(_("conclusion"), max_length=20, choices=Finding.choices, blank=True)
    decision = models.TextField(_("handling decision"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    reply_method = models.CharField(_("reply given"), max_length=16, choices=ReplyMethod.choices, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing remarks"), blank=True)
    return_note = models.TextField(_("reason for returning"), blank=True)
    # What the case recorded: a deduction (complaint) or a bonus (praise), and a ledger item.
    record = models.ForeignKey(
        "scoring.Record",
        verbose_name=_("scoring record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    item = models.ForeignKey(
        "rectification.RectificationItem",
        verbose_name=_("rectification item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # Optimistic concurrency: a page carries the version it was shown; every write checks and bumps it.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The daily follow-up: the deadline a reminder / an overdue notice was last sent for.
    reminded_for = models.DateField(_("reminded for deadline"), null=True, blank=True)
    overdue_for = models.DateField(_("overdue notice for deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="complaints_case_number_per_year"),
        ]
        indexes = [
            models.Index(fields=["department", "state"], name="complaints_case_dept_state"),
            models.Index(fields=["state", "deadline"], name="complaints_case_state_deadline"),
            models.Index(fields=["received_on"], name="complaints_case_received"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseEvidence(Attachment):
    """A file attached to a case (a letter, a photo, a recording's transcript); private storage."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="evidence")
    stage = models.CharField(_("stage of the case"), max_length=16, choices=CaseState.choices)
    file = models.FileField(_("file"), upload_to="evidence/complaints/%Y/%m/", storage=private_storage)

    class Meta(Attachment.Meta):
        verbose_name = _("case evidence")
        verbose_name_plural = _("case evidence")
