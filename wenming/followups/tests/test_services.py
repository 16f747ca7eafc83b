import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from wenming.core.models import AuditEntry
from wenming.followups import services
from wenming.followups.importing import mask_name, parse_date
from wenming.followups.models import (
    BatchStatus,
    CallAttempt,
    CallStatus,
    DischargedPatient,
    FollowupCall,
    SampleMode,
)

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
SAMPLE = (__import__("pathlib").Path(__file__).parent / "data" / "discharges_sample.csv").read_bytes()


def upload(scenario, data, name="x.csv", batch="十月出院"):
    return services.batch_upload(by=scenario.office, name=batch, start=START, end=END, data=data, file_name=name)


def csv(*lines, header="姓名,电话,科室,出院日期"):
    return ("\n".join([header, *lines]) + "\n").encode()


@pytest.mark.parametrize(
    ("raw", "masked"), [("张三", "张*"), ("张三丰", "张*丰"), ("欧阳娜娜", "欧**娜"), ("张*三", "张*三"), ("李", "李*")]
)
def test_names_are_masked(raw, masked):
    assert mask_name(raw) == masked


@pytest.mark.parametrize("text", ["2026-10-03", "2026/10/3", "2026.10.03", "20261003", "2026年10月3日"])
def test_dates(text):
    assert parse_date(text) == dt.date(2026, 10, 3)


def test_sample_file_imports_with_masked_names_and_phones(scenario):
    batch = upload(scenario, SAMPLE, "discharges_sample.csv")
    assert batch.status == BatchStatus.PREVIEWED, batch.errors
    assert batch.preview["rows"] == 4
    assert "13900002222" not in str(batch.preview)
    assert not DischargedPatient.objects.exists()  # nothing before confirming
    batch = services.batch_confirm(by=scenario.office, batch=batch)
    assert batch.status == BatchStatus.IMPORTED and batch.patient_count == 4
    names = set(DischargedPatient.objects.values_list("masked_name", flat=True))
    assert names == {"张*三", "李*", "欧**娜", "王*"}
    assert DischargedPatient.objects.get(masked_name="欧**娜").phone == "13900003333"
    assert DischargedPatient.objects.get(masked_name="李*").department == scenario.ortho
    assert AuditEntry.objects.filter(action="followups.batch.imported").count() == 1
    assert "13900002222" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(scenario, encoding):
    data = SAMPLE.decode().encode(encoding)
    assert upload(scenario, data).status == BatchStatus.PREVIEWED


def test_english_headers_and_xlsx(scenario):
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Mobile", "Department", "Discharge date", "Ward"])
    sheet.append(["赵六", 13900004444, "D01", dt.datetime(2026, 10, 9), "一病区"])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = upload(scenario, buffer.getvalue(), "list.xlsx")
    assert batch.status == BatchStatus.PREVIEWED, batch.errors
    services.batch_confirm(by=scenario.office, batch=batch)
    patient = DischargedPatient.objects.get()
    assert (patient.masked_name, patient.phone, patient.ward) == ("赵*", "13900004444", "一病区")


def test_every_problem_is_reported_with_its_row_and_nothing_is_imported(scenario):
    data = csv(
        "张三,13900001111,心血管内科,2026-10-03",
        ",12345,不存在科,2026-13-40",
        "李四,,D02,",
        "王五,13900002222,D02,2026-09-30",
        "赵六,13900003333,D02,2099-01-01",
    )
    batch = upload(scenario, data)
    assert batch.status == BatchStatus.INVALID
    texts = [e["text"] for e in batch.errors]
    assert all(e["text"].startswith(f"第 {e['line']} 行：") for e in batch.errors), texts
    lines = sorted({e["line"] for e in batch.errors})
    assert lines == [3, 4, 5, 6]
    assert sum(1 for e in batch.errors if e["line"] == 3) == 4  # name, phone, department, date
    assert batch.file.name  # kept for correction
    with pytest.raises(ValidationError):
        services.batch_confirm(by=scenario.office, batch=batch)
    assert not DischargedPatient.objects.exists()


def test_missing_column_is_reported(scenario):
    batch = upload(scenario, csv("张三,13900001111,2026-10-03", header="姓名,电话,出院日期"))
    assert batch.status == BatchStatus.INVALID and "科室" in batch.errors[0]["text"]


def test_duplicates_in_file_and_across_batches_are_reported_not_doubled(scenario):
    batch = upload(scenario, csv("张三,13900001111,D01,2026-10-03", "张三,139 0000 1111,心血管内科,2026/10/3"))
    assert batch.status == BatchStatus.PREVIEWED and batch.preview["rows"] == 1
    assert batch.preview["duplicates"][0]["text"].startswith("第 3 行：")
    services.batch_confirm(by=scenario.office, batch=batch)
    again = upload(scenario, csv("张三,13900001111,D01,2026-10-03", "李四,13900002222,D01,2026-10-03"), batch="补充")
    assert again.preview["rows"] == 1 and "十月出院" in again.preview["duplicates"][0]["text"]
    services.batch_confirm(by=scenario.office, batch=again)
    assert DischargedPatient.objects.count() == 2


def test_confirm_rechecks_against_batches_imported_meanwhile(scenario):
    first = upload(scenario, csv("张三,13900001111,D01,2026-10-03"))
    second = upload(scenario, csv("张三,13900001111,D01,2026-10-03", "李四,13900002222,D01,2026-10-04"))
    services.batch_confirm(by=scenario.office, batch=first)
    services.batch_confirm(by=scenario.office, batch=second)
    assert DischargedPatient.objects.count() == 2
    with pytest.raises(ValidationError):
        services.batch_confirm(by=scenario.office, batch=second)  # once only


