"""Multi-source evaluation rounds (多源评价): 自评、科室互评、党员互评、领导点评、职能科室评价、群众评议.

A :class:`Round` (评价轮次) names who is evaluated (its departments, or the whole hospital), the rater
groups and their weights (:class:`RoundGroup`), and its window. Opening it snapshots the ratees
(:class:`Ratee`) and builds every :class:`Ballot` (one rater, one ratee, one group).

Anonymity, by design:

* a :class:`Ballot` knows the rater and the ratee but not the score — only ``sealed``, the score
  encrypted with Fernet under :func:`wenming.rounds.sealing.ballot_key`, which only the audited
  system-administrator export decrypts;
* a :class:`Score` holds the value with the round, the ratee and the group only: no rater, no
  ballot, no timestamp, and a random UUID key, so it cannot be matched to a ballot by order or time
  (and closing the round rewrites the round's scores in value order, new keys, so even the table's
  physical order no longer follows submission order);
* results show a group only with at least ``min_raters`` scores (the self group excepted), and only
  once the round is closed (office, leadership) or published (heads, the ratee).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_min_raters() -> int:
    return getattr(settings, "WENMING_ROUND_MIN_RATERS", 3)


class RoundPurpose(models.TextChoices):
    GENERAL = "general", _("General evaluation")
    COMMITMENT = "commitment", _("Commitment review")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class RaterGroup(models.TextChoices):
    SELF = "self", _("Self-evaluation")
    PEER = "peer", _("Department peers")
    BRANCH = "branch", _("Party members")
    LEADER = "leader", _("Leaders")
    FUNCTIONAL = "functional", _("Functional departments")
    PATIENT = "patient", _("Patients")


# The order groups are shown in, and (leaders > branch > functional > peers) the priority by which a
# rater who qualifies for two groups of one ratee gets one ballot.
GROUP_ORDER = [
    RaterGroup.SELF,
    RaterGroup.PEER,
    RaterGroup.BRANCH,
    RaterGroup.LEADER,
    RaterGroup.FUNCTIONAL,
    RaterGroup.PATIENT,
]
BALLOT_GROUPS = [g for g in GROUP_ORDER if g != RaterGroup.PATIENT]


class Round(models.Model):
    """One evaluation round (评价轮次)."""

    title = models.CharField(_("title"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=16, choices=RoundPurpose.choices)
    period_key = models.CharField(_("period"), max_length=8)
    state = models.CharField(_("state"), max_length=12, choices=RoundState.choices, default=RoundState.DRAFT)
    whole_hospital = models.BooleanField(_("whole hospital"), default=False)
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("departments evaluated"), blank=True, related_name="+"
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    patient_from = models.DateField(_("patient feedback from"))
    patient_to = models.DateField(_("patient feedback to"))
    min_raters = models.PositiveSmallIntegerField(_("minimum raters per group"), default=default_min_raters)
    drop_extremes = models.BooleanField(_("drop the highest and lowest score"), default=False)
    functional_sample = models.PositiveSmallIntegerField(_("functional raters per person"), default=5)
    peer_sample = models.PositiveSmallIntegerField(_("peer raters per person"), null=True, blank=True)
    # The seed of the reproducible samples (functional raters, peers when sampled).
    sample_seed = models.PositiveIntegerField(_("sample seed"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["state", "closes_at"], name="rounds_round_state_closes")]

    def __str__(self) -> str:
        return self.title


class RoundGroup(models.Model):
    """A rater group of a round and its weight in the weighted total."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="groups")
    group = models.CharField(_("rater group"), max_length=12, choices=RaterGroup.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("rater group")
        verbose_name_plural = _("rater groups")
        constraints = [models.UniqueConstraint(fields=["round", "group"], name="rounds_group_once")]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.weight}"


class Ratee(models.Model):
    """A person evaluated in a round, with their department and post when the round opened."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="ratees")
    staff = models.ForeignKey("org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("person evaluated")
        verbose_name_plural = _("people evaluated")
        constraints = [models.UniqueConstraint(fields=["round", "staff"], name="rounds_ratee_once")]

    def __str__(self) -> str:
        return str(self.staff)


class Ballot(models.Model):
    """One rater's ballot for one ratee in one group. The score is not here: only sealed."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="ballots")
    rater = models.ForeignKey(
        "org.Staff", verbose_name=_("rater"), on_delete=models.PROTECT, related_name="round_ballots"
    )
    ratee = models.ForeignKey(
        "org.Staff", verbose_name=_("person evaluated"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("rater group"), max_length=12, choices=RaterGroup.choices)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The score, encrypted (Fernet); only sealed_export decrypts it.
    sealed = models.TextField(_("sealed score"), blank=True, editable=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["round", "rater", "ratee"], name="rounds_one_ballot_per_pair")]
        indexes = [models.Index(fields=["round", "rater", "submitted_at"], name="rounds_ballot_rater")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.pk}"


class Score(models.Model):
    """A submitted score: the round, the person evaluated, the group and the value — nothing that
    links it to a rater, a ballot or a moment (no timestamp; the key is a random UUID)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="scores")
    ratee = models.ForeignKey(
        "org.Staff", verbose_name=_("person evaluated"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("rater group"), max_length=12, choices=RaterGroup.choices)
    value = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        indexes = [models.Index(fields=["round", "ratee"], name="rounds_score_ratee")]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.value}"


class RoundFeed(models.Model):
    """A round's results fed into a standard's manual item for a period, and the records made."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="feeds")
    standard = models.ForeignKey(
        "standards.Standard", verbose_name=_("standard"), on_delete=models.PROTECT, related_name="+"
    )
    item_code = models.CharField(_("item"), max_length=32)
    period_key = models.CharField(_("period"), max_length=8)
    records = models.ManyToManyField("scoring.Record", verbose_name=_("records"), related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("fed at"), auto_now_add=True)
    # Set when the same round, item and period were fed again (its records were voided then).
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("round feed")
        verbose_name_plural = _("round feeds")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.standard_id} {self.item_code} {self.period_key}"
