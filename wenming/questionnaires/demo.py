"""The demo hospital's questionnaires: the four templates created, published and put in use, and
answers to the outpatient one on the demo's patient ratings of the last two months (each rating
question close to the patient's overall rating), so the results pages have something to show.

Idempotent: a purpose that already has a questionnaire in use is left alone, and ratings that
already carry answers are not answered again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from wenming.feedback.models import Channel, Feedback
from wenming.org.selectors import hospital_today

from . import services
from .models import Purpose, QuestionKind, Questionnaire, RatingAnswer
from .selectors import version_in_use
from .templates_data import TEMPLATES

SEED = 20261
ANSWER_DAYS = 60


@dataclass
class DemoQuestionnaires:
    created: int = 0
    answered: int = 0


def _rating_near(rng: random.Random, overall: int) -> int:
    return max(1, min(5, overall + rng.choice((-1, 0, 0, 0, 0, 1))))


@transaction.atomic
def load_demo_questionnaires(*, today: date | None = None) -> DemoQuestionnaires:
    outcome = DemoQuestionnaires()
    by = get_user_model().objects.filter(username="wmb").first()
    for purpose in Purpose.values:
        if Questionnaire.objects.filter(purpose=purpose, in_use=True).exists():
            continue
        questionnaire = services.questionnaire_create(
            by=by, name=TEMPLATES[purpose]["name"], purpose=purpose, intro=TEMPLATES[purpose]["intro"], template=purpose
        )
        draft = questionnaire.versions.get()
        services.version_publish(by=by, version=draft, expected_version=draft.version)
        services.questionnaire_use(by=by, questionnaire=questionnaire)
        outcome.created += 1
    outcome.answered = _answer_recent(today or hospital_today())
    return outcome


def _answer_recent(today: date) -> int:
    spec = version_in_use(Purpose.OUTPATIENT)
    if spec is None:
        return 0
    rng = random.Random(SEED)
    rows = list(
        Feedback.objects.filter(
            channel=Channel.QR,
            questionnaire_version__isnull=True,
            local_date__gte=today - timedelta(days=ANSWER_DAYS),
            local_date__lte=today,
        ).only("pk", "overall", "answers")
    )
    answers_rows = []
    for feedback in rows:
        answers = {}
        for question in spec.questions:
            if question.kind == QuestionKind.RATING and rng.random() < 0.9:
                answers[question.key] = _rating_near(rng, feedback.overall)
            elif question.kind == QuestionKind.SINGLE and rng.random() < 0.7:
                answers[question.key] = rng.choice(question.options)
        feedback.answers = answers
        feedback.questionnaire_version_id = spec.pk
        answers_rows += services.rating_answers_build(version=spec, answers=answers, feedback_id=feedback.pk)
    Feedback.objects.bulk_update(rows, ["answers", "questionnaire_version"], batch_size=1000)
    RatingAnswer.objects.bulk_create(answers_rows, batch_size=2000)
    return len(rows)
