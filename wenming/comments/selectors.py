"""Reads of comment analysis: the lexicon, one comment's analysis, and the counts over the valid
feedback comments of some departments and dates — per topic, per month, per word.

Who: the civility office and system administrators read every department and edit the lexicon;
a department head reads the departments they head (and those under them); nobody else.

**Speed.** Comments are grouped by their text in the database (``GROUP BY comment``), so a text
given a hundred times is analysed once, and :func:`wenming.comments.analysis.analyse_text` keeps
each text's analysis per lexicon in memory. Measured on SQLite: one department's month of 3,072
comments (2,608 different texts) takes 0.19 s for the counts, the trend and a topic's list the
first time (segmenting every text) and 0.04 s after; a process's first analysis also loads jieba's
dictionary (about 0.5 s). The page's queries are pinned in the tests.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from wenming.feedback.models import Feedback
from wenming.org.models import Department

from .analysis import NEGATIVE, NEUTRAL, POSITIVE, Analysis, Lexicon, analyse_text, build_lexicon
from .models import LexiconCategory, LexiconEntry

MAX_COMMENT_ROWS = 200_000


# --- Who ------------------------------------------------------------------------------------------


def may_manage_lexicon(access) -> bool:
    return access.is_office or access.is_system_admin


def may_read_comments(access) -> bool:
    return may_manage_lexicon(access) or access.is_department_head


def scope_departments(*, access) -> QuerySet[Department]:
    """The departments whose comments this person may read (the filter's choices)."""
    if may_manage_lexicon(access):
        return Department.objects.all()
    if access.is_department_head:
        return Department.objects.filter(access.headed())
    return Department.objects.none()


def scope_department_ids(*, access, department: Department | None = None) -> list[int] | None:
    """The ids of the departments to count: None for the whole hospital (the office, no filter);
    a department and those under it, within what the person may read; [] for nobody."""
    if department is None and may_manage_lexicon(access):
        return None
    qs = scope_departments(access=access)
    if department is not None:
        qs = qs.filter(path__startswith=department.path)
    return list(qs.values_list("pk", flat=True))


# --- The lexicon ----------------------------------------------------------------------------------


def current_lexicon() -> Lexicon:
    """The active lexicon (one query)."""
    return build_lexicon(LexiconEntry.objects.filter(active=True).values_list("word", "category", "topic"))


def analyse(text: str, *, lexicon: Lexicon | None = None) -> Analysis:
    """Words, topics and sentiment of one comment with the current (or the given) lexicon."""
    return analyse_text(text or "", lexicon if lexicon is not None else current_lexicon())


CATEGORY_ORDER = Case(
    *(When(category=value, then=Value(i)) for i, value in enumerate(LexiconCategory.values)),
    default=Value(len(LexiconCategory.values)),
)


def lexicon_entries(*, category: str = "", q: str = "") -> QuerySet[LexiconEntry]:
    """The lexicon, words in use first, then by category (topic, positive, negative, stop) and topic."""
    qs = LexiconEntry.objects.select_related("updated_by__staff").annotate(category_order=CATEGORY_ORDER)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(word__icontains=q) | Q(topic__icontains=q))
    return qs.order_by("-active", "category_order", "topic", "word")


def lexicon_counts() -> dict[str, int]:
    return dict(
        LexiconEntry.objects.filter(active=True)
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("category", "n")
    )


def topic_names() -> list[str]:
    return sorted(
        set(
            LexiconEntry.objects.filter(category=LexiconCategory.TOPIC)
            .exclude(topic="")
            .values_list("topic", flat=True)
        )
    )


# --- Counting -------------------------------------------------------------------------------------


def comments_in(*, department_ids: list[int] | None, start: date, end: date) -> QuerySet[Feedback]:
    """Valid feedback with a comment, given from ``start`` to ``end`` (hospital dates, inclusive)."""
    qs = Feedback.objects.filter(is_valid=True, local_date__gte=start, local_date__lte=end).exclude(comment="")
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return qs


