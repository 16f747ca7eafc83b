import datetime as dt

from wenming.core.models import AuditEntry
from wenming.followups.demo import ROWS, load_demo_followups
from wenming.followups.models import CallAttempt, DischargedPatient, FollowupCall, FollowupSample

TODAY = dt.date(2026, 11, 20)


def test_demo_loads_once_and_a_second_run_changes_nothing(scenario):
    batch = load_demo_followups(today=TODAY)
    assert batch.name == "2026年10月出院患者"
    assert (batch.start, batch.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    patients = DischargedPatient.objects.count()
    assert ROWS - 10 <= patients <= ROWS  # a generated duplicate is reported and skipped
    assert all("*" in n for n in DischargedPatient.objects.values_list("masked_name", flat=True))
    samples = FollowupSample.objects.count()
    calls = FollowupCall.objects.count()
    attempts = CallAttempt.objects.count()
    assert samples == 2 and calls > 0 and attempts > 0
    entries = AuditEntry.objects.count()
    again = load_demo_followups(today=TODAY)
    assert again.pk == batch.pk
    assert (DischargedPatient.objects.count(), FollowupSample.objects.count(), FollowupCall.objects.count()) == (
        patients,
        samples,
        calls,
    )
    assert CallAttempt.objects.count() == attempts and AuditEntry.objects.count() == entries
