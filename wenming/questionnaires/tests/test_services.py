"""Building questionnaires: templates, drafts guarded by their version, publishing, checking answers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from wenming.core.models import AuditEntry
from wenming.org.services.common import ConcurrentEditError
from wenming.questionnaires import services
from wenming.questionnaires.models import (
    Dimension,
    Purpose,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from wenming.questionnaires.selectors import version_in_use
from wenming.questionnaires.templates_data import TEMPLATES

pytestmark = pytest.mark.django_db


def _new(scenario, template=Purpose.DISCHARGE, purpose=Purpose.DISCHARGE):
    questionnaire = services.questionnaire_create(by=scenario.office, name="问卷", purpose=purpose, template=template)
    return questionnaire, questionnaire.versions.get()


def test_the_common_dimensions_are_there_from_the_start():
    names = set(Dimension.objects.values_list("name", flat=True))
    assert {"挂号就诊", "候诊时间", "医生沟通", "护士服务", "环境卫生", "收费透明", "隐私保护"} <= names


@pytest.mark.parametrize("purpose", Purpose.values)
def test_every_template_makes_a_draft_with_its_questions(scenario, purpose):
    _questionnaire, draft = _new(scenario, template=purpose, purpose=purpose)
    assert draft.status == VersionStatus.DRAFT and draft.number == 1
    questions = list(draft.questions.order_by("order"))
    assert [q.text for q in questions] == [row[1] for row in TEMPLATES[purpose]["questions"]]
    assert [q.key for q in questions] == [f"q{n}" for n in range(1, len(questions) + 1)]
    assert all(q.dimension_id for q in questions if q.kind == QuestionKind.RATING)
    assert AuditEntry.objects.filter(action="questionnaires.questionnaire.created").count() == 1


def test_a_questionnaire_needs_a_name_and_a_known_purpose(scenario):
    with pytest.raises(ValidationError) as error:
        services.questionnaire_create(by=scenario.office, name=" ", purpose="x")
    assert set(error.value.message_dict) == {"name", "purpose"}


def test_editing_a_draft_checks_the_version_it_was_opened_at(scenario):
    _questionnaire, draft = _new(scenario, template="")
    opened = draft.version
    question = services.question_save(
        by=scenario.office,
        version=draft,
        expected_version=opened,
        kind="single",
        text="就诊方式",
        options="窗口\n自助机\n窗口",
    )
    assert question.options == ["窗口", "自助机"] and question.key == "q1"
    with pytest.raises(ConcurrentEditError):  # a second person still holding the old page
        services.question_save(by=scenario.office, version=draft, expected_version=opened, kind="text", text="建议")
    assert draft.questions.count() == 1


def test_a_choice_question_needs_two_options(scenario):
    _, draft = _new(scenario, template="")
    with pytest.raises(ValidationError) as error:
        services.question_save(
            by=scenario.office,
            version=draft,
            expected_version=draft.version,
            kind="multi",
            text="哪些",
            options="只有一个",
        )
    assert "options" in error.value.message_dict


def test_a_dimension_only_sticks_to_a_rating_question(scenario):
    _, draft = _new(scenario, template="")
    doctor = Dimension.objects.get(code="doctor")
    text = services.question_save(
        by=scenario.office, version=draft, expected_version=1, kind="text", text="建议", dimension=doctor
    )
    assert text.dimension is None


def test_moving_and_deleting_questions(scenario):
    _, draft = _new(scenario)
    first, second = draft.questions.order_by("order")[:2]
    services.question_move(by=scenario.office, version=draft, expected_version=1, question=second, direction=-1)
    assert list(draft.questions.order_by("order").values_list("pk", flat=True)[:2]) == [second.pk, first.pk]
    services.question_delete(by=scenario.office, version=draft, expected_version=2, question=first)
    assert not Question.objects.filter(pk=first.pk).exists()


def test_publishing_freezes_the_version_and_retires_the_one_before(scenario):
    questionnaire, draft = _new(scenario)
    published = services.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    assert published.status == VersionStatus.PUBLISHED and published.published_by == scenario.office
    with pytest.raises(ValidationError):  # a published version never changes
        services.question_save(
            by=scenario.office, version=published, expected_version=published.version, kind="text", text="新题"
        )

    second = services.draft_start(by=scenario.office, questionnaire=questionnaire)
    assert second.number == 2 and second.questions.count() == published.questions.count()
    assert list(second.questions.values_list("key", flat=True).order_by("order")) == list(
        published.questions.values_list("key", flat=True).order_by("order")
    )
    assert services.draft_start(by=scenario.office, questionnaire=questionnaire) == second  # one draft at a time
    services.question_save(
        by=scenario.office, version=second, expected_version=second.version, kind="text", text="新题"
    )
    services.version_publish(by=scenario.office, version=second, expected_version=second.version + 1)
    statuses = dict(QuestionnaireVersion.objects.filter(questionnaire=questionnaire).values_list("number", "status"))
    assert statuses == {1: VersionStatus.RETIRED, 2: VersionStatus.PUBLISHED}


def test_an_empty_draft_is_not_published(scenario):
    _, draft = _new(scenario, template="")
    with pytest.raises(ValidationError):
        services.version_publish(by=scenario.office, version=draft, expected_version=draft.version)


def test_one_questionnaire_in_use_per_purpose_and_the_form_follows_it(scenario):
    first, draft = _new(scenario)
    with pytest.raises(ValidationError):  # nothing published yet
        services.questionnaire_use(by=scenario.office, questionnaire=first)
    services.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    services.questionnaire_use(by=scenario.office, questionnaire=first)
    assert version_in_use(Purpose.DISCHARGE).questionnaire_id == first.pk

    second, draft2 = _new(scenario)
    services.version_publish(by=scenario.office, version=draft2, expected_version=draft2.version)
    services.questionnaire_use(by=scenario.office, questionnaire=second)
    assert list(Questionnaire.objects.filter(in_use=True).values_list("pk", flat=True)) == [second.pk]
    assert version_in_use(Purpose.DISCHARGE).questionnaire_id == second.pk  # the cache was cleared

    services.questionnaire_retire(by=scenario.office, questionnaire=second)
    assert version_in_use(Purpose.DISCHARGE) is None


def test_answers_are_checked_against_the_version(scenario, outpatient):
    keys = {q.kind: q.key for q in outpatient.questions}
    data = QueryDict(mutable=True)
    data.update({f"q_{keys['rating']}": "4", f"q_{keys['single']}": "自助机", "q_unknown": "x"})
    assert services.answers_clean(version=outpatient, data=data) == {keys["rating"]: 4, keys["single"]: "自助机"}

    with pytest.raises(ValidationError) as error:
        services.answers_clean(version=outpatient, data={f"q_{keys['rating']}": "9", f"q_{keys['single']}": "骑马"})
    assert set(error.value.message_dict) == {f"q_{keys['rating']}", f"q_{keys['single']}"}


def test_required_multi_and_text_answers(scenario):
    questionnaire, draft = _new(scenario, template=Purpose.INPATIENT, purpose=Purpose.INPATIENT)
    multi = draft.questions.get(kind=QuestionKind.MULTI)
    services.question_save(
        by=scenario.office,
        version=draft,
        expected_version=draft.version,
        question=multi,
        kind="multi",
        text=multi.text,
        options=multi.options,
        required=True,
    )
    services.question_save(
        by=scenario.office, version=draft, expected_version=draft.version + 1, kind="text", text="建议"
    )
    draft.refresh_from_db()
    services.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    services.questionnaire_use(by=scenario.office, questionnaire=questionnaire)
    spec = version_in_use(Purpose.INPATIENT)
    text_key = next(q.key for q in spec.questions if q.kind == "text")

    with pytest.raises(ValidationError) as error:
        services.answers_clean(version=spec, data={})
    assert list(error.value.message_dict) == [f"q_{multi.key}"]

    data = QueryDict(mutable=True)
    data.setlist(f"q_{multi.key}", ["饮食", "收费"])
    data[f"q_{text_key}"] = "  饭菜偏咸  "
    assert services.answers_clean(version=spec, data=data) == {multi.key: ["饮食", "收费"], text_key: "饭菜偏咸"}
    data.setlist(f"q_{multi.key}", ["饮食", "跳伞"])
    with pytest.raises(ValidationError):
        services.answers_clean(version=spec, data=data)


def test_dimensions_are_added_and_changed_with_unique_names(scenario):
    added = services.dimension_save(
        by=scenario.office, code="pharmacy", name="药房服务", weight="1.5", order=200, active=True
    )
    assert added.weight == 1.5
    with pytest.raises(ValidationError) as error:
        services.dimension_save(by=scenario.office, code="pharmacy", name="医生沟通", weight=1, order=1, active=True)
    assert set(error.value.message_dict) == {"code", "name"}
    services.dimension_save(
        by=scenario.office, dimension=added, code="", name="药学服务", weight=2, order=5, active=False
    )
    added.refresh_from_db()
    assert (added.name, added.code, added.active) == ("药学服务", "pharmacy", False)
