"""Reading one comment: jieba segments it with the office's lexicon added to its dictionary, then
the lexicon says which topics it is about and whether it is positive or negative.

- **Segmenting.** One ``jieba.Tokenizer`` per process, built on first use (about half a second from
  jieba's cache file, kept in ``VAR_DIR``; its log messages are silenced). The lexicon's topic,
  positive and negative words are added with ``add_word`` so 态度、收费、红包、等候 come out whole;
  when the lexicon changes the words are added or taken out again (a removed word gets back the
  frequency jieba's own dictionary gave it).
- **Topics**: the topics of the comment's words that are topic words.
- **Sentiment**: positive words count +1 and negative words −1; a word right after a negation
  (不、没有、不太 …, with at most two degree words such as 很、太 in between) counts the other way
  (没有耐心 is negative). More positive than negative is ``positive``, fewer ``negative``, else
  ``neutral`` (no sentiment words, or as many of each).
- **Words** (for the word cloud): the comment's distinct words without stop words, negations,
  degree words, punctuation and numbers, and without single characters unless the lexicon lists them (脏、贵、吵).

:func:`analyse_text` is cached per lexicon and text (an LRU of :data:`CACHE_SIZE` comments), so a
page that reads the same month again segments nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

POSITIVE = "positive"
NEGATIVE = "negative"
NEUTRAL = "neutral"
SENTIMENTS = (POSITIVE, NEGATIVE, NEUTRAL)

CACHE_SIZE = 50_000
NEGATORS = frozenset(
    {"不", "没", "没有", "未", "无", "别", "不太", "不够", "不是", "并不", "毫不", "不怎么", "从不", "从没", "不大"}
)
DEGREE = frozenset({"很", "太", "非常", "特别", "十分", "比较", "挺", "真", "够", "都", "也", "还", "那么", "这么"})
_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@dataclass(eq=False)
class Lexicon:
    """The active lexicon as plain data; equal (and hashed) by its fingerprint."""

    topics: dict[str, str] = field(default_factory=dict)  # word → topic
    positive: frozenset[str] = frozenset()
    negative: frozenset[str] = frozenset()
    stop: frozenset[str] = frozenset()
    topic_names: tuple[str, ...] = ()
    fingerprint: str = ""

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __eq__(self, other) -> bool:
        return isinstance(other, Lexicon) and other.fingerprint == self.fingerprint

    @property
    def dictionary_words(self) -> frozenset[str]:
        """The words the segmenter must keep whole."""
        return frozenset(self.topics) | self.positive | self.negative

    def topic_words(self, topic: str) -> list[str]:
        return sorted(word for word, name in self.topics.items() if name == topic)


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width, latin letters to lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def build_lexicon(entries: Iterable[tuple[str, str, str]]) -> Lexicon:
    """A lexicon from ``(word, category, topic)`` rows (the active entries)."""
    topics: dict[str, str] = {}
    sets: dict[str, set[str]] = {"positive": set(), "negative": set(), "stop": set()}
    names: list[str] = []
    rows = sorted((normalize(w).strip(), c, t) for w, c, t in entries)
    for word, category, topic in rows:
        if not word:
            continue
        if category == "topic" and topic:
            topics[word] = topic
            if topic not in names:
                names.append(topic)
        elif category in sets:
            sets[category].add(word)
    fingerprint = hashlib.sha256(repr(rows).encode()).hexdigest()
    return Lexicon(
        topics=topics,
        positive=frozenset(sets["positive"]),
        negative=frozenset(sets["negative"]),
        stop=frozenset(sets["stop"]),
        topic_names=tuple(sorted(names)),
        fingerprint=fingerprint,
    )


# --- The segmenter --------------------------------------------------------------------------------


class _Segmenter:
    """The process's tokenizer, with the lexicon's words in its dictionary."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokenizer = None
        self.words: frozenset[str] = frozenset()
        self.base: dict[str, int | None] = {}  # what jieba's dictionary had for each word we added

    def _build(self):
        import jieba
        from django.conf import settings

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        cache_dir = settings.VAR_DIR / "cache"
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache_dir)
        tokenizer.initialize()
        return tokenizer

    def tokenizer_for(self, lexicon: Lexicon):
        wanted = lexicon.dictionary_words
        if self.tokenizer is not None and self.words == wanted:
            return self.tokenizer
        with self.lock:
            if self.tokenizer is None:
                self.tokenizer = self._build()
            tokenizer = self.tokenizer
            for word in self.words - wanted:
                self._remove(tokenizer, word)
            for word in sorted(wanted - self.words):
                if word not in self.base:
                    self.base[word] = tokenizer.FREQ.get(word) or None
                tokenizer.add_word(word)
            self.words = wanted
        return tokenizer

    def _remove(self, tokenizer, word: str) -> None:
        base = self.base.pop(word, None)
        added = tokenizer.FREQ.get(word) or 0
        # 0 keeps it a prefix of longer words without being a word itself (as jieba marks prefixes).
        tokenizer.FREQ[word] = base or 0
        tokenizer.total += (base or 0) - added


