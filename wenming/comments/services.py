"""Writes of the comment lexicon: adding a word, changing it, turning it off and on again.

Who: the civility office and system administrators (the views refuse everyone else first). Every
change is audited; a word is in each category at most once (a second 态度 topic word is refused,
and a word turned off is turned on again rather than added twice). The next analysis picks the
change up: the segmenter compares the lexicon it was given with the words it holds.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes
from wenming.org.access import access_for

from .models import LexiconCategory, LexiconEntry
from .selectors import may_manage_lexicon

WORD_MAX = 20
TOPIC_MAX = 20


class LexiconError(ValidationError):
    """A refused change, with a message for the person (keyed by field where there is one)."""


class LexiconConflict(LexiconError):
    """Someone else changed the entry after the page was shown."""


class LexiconNotAllowed(LexiconError):
    pass


def _ensure_office(by) -> None:
    if not may_manage_lexicon(access_for(by)):
        raise LexiconNotAllowed(_("Only the civility office can change the lexicon."))


def _clean(*, word: str, category: str, topic: str, exclude_pk: int | None = None) -> dict:
    errors: dict[str, str] = {}
    word = unicodedata.normalize("NFKC", word or "").strip().lower()
    topic = (topic or "").strip()
    if not word:
        errors["word"] = _("Give the word.")
    elif len(word) > WORD_MAX:
        errors["word"] = _("Keep the word to %(max)d characters or fewer.") % {"max": WORD_MAX}
    elif any(ch.isspace() for ch in word):
        errors["word"] = _("A word has no spaces; add each word on its own.")
    if category not in LexiconCategory.values:
        errors["category"] = _("Choose the category.")
    if category == LexiconCategory.TOPIC:
        if not topic:
            errors["topic"] = _("Name the topic this word belongs to, for example 服务态度.")
        elif len(topic) > TOPIC_MAX:
            errors["topic"] = _("Keep the topic to %(max)d characters or fewer.") % {"max": TOPIC_MAX}
    else:
        topic = ""
    if "word" not in errors and "category" not in errors:
        same = LexiconEntry.objects.filter(word=word, category=category).exclude(pk=exclude_pk).first()
        if same is not None:
            label = LexiconCategory(category).label
            if same.active:
                errors["word"] = _("“%(word)s” is already in the lexicon as a %(category)s.") % {
                    "word": word,
                    "category": label,
                }
            else:
                errors["word"] = _(
                    "“%(word)s” is already in the lexicon as a %(category)s, turned off: turn it on again."
                ) % {
                    "word": word,
                    "category": label,
                }
    if errors:
        raise LexiconError(errors)
    return {"word": word, "category": category, "topic": topic}


def _values(entry: LexiconEntry) -> dict:
    return {"word": entry.word, "category": entry.category, "topic": entry.topic, "active": entry.active}


def _duplicate(word: str, category: str) -> LexiconError:
    return LexiconError(
        {
            "word": _("“%(word)s” is already in the lexicon as a %(category)s.")
            % {"word": word, "category": LexiconCategory(category).label}
        }
    )


def lexicon_add(*, by, word: str, category: str, topic: str = "") -> LexiconEntry:
    """Add a word to the lexicon (active at once)."""
    _ensure_office(by)
    cleaned = _clean(word=word, category=category, topic=topic)
    try:
        with transaction.atomic():
            entry = LexiconEntry.objects.create(updated_by=by, **cleaned)
            audit_log(actor=by, action="comments.lexicon.added", target=entry, data=_values(entry))
    except IntegrityError:
        raise _duplicate(cleaned["word"], cleaned["category"]) from None
    return entry


def lexicon_update(
    *, entry: LexiconEntry, by, expected_version: int, word: str, category: str, topic: str = ""
) -> LexiconEntry:
    """Change a word, its category or its topic. LexiconConflict when someone saved in between;
    nothing saved or logged when nothing changed."""
    _ensure_office(by)
    try:
        with transaction.atomic():
            current = LexiconEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
            if current.version != expected_version:
                raise LexiconConflict(
                    _("Someone else changed this word after you opened it. Nothing was saved."), code="conflict"
                )
            cleaned = _clean(word=word, category=category, topic=topic, exclude_pk=current.pk)
            before = _values(current)
            for name, value in cleaned.items():
                setattr(current, name, value)
            diff = changes(before, _values(current))
            if not diff:
                return current
            current.version += 1
            current.updated_by = by
            current.save()
            audit_log(actor=by, action="comments.lexicon.changed", target=current, data=diff)
    except IntegrityError:
        raise _duplicate(word, category) from None
    return current


@transaction.atomic
def lexicon_set_active(*, entry: LexiconEntry, by, active: bool) -> LexiconEntry:
    """Turn a word off (the analysis ignores it from now on) or on again."""
    _ensure_office(by)
    current = LexiconEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
    if current.active == active:
        return current
    current.active = active
    current.version += 1
    current.updated_by = by
    current.save()
    audit_log(
        actor=by,
        action="comments.lexicon.activated" if active else "comments.lexicon.deactivated",
        target=current,
        data={"active": [not active, active]},
    )
    return current
