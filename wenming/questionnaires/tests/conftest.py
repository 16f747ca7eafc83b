import pytest

from wenming.questionnaires import services
from wenming.questionnaires.models import Purpose
from wenming.questionnaires.selectors import version_in_use


@pytest.fixture
def outpatient(scenario):
    """The outpatient template, published and in use."""
    questionnaire = services.questionnaire_create(
        by=scenario.office, name="门诊患者满意度调查", purpose=Purpose.OUTPATIENT, template=Purpose.OUTPATIENT
    )
    draft = questionnaire.versions.get()
    services.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    services.questionnaire_use(by=scenario.office, questionnaire=questionnaire)
    return version_in_use(Purpose.OUTPATIENT)
