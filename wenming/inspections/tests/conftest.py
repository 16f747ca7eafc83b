import pytest

from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard


@pytest.fixture
def month(scenario):
    """The monthly 文明科室 standard (deduction codes A1a, C1, D1a, …)."""
    load_example_standards()
    return Standard.objects.get(code="WMKS-M-2026")
