"""One comment's analysis with the seeded lexicon, and how lexicon changes reach the segmenter."""

import pytest

from wenming.comments import services
from wenming.comments.analysis import analyse_text, build_lexicon, segment
from wenming.comments.models import LexiconEntry
from wenming.comments.selectors import analyse, current_lexicon


@pytest.fixture
def lexicon(db):
    return current_lexicon()


def test_the_seeded_lexicon_has_the_usual_topics(lexicon):
    assert set(lexicon.topic_names) >= {"服务态度", "等候时间", "收费", "环境", "沟通", "红包"}
    assert LexiconEntry.objects.filter(active=True).count() >= 60


@pytest.mark.parametrize(
    ("text", "topics", "sentiment"),
    [
        ("护士很耐心，谢谢", ("服务态度",), "positive"),
        ("排队等了两个小时，太慢了", ("等候时间",), "negative"),
        ("收费不透明，感觉乱收费", ("收费",), "negative"),
        ("医生索要红包", ("红包",), "negative"),
        ("环境干净整洁", ("环境",), "positive"),
        ("医生讲解很清楚", ("沟通",), "positive"),
        ("护士态度生硬", ("服务态度",), "negative"),  # jieba's own word 态度生硬 is cut into the lexicon's
        ("服务热情周到", ("服务态度",), "positive"),
        ("医生没有耐心", ("服务态度",), "negative"),  # negated
        ("不太满意", (), "negative"),
        ("候诊时间有点长", ("等候时间",), "neutral"),
        ("宝贵的意见", (), "neutral"),  # 贵 inside 宝贵 is no fee
        ("", (), "neutral"),
    ],
)
def test_topics_and_sentiment(lexicon, text, topics, sentiment):
    analysis = analyse(text, lexicon=lexicon)
    assert analysis.topics == topics
    assert analysis.sentiment == sentiment


def test_words_leave_out_stop_words_negations_and_punctuation(lexicon):
    analysis = analyse("我们觉得医生没有耐心，非常失望！！123", lexicon=lexicon)
    assert analysis.words == ("医生", "耐心", "失望")
    assert analysis.negative == ("耐心", "失望")


def test_the_office_lexicon_words_are_kept_whole(lexicon):
    assert "乱收费" in segment("感觉乱收费", lexicon)
    assert "等太久" in segment("检查等太久了", lexicon)


def test_full_width_and_case_are_normalized(lexicon):
    assert analyse("ＶＩＰ病房环境好", lexicon=lexicon).topics == ("环境",)


def test_adding_and_turning_off_a_word_changes_the_analysis(scenario):
    assert analyse("专家号太难挂了").topics == ()
    entry = services.lexicon_add(by=scenario.office, word="专家号", category="topic", topic="挂号")
    assert analyse("专家号太难挂了").topics == ("挂号",)
    services.lexicon_set_active(entry=entry, by=scenario.office, active=False)
    assert analyse("专家号太难挂了").topics == ()
    assert "专家号" not in current_lexicon().dictionary_words


def test_a_removed_word_gets_jiebas_own_frequency_back(db):
    plain = build_lexicon([])
    with_word = build_lexicon([("医生", "topic", "人员")])
    assert segment("医生很好", plain) == segment("医生很好", with_word) == ["医生", "很", "好"]
    assert segment("医生很好", plain) == ["医生", "很", "好"]  # back again, nothing broken


def test_the_analysis_is_cached_per_lexicon(lexicon):
    analyse_text.cache_clear()
    analyse("护士很耐心", lexicon=lexicon)
    analyse("护士很耐心", lexicon=lexicon)
    assert analyse_text.cache_info().hits == 1
    other = build_lexicon([("耐心", "negative", "")])
    assert analyse("护士很耐心", lexicon=other).sentiment == "negative"
