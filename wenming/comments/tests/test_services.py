import pytest
from django.utils import translation

from wenming.comments import services
from wenming.comments.models import LexiconEntry
from wenming.core.models import AuditEntry


def test_adding_a_word_is_audited(scenario):
    entry = services.lexicon_add(by=scenario.office, word=" 挂号难 ", category="negative", topic="ignored")
    assert (entry.word, entry.category, entry.topic, entry.active) == ("挂号难", "negative", "", True)
    assert AuditEntry.objects.get(action="comments.lexicon.added").data["word"] == "挂号难"


def test_a_duplicate_is_refused_with_a_message(scenario):
    with translation.override("en"), pytest.raises(services.LexiconError) as refused:
        services.lexicon_add(by=scenario.office, word="态度", category="topic", topic="服务态度")
    assert refused.value.message_dict["word"] == ["“态度” is already in the lexicon as a Topic word."]
    # The same word in another category is fine (冷漠 is a topic word and a negative word).
    services.lexicon_add(by=scenario.office, word="态度", category="stop")


def test_a_duplicate_of_a_word_turned_off_says_to_turn_it_on(scenario):
    entry = LexiconEntry.objects.get(word="红包", category="topic")
    services.lexicon_set_active(entry=entry, by=scenario.office, active=False)
    with translation.override("en"), pytest.raises(services.LexiconError) as refused:
        services.lexicon_add(by=scenario.office, word="红包", category="topic", topic="红包")
    assert "turn it on again" in refused.value.message_dict["word"][0]


def test_a_topic_word_needs_its_topic(scenario):
    with pytest.raises(services.LexiconError) as refused:
        services.lexicon_add(by=scenario.office, word="号源", category="topic")
    assert set(refused.value.message_dict) == {"topic"}
    with pytest.raises(services.LexiconError) as refused:
        services.lexicon_add(by=scenario.office, word="两个 词", category="bogus")
    assert set(refused.value.message_dict) == {"word", "category"}


def test_changing_a_word_checks_the_version(scenario):
    entry = LexiconEntry.objects.get(word="排队", category="topic")
    changed = services.lexicon_update(
        entry=entry, by=scenario.office, expected_version=1, word="排长队", category="topic", topic="等候时间"
    )
    assert changed.word == "排长队" and changed.version == 2
    assert AuditEntry.objects.get(action="comments.lexicon.changed").data == {"word": ["排队", "排长队"]}
    with pytest.raises(services.LexiconConflict):
        services.lexicon_update(
            entry=entry, by=scenario.office, expected_version=1, word="排队", category="topic", topic="等候时间"
        )
    with pytest.raises(services.LexiconError):  # into a word already there
        services.lexicon_update(
            entry=entry, by=scenario.office, expected_version=2, word="候诊", category="topic", topic="等候时间"
        )
    services.lexicon_update(
        entry=entry, by=scenario.office, expected_version=2, word="排长队", category="topic", topic="等候时间"
    )
    assert AuditEntry.objects.filter(action="comments.lexicon.changed").count() == 1  # nothing changed


def test_turning_off_and_on(scenario):
    entry = LexiconEntry.objects.get(word="红包", category="topic")
    services.lexicon_set_active(entry=entry, by=scenario.office, active=False)
    services.lexicon_set_active(entry=entry, by=scenario.office, active=False)  # already off: nothing
    services.lexicon_set_active(entry=entry, by=scenario.office, active=True)
    actions = list(AuditEntry.objects.filter(target_id=str(entry.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["comments.lexicon.activated", "comments.lexicon.deactivated"]


@pytest.mark.parametrize("who", ["head_cardio", "employee", "leader"])
def test_only_the_office_edits_the_lexicon(scenario, who):
    by = getattr(scenario, who)
    entry = LexiconEntry.objects.get(word="红包", category="topic")
    with pytest.raises(services.LexiconNotAllowed):
        services.lexicon_add(by=by, word="号源", category="topic", topic="挂号")
    with pytest.raises(services.LexiconNotAllowed):
        services.lexicon_set_active(entry=entry, by=by, active=False)
    with pytest.raises(services.LexiconNotAllowed):
        services.lexicon_update(entry=entry, by=by, expected_version=1, word="x", category="stop")
    assert LexiconEntry.objects.get(pk=entry.pk).active
