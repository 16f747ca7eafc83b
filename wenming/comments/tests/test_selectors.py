from datetime import date

import pytest

from wenming.comments import selectors
from wenming.org.access import access_for

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def counts(ids=None, start=NOV[0], end=NOV[1]):
    return selectors.topic_counts(department_ids=ids, start=start, end=end)


def test_topic_counts_with_sentiment_over_valid_comments(scenario, comment):
    comment("护士态度很好，谢谢")
    comment("护士态度很好，谢谢")  # the same text twice counts twice
    comment("排队太久，态度也不耐烦", overall=2)
    comment("收费不清楚", overall=3)  # 清楚 negated: negative
    comment("医生索要红包", valid=False)  # not valid: not counted
    comment("")  # no comment
    result = counts()
    assert result.total == 4
    assert result.sentiment == {"positive": 2, "negative": 2, "neutral": 0}
    rows = {row.topic: row for row in result.topics}
    assert (rows["服务态度"].n, rows["服务态度"].positive, rows["服务态度"].negative) == (3, 2, 1)
    assert rows["服务态度"].share == "75.0"
    assert (rows["等候时间"].n, rows["收费"].n, rows["红包"].n) == (1, 1, 0)
    assert result.topics[0].topic == "服务态度"  # most comments first
    assert result.share("positive") == "50.0" and result.untopical == 0


def test_counts_keep_to_the_departments_and_dates(scenario, comment):
    comment("态度很好", department=scenario.ortho)
    comment("态度很好", department=scenario.ward)
    comment("态度很好", day=date(2026, 10, 31))
    assert counts().total == 2
    assert counts(ids=[scenario.ortho.pk]).total == 1
    assert counts(ids=[]).total == 0
    assert counts(start=date(2026, 10, 1)).total == 3


def test_scope_of_department_ids(scenario):
    office = access_for(scenario.office)
    assert selectors.scope_department_ids(access=office) is None
    assert set(selectors.scope_department_ids(access=office, department=scenario.cardio)) == {
        scenario.cardio.pk,
        scenario.ward.pk,
    }
    head = access_for(scenario.head_cardio)
    assert set(selectors.scope_department_ids(access=head)) == {scenario.cardio.pk, scenario.ward.pk}
    assert selectors.scope_department_ids(access=head, department=scenario.ortho) == []
    assert selectors.scope_department_ids(access=access_for(scenario.employee)) == []


def test_trend_per_month(scenario, comment):
    comment("排队太久", day=date(2026, 9, 3))
    comment("排队太久", day=date(2026, 11, 3))
    comment("排队太久", day=date(2026, 11, 20))
    comment("态度很好", day=date(2026, 11, 20))
    trend = selectors.topic_trend(department_ids=None, start=date(2026, 9, 1), end=date(2026, 11, 30))
    assert trend.labels == ["2026-09", "2026-10", "2026-11"]
    assert trend.series["等候时间"] == [1, 0, 2]
    assert trend.series["服务态度"] == [0, 0, 1]
    assert trend.totals == [1, 0, 3] and trend.negative == [1, 0, 2]
    assert trend.chart()["labels"] == trend.labels


def test_months_between_crosses_the_year():
    assert selectors.months_between(date(2025, 11, 15), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_word_frequencies_count_comments(scenario, comment):
    comment("护士很耐心，护士很好")
    comment("护士态度差")
    comment("医生很耐心")
    words = selectors.word_frequencies(department_ids=None, start=NOV[0], end=NOV[1])
    found = {w.word: w for w in words}
    assert found["护士"].n == 2 and found["耐心"].n == 2 and found["医生"].n == 1
    assert found["耐心"].tone == "positive" and found["差"].tone == "negative" and found["态度"].tone == "topic"
    assert words[0].n == 2
    assert len(selectors.word_frequencies(department_ids=None, start=NOV[0], end=NOV[1], limit=2)) == 2


def test_word_cloud_sizes_by_frequency():
    from wenming.comments.selectors import WordCount, word_cloud

    cloud = {
        w.word: w
        for w in word_cloud(
            [WordCount("护士", 100, ""), WordCount("耐心", 25, "positive"), WordCount("差", 1, "negative")]
        )
    }
    assert cloud["护士"].size == "2.60" and cloud["差"].size == "0.85"
    assert float(cloud["护士"].size) > float(cloud["耐心"].size) > float(cloud["差"].size)
    assert word_cloud([]) == []


def test_matching_comments_by_topic_and_sentiment(scenario, comment):
    good = comment("态度很好")
    bad = comment("态度差", day=date(2026, 11, 24))
    comment("宝贵的意见")  # 贵 is not a fee
    fees = comment("费用太贵")
    kw = {"department_ids": None, "start": NOV[0], "end": NOV[1]}
    assert selectors.matching_comments(topic="服务态度", **kw) == [bad.pk, good.pk]
    assert selectors.matching_comments(topic="服务态度", sentiment="negative", **kw) == [bad.pk]
    assert selectors.matching_comments(topic="收费", **kw) == [fees.pk]
    assert selectors.matching_comments(sentiment="negative", **kw) == [bad.pk, fees.pk]
    assert selectors.matching_comments(topic="没有这个话题", **kw) == []


@pytest.mark.parametrize("n", [3, 30])
def test_counting_takes_a_few_queries_whatever_the_comments(scenario, comment, n, django_assert_num_queries):
    for i in range(n):
        comment(f"第{i}次来，护士态度很好")
    lexicon = selectors.current_lexicon()
    with django_assert_num_queries(3):
        selectors.topic_counts(department_ids=None, start=NOV[0], end=NOV[1], lexicon=lexicon)
        selectors.topic_trend(department_ids=None, start=NOV[0], end=NOV[1], lexicon=lexicon)
        selectors.word_frequencies(department_ids=None, start=NOV[0], end=NOV[1], lexicon=lexicon)
