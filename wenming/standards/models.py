"""Assessment standards (测评标准) and their versions.

A :class:`Standard` is known by its code; every import of a file whose content differs from the
newest version adds a :class:`StandardVersion` (1, 2, …). A version keeps the canonical content
(``canonical.to_canonical``), its hash, and the YAML exactly as it was imported. Versions are never
changed or deleted: a finalized period keeps pointing at the version it was computed with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .canonical import from_canonical
from .definition import Cycle, StandardDef, Subject
from .parse import STANDARD_CODE_MAX

SUBJECT_CHOICES = [(Subject.DEPARTMENT.value, _("Department")), (Subject.STAFF.value, _("Staff member"))]
CYCLE_CHOICES = [(Cycle.MONTH.value, _("Month")), (Cycle.QUARTER.value, _("Quarter")), (Cycle.YEAR.value, _("Year"))]


class Standard(models.Model):
    """One assessment standard, by code. ``name`` follows the newest version; ``subject`` and
    ``cycle`` never change (a standard that scores something else is a new code)."""

    code = models.CharField(_("code"), max_length=STANDARD_CODE_MAX, unique=True)
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=16, choices=SUBJECT_CHOICES)
    cycle = models.CharField(_("cycle"), max_length=16, choices=CYCLE_CHOICES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment standard")
        verbose_name_plural = _("assessment standards")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StandardVersion(models.Model):
    """One version of a standard: its canonical content, the hash of it, and the YAML it came from."""

    standard = models.ForeignKey(
        Standard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    source = models.TextField(_("source (YAML)"))
    source_filename = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard", "number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standards_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="standards_version_number_positive"),
        ]

    def __str__(self) -> str:
        return _("%(code)s version %(number)s") % {"code": self.standard.code, "number": self.number}

    @cached_property
    def definition(self) -> StandardDef:
        """The standard this version describes, as the engine takes it."""
        return from_canonical(self.content)
