"""Comment analysis (评论分析): the office's lexicon.

A :class:`LexiconEntry` is a word of one category: a *topic* word names what a comment is about
(态度 → 服务态度, 排队 → 等候时间), a *positive* or *negative* word carries its sentiment, a *stop*
word is left out of the word cloud. The topic, positive and negative words are added to the
segmenter's dictionary so they come out whole. A word may be in several categories (冷漠 is a
服务态度 topic word and a negative word) but only once in each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LexiconCategory(models.TextChoices):
    TOPIC = "topic", _("Topic word")
    POSITIVE = "positive", _("Positive word")
    NEGATIVE = "negative", _("Negative word")
    STOP = "stop", _("Stop word")


class LexiconEntry(models.Model):
    word = models.CharField(_("word"), max_length=20)
    category = models.CharField(_("category"), max_length=10, choices=LexiconCategory.choices)
    topic = models.CharField(_("topic"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lexicon entry")
        verbose_name_plural = _("lexicon entries")
        ordering = ["category", "topic", "word"]
        constraints = [
            models.UniqueConstraint(fields=["word", "category"], name="comments_word_once_per_category"),
            models.CheckConstraint(
                condition=~models.Q(category="topic", topic=""),
                name="comments_topic_word_names_topic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.word} ({self.get_category_display()})"