def _imported(scenario, n=20):
    lines = [f"病人{i},139{i:08d},{'D01' if i % 2 else 'D02'},2026-10-{i % 28 + 1:02d}" for i in range(n)]
    return services.batch_confirm(by=scenario.office, batch=upload(scenario, csv(*lines)))


def test_sampling_is_reproducible_and_audited(scenario):
    batch = _imported(scenario)
    samples = services.sample_draw(
        by=scenario.office,
        batch=batch,
        departments=[scenario.cardio, scenario.ortho],
        mode=SampleMode.PERCENT,
        value=30,
        callers=[scenario.office],
        seed=12345,
    )
    assert [(s.population, s.size, s.seed) for s in samples] == [(10, 3, 12345), (10, 3, 12345)]
    chosen = sorted(FollowupCall.objects.values_list("patient_id", flat=True))
    for sample in samples:  # the stored seed redraws exactly the same patients
        ids = DischargedPatient.objects.filter(batch=batch, department=sample.department).values_list("pk", flat=True)
        redrawn = services.draw(list(ids), size=sample.size, seed=sample.seed + sample.department.pk)
        assert set(redrawn) <= set(chosen)
    assert AuditEntry.objects.get(action="followups.sample.drawn").data["seed"] == 12345
    with pytest.raises(ValidationError):  # once per department
        services.sample_draw(
            by=scenario.office,
            batch=batch,
            departments=[scenario.ortho],
            mode="number",
            value=1,
            callers=[scenario.office],
        )


def test_sample_size():
    assert services.sample_size(10, mode="number", value=50) == 10
    assert services.sample_size(10, mode="percent", value=15) == 2
    assert services.sample_size(0, mode="percent", value=15) == 0


@pytest.fixture
def call(scenario):
    batch = _imported(scenario, 4)
    services.sample_draw(
        by=scenario.office, batch=batch, departments=[scenario.ortho], mode="number", value=1, callers=[scenario.office]
    )
    return FollowupCall.objects.get()


def test_no_answer_is_retried_up_to_three_attempts(scenario, call):
    for _attempt in range(3):
        assert call.is_open
        call = services.call_record(
            by=scenario.office, call=call, outcome=CallStatus.NO_ANSWER, expected_version=call.version
        )
    assert call.attempts == 3 and not call.is_open
    assert list(CallAttempt.objects.values_list("number", "caller__username")) == [
        (1, "office"),
        (2, "office"),
        (3, "office"),
    ]
    with pytest.raises(ValidationError):
        services.call_record(by=scenario.office, call=call, outcome=CallStatus.REFUSED, expected_version=call.version)


@pytest.mark.parametrize("outcome", [CallStatus.REFUSED, CallStatus.WRONG_NUMBER])
def test_refused_and_wrong_number_close_the_call(scenario, call, outcome):
    call = services.call_record(by=scenario.office, call=call, outcome=outcome, expected_version=call.version)
    assert call.status == outcome and not call.is_open and call.feedback is None


def test_a_caller_cannot_record_someone_elses_call(scenario, call):
    with pytest.raises(ValidationError):
        services.call_record(by=scenario.head_ortho, call=call, outcome="refused", expected_version=call.version)
    assert not CallAttempt.objects.exists()


def test_stale_version_is_refused(scenario, call):
    from wenming.org.services.common import ConcurrentEditError

    with pytest.raises(ConcurrentEditError):
        services.call_record(by=scenario.office, call=call, outcome="refused", expected_version=call.version + 1)


@pytest.fixture
def discharge_questionnaire(scenario):
    from wenming.questionnaires import services as questionnaires
    from wenming.questionnaires.selectors import version_in_use

    questionnaire = questionnaires.questionnaire_create(
        by=scenario.office, name="出院回访", purpose="discharge", template="discharge"
    )
    draft = questionnaire.versions.get()
    questionnaires.version_publish(by=scenario.office, version=draft, expected_version=draft.version)
    questionnaires.questionnaire_use(by=scenario.office, questionnaire=questionnaire)
    return version_in_use("discharge")


def test_a_completed_call_becomes_valid_feedback_with_its_answers(scenario, call, discharge_questionnaire):
    from wenming.feedback.models import Channel
    from wenming.questionnaires.models import RatingAnswer

    spec = discharge_questionnaire
    required = [q for q in spec.questions if q.required]
    with pytest.raises(ValidationError) as error:  # the required questions were not asked
        services.call_record(
            by=scenario.office, call=call, outcome=CallStatus.COMPLETED, expected_version=call.version, overall=4
        )
    assert set(error.value.message_dict) == {q.field for q in required}
    call.refresh_from_db()
    assert call.is_open and call.feedback is None

    answers = {q.field: ("5" if q.kind == "rating" else q.options[0]) for q in required}
    call = services.call_record(
        by=scenario.office,
        call=call,
        outcome=CallStatus.COMPLETED,
        expected_version=call.version,
        overall=5,
        answers_data=answers,
        comment="护士很耐心",
    )
    feedback = call.feedback
    assert call.status == CallStatus.COMPLETED and not call.is_open
    assert (feedback.department, feedback.channel, feedback.overall, feedback.is_valid) == (
        scenario.ortho,
        Channel.FOLLOWUP,
        5,
        True,
    )
    assert feedback.questionnaire_version_id == spec.pk and feedback.comment == "护士很耐心"
    assert RatingAnswer.objects.filter(feedback=feedback).count() == sum(q.kind == "rating" for q in required)


def test_a_completed_call_needs_the_overall_rating(scenario, call):
    with pytest.raises(ValidationError) as error:
        services.call_record(by=scenario.office, call=call, outcome=CallStatus.COMPLETED, expected_version=call.version)
    assert "overall" in error.value.message_dict