@dataclass
class TopicRow:
    topic: str
    n: int = 0
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    share: str = "0.0"  # per cent of the comments, one decimal

    @property
    def negative_share(self) -> str:
        return _percent(self.negative, self.n)


@dataclass
class TopicCounts:
    total: int = 0
    sentiment: dict[str, int] = field(default_factory=lambda: dict.fromkeys((POSITIVE, NEGATIVE, NEUTRAL), 0))
    topics: list[TopicRow] = field(default_factory=list)
    untopical: int = 0  # comments about none of the topics

    def share(self, sentiment: str) -> str:
        return _percent(self.sentiment[sentiment], self.total)


def _percent(part: int, whole: int) -> str:
    """``part / whole`` in per cent with one decimal (Decimal, half up)."""
    if not whole:
        return "0.0"
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _texts(qs: QuerySet[Feedback]) -> list[tuple[str, int]]:
    return list(qs.values_list("comment").annotate(n=Count("pk")).order_by()[:MAX_COMMENT_ROWS])


def _count_topics(texts: list[tuple[str, int]], lexicon: Lexicon) -> TopicCounts:
    result = TopicCounts()
    rows = {name: TopicRow(name) for name in lexicon.topic_names}
    for text, n in texts:
        analysis = analyse_text(text, lexicon)
        result.total += n
        result.sentiment[analysis.sentiment] += n
        if not analysis.topics:
            result.untopical += n
        for topic in analysis.topics:
            row = rows.setdefault(topic, TopicRow(topic))
            row.n += n
            setattr(row, analysis.sentiment, getattr(row, analysis.sentiment) + n)
    for row in rows.values():
        row.share = _percent(row.n, result.total)
    result.topics = sorted(rows.values(), key=lambda r: (-r.n, r.topic))
    return result


def topic_counts(
    *, department_ids: list[int] | None, start: date, end: date, lexicon: Lexicon | None = None
) -> TopicCounts:
    """Comments per topic, each split by sentiment, and the sentiment of all comments (one query)."""
    lexicon = lexicon if lexicon is not None else current_lexicon()
    return _count_topics(_texts(comments_in(department_ids=department_ids, start=start, end=end)), lexicon)


@dataclass
class Trend:
    months: list[date]
    totals: list[int]
    negative: list[int]
    series: dict[str, list[int]]  # topic → comments per month

    @property
    def labels(self) -> list[str]:
        return [f"{m.year}-{m.month:02d}" for m in self.months]

    def rows(self) -> list[dict]:
        """One row per month for the table under the chart."""
        names = list(self.series)
        return [
            {
                "label": label,
                "total": self.totals[i],
                "negative": self.negative[i],
                "topics": [self.series[name][i] for name in names],
            }
            for i, label in enumerate(self.labels)
        ]

    def chart(self) -> dict:
        """What the page's ECharts line chart draws (json_script)."""
        return {
            "labels": self.labels,
            "series": [{"name": name, "values": values} for name, values in self.series.items()],
        }


def months_between(start: date, end: date) -> list[date]:
    months = []
    current = start.replace(day=1)
    while current <= end:
        months.append(current)
        current = current.replace(year=current.year + (current.month == 12), month=current.month % 12 + 1)
    return months


def topic_trend(*, department_ids: list[int] | None, start: date, end: date, lexicon: Lexicon | None = None) -> Trend:
    """Comments per topic for each month from ``start`` to ``end``, with the month's comments and
    negative comments (one query)."""
    lexicon = lexicon if lexicon is not None else current_lexicon()
    months = months_between(start, end)
    index = {month: i for i, month in enumerate(months)}
    trend = Trend(
        months=months,
        totals=[0] * len(months),
        negative=[0] * len(months),
        series={name: [0] * len(months) for name in lexicon.topic_names},
    )
    rows = (
        comments_in(department_ids=department_ids, start=start, end=end)
        .annotate(month=TruncMonth("local_date"))
        .values_list("month", "comment")
        .annotate(n=Count("pk"))
        .order_by()[:MAX_COMMENT_ROWS]
    )
    for month, text, n in rows:
        i = index.get(month.replace(day=1) if hasattr(month, "replace") else month)
        if i is None:
            continue
        analysis = analyse_text(text, lexicon)
        trend.totals[i] += n
        if analysis.sentiment == NEGATIVE:
            trend.negative[i] += n
        for topic in analysis.topics:
            trend.series.setdefault(topic, [0] * len(months))[i] += n
    return trend


