"""The public satisfaction board (满意度公示): whether the hospital shows it and how.

The figures themselves are never stored: they are counted from the valid feedback each time
(:mod:`wenming.satisfaction.selectors`), the same way the scoring engine counts them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_BOARD_MIN_RESPONSES = 30


class PublicBoard(models.Model):
    """The one public board of the hospital (a singleton, pk=1).

    ``period_key`` is a month (``2026-10``), quarter (``2026-Q4``) or year (``2026``); empty means
    the last full month, moving on by itself on the first of each month. Departments with fewer
    than ``min_responses`` valid responses in that period are left off the board (the hospital's
    overall figure counts all of them)."""

    enabled = models.BooleanField(_("published"), default=False)
    title = models.CharField(_("title"), max_length=60, blank=True)
    period_key = models.CharField(_("period shown"), max_length=7, blank=True)
    min_responses = models.PositiveIntegerField(
        _("minimum responses to show a department"),
        default=DEFAULT_BOARD_MIN_RESPONSES,
        validators=[MinValueValidator(1)],
    )
    note = models.TextField(_("note"), max_length=500, blank=True)
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
        verbose_name = _("public satisfaction board")
        verbose_name_plural = _("public satisfaction board")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="satisfaction_board_singleton")]

    def __str__(self) -> str:
        return str(_("Public satisfaction board"))