_SEGMENTER = _Segmenter()


def _split(token: str, words: frozenset[str], longest: int) -> list[str]:
    """A word of jieba's own dictionary that holds lexicon words (态度生硬, 热情周到) cut into them
    and what is left between them; any other token as it is."""
    if len(token) < 3 or token in words:
        return [token]
    pieces: list[str] = []
    rest = ""
    i = 0
    while i < len(token):
        for size in range(min(longest, len(token) - i), 1, -1):
            if token[i : i + size] in words:
                if rest:
                    pieces.append(rest)
                    rest = ""
                pieces.append(token[i : i + size])
                i += size
                break
        else:
            rest += token[i]
            i += 1
    if rest:
        pieces.append(rest)
    return pieces


def segment(text: str, lexicon: Lexicon) -> list[str]:
    """The words of ``text`` (normalized), as jieba cuts it with the lexicon's words (and a word
    of jieba's own dictionary that holds lexicon words cut into them)."""
    text = normalize(text).strip()
    if not text:
        return []
    words = lexicon.dictionary_words
    longest = max((len(w) for w in words), default=0)
    tokens = []
    for token in _SEGMENTER.tokenizer_for(lexicon).lcut(text):
        if token.strip():
            tokens.extend(_split(token, words, longest))
    return tokens


# --- Reading a comment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    words: tuple[str, ...]
    topics: tuple[str, ...]
    sentiment: str
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


def _negated(tokens: list[str], index: int) -> bool:
    j = index - 1
    skipped = 0
    while j >= 0 and tokens[j] in DEGREE and skipped < 2:
        j -= 1
        skipped += 1
    return j >= 0 and tokens[j] in NEGATORS


def _is_word(token: str, lexicon: Lexicon) -> bool:
    if token in lexicon.stop or token in NEGATORS or token in DEGREE or not _WORD_CHAR.search(token):
        return False
    return len(token) >= 2 or token in lexicon.topics or token in lexicon.positive or token in lexicon.negative


@lru_cache(maxsize=CACHE_SIZE)
def analyse_text(text: str, lexicon: Lexicon) -> Analysis:
    """Topics, sentiment and words of one comment (see the module's docstring)."""
    tokens = segment(text, lexicon)
    topics: list[str] = []
    positive: list[str] = []
    negative: list[str] = []
    score = 0
    for index, token in enumerate(tokens):
        topic = lexicon.topics.get(token)
        if topic and topic not in topics:
            topics.append(topic)
        polarity = (token in lexicon.positive) - (token in lexicon.negative)
        if polarity == 0:
            continue
        if _negated(tokens, index):
            polarity = -polarity
        (positive if polarity > 0 else negative).append(token)
        score += polarity
    sentiment = POSITIVE if score > 0 else NEGATIVE if score < 0 else NEUTRAL
    return Analysis(
        words=tuple(dict.fromkeys(t for t in tokens if _is_word(t, lexicon))),
        topics=tuple(sorted(topics)),
        sentiment=sentiment,
        positive=tuple(positive),
        negative=tuple(negative),
    )
