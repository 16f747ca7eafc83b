import pytest

from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard, StandardVersion


@pytest.mark.django_db
def test_the_example_standards_load_once():
    first = load_example_standards()
    assert [o.version.standard.code for o in first] == ["WMKS-M-2026", "WMKS-Q-2026", "YDKP-2026"]
    assert all(o.created for o in first)
    second = load_example_standards()
    assert not any(o.created for o in second)
    assert Standard.objects.count() == 3
    assert StandardVersion.objects.count() == 3
    quarterly = StandardVersion.objects.get(standard__code="WMKS-Q-2026").definition
    assert quarterly.items[0].source == "WMKS-M-2026"