@dataclass(frozen=True)
class WordCount:
    word: str
    n: int
    tone: str  # "topic", "positive", "negative" or "" (for the word cloud's colours)


def _count_words(texts: list[tuple[str, int]], lexicon: Lexicon, limit: int) -> list[WordCount]:
    counter: Counter[str] = Counter()
    for text, n in texts:
        for word in analyse_text(text, lexicon).words:
            counter[word] += n

    def tone(word: str) -> str:
        if word in lexicon.negative:
            return "negative"
        if word in lexicon.positive:
            return "positive"
        if word in lexicon.topics:
            return "topic"
        return ""

    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [WordCount(word, n, tone(word)) for word, n in ranked]


def word_frequencies(
    *, department_ids: list[int] | None, start: date, end: date, limit: int = 80, lexicon: Lexicon | None = None
) -> list[WordCount]:
    """The ``limit`` words found in the most comments (each comment counts a word once; one query)."""
    lexicon = lexicon if lexicon is not None else current_lexicon()
    return _count_words(_texts(comments_in(department_ids=department_ids, start=start, end=end)), lexicon, limit)


def overview(
    *, department_ids: list[int] | None, start: date, end: date, limit: int = 80, lexicon: Lexicon | None = None
) -> tuple[TopicCounts, list[WordCount]]:
    """:func:`topic_counts` and :func:`word_frequencies` from one query (for the page)."""
    lexicon = lexicon if lexicon is not None else current_lexicon()
    texts = _texts(comments_in(department_ids=department_ids, start=start, end=end))
    return _count_topics(texts, lexicon), _count_words(texts, lexicon, limit)


@dataclass(frozen=True)
class CloudWord:
    word: str
    n: int
    tone: str
    size: str  # font size in rem, e.g. "1.42"


CLOUD_MIN_REM = 0.85
CLOUD_MAX_REM = 2.6


def word_cloud(words: list[WordCount]) -> list[CloudWord]:
    """The words sized by frequency (square root, so a few very common words do not dwarf the rest)
    and mixed in a fixed order (by a hash of the word), so the cloud looks the same on each visit."""
    if not words:
        return []
    top = math.sqrt(max(w.n for w in words))
    low = math.sqrt(min(w.n for w in words))
    spread = (top - low) or 1.0
    cloud = [
        CloudWord(
            word=w.word,
            n=w.n,
            tone=w.tone,
            size=f"{CLOUD_MIN_REM + (math.sqrt(w.n) - low) / spread * (CLOUD_MAX_REM - CLOUD_MIN_REM):.2f}",
        )
        for w in words
    ]
    return sorted(cloud, key=lambda c: hashlib.sha256(c.word.encode()).hexdigest())


def matching_comments(
    *,
    department_ids: list[int] | None,
    start: date,
    end: date,
    topic: str = "",
    sentiment: str = "",
    lexicon: Lexicon | None = None,
) -> list[int]:
    """The ids of the valid feedback (newest first) whose comment is about ``topic`` and/or has
    ``sentiment``. The topic's words narrow the rows in the database; the analysis decides."""
    lexicon = lexicon if lexicon is not None else current_lexicon()
    qs = comments_in(department_ids=department_ids, start=start, end=end)
    if topic:
        words = lexicon.topic_words(topic)
        if not words:
            return []
        flt = Q()
        for word in words:
            flt |= Q(comment__icontains=word)
        qs = qs.filter(flt)
    ids = []
    for pk, text in qs.order_by("-at", "-pk").values_list("pk", "comment")[:MAX_COMMENT_ROWS]:
        analysis = analyse_text(text, lexicon)
        if topic and topic not in analysis.topics:
            continue
        if sentiment and analysis.sentiment != sentiment:
            continue
        ids.append(pk)
    return ids
