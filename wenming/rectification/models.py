"""The rectification ledger (整改台账): problems that must be fixed, by whom and by when.

A :class:`RectificationItem` moves through an explicit state machine (see ``services``):
挂牌（待整改） ``listed`` → 整改中 ``in_progress`` → 待验收 ``awaiting_check`` → 已销号 ``closed``,
with 退回 (verification failed) back to ``in_progress``. Its deadline moves only when the office
approves an :class:`ExtensionRequest` (延期). :class:`ItemEvidence` are the files submitted with a fix.
Every change goes through the services, which lock the row and check ``version``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.models import Attachment
from wenming.core.storage import private_storage


class Source(models.TextChoices):
    FINDING = "finding", _("Inspection finding")
    COMPLAINT = "complaint", _("Complaint")
    SUPERVISION = "supervision", _("Supervision")
    INSTRUCTION = "instruction", _("Leadership instruction")
    OTHER = "other", _("Other")


class ItemState(models.TextChoices):
    LISTED = "listed", _("Listed (awaiting rectification)")
    IN_PROGRESS = "in_progress", _("Being rectified")
    AWAITING_CHECK = "awaiting_check", _("Awaiting verification")
    CLOSED = "closed", _("Closed out")


OPEN_STATES = (ItemState.LISTED, ItemState.IN_PROGRESS, ItemState.AWAITING_CHECK)


class RectificationItem(models.Model):
    """One problem on the ledger (整改事项)."""

    problem = models.TextField(_("problem"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    finding = models.ForeignKey(
        "scoring.Record",
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    responsible = models.ForeignKey(
        "org.Staff",
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    measures = models.TextField(_("rectification measures"), blank=True)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=16, choices=ItemState.choices, default=ItemState.LISTED)
    # Optimistic concurrency: a page carries the version it was shown; every transition checks and bumps it.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The last submission of a fix; verification must be done by someone else.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fix submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("fix submitted at"), null=True, blank=True)
    # The last 退回: why the fix did not pass verification.
    return_note = models.TextField(_("reason for returning"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed out by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed out at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    # Deadline follow-up by the scheduled task (``deadlines.py``): the deadline a reminder was last
    # sent for, the deadline an overdue escalation was last sent for (an approved extension moves
    # the deadline, so both come again), and the deduction the overdue rule recorded (once per item).
    reminded_for = models.DateField(_("reminded for deadline"), null=True, blank=True)
    escalated_for = models.DateField(_("escalated for deadline"), null=True, blank=True)
    overdue_record = models.OneToOneField(
        "scoring.Record",
        verbose_name=_("overdue deduction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overdue_item",
    )

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["department", "state", "deadline"], name="rect_item_by_department"),
            models.Index(fields=["state", "deadline"], name="rect_item_by_state"),
            models.Index(fields=["deadline"], name="rect_item_by_deadline"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.problem[:40]}"

    @property
    def is_closed(self) -> bool:
        return self.state == ItemState.CLOSED


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """A request to move an item's deadline (延期), decided by the office."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("rectification item"), on_delete=models.PROTECT, related_name="extensions"
    )
    old_deadline = models.DateField(_("deadline before"))
    new_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(state="pending"), name="rect_one_pending_extension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.new_deadline}"


class ItemEvidence(Attachment):
    """A file submitted with a fix (a photo, a scanned document); private storage."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("rectification item"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="evidence/rectification/%Y/%m/", storage=private_storage)

    class Meta(Attachment.Meta):
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")


class OverdueRule(models.Model):
    """The optional rule that an item overdue for more than ``days`` days records a deduction
    (``code`` of ``standard``) against its department, once per item. One row per hospital;
    the office turns it on and off."""

    active = models.BooleanField(_("active"), default=False)
    days = models.PositiveIntegerField(_("days overdue"), default=7)
    standard = models.ForeignKey(
        "standards.Standard",
        verbose_name=_("standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("deduction code"), max_length=32, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("overdue deduction rule")
        verbose_name_plural = _("overdue deduction rules")

    def __str__(self) -> str:
        return f"{self.code} > {self.days}"
