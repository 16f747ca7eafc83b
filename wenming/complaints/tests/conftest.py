import pytest

from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard


@pytest.fixture
def month(scenario):
    """The monthly 文明科室 standard (deduction C1, bonus F1)."""
    load_example_standards()
    return Standard.objects.get(code="WMKS-M-2026")


@pytest.fixture
def make_case(scenario):
    """``make_case(state=..., **fields)``: a case of 心血管内科 received by the office, moved
    through the services up to ``state``."""
    from wenming.complaints import services

    def make(state="received", kind="complaint", department=None, finding="substantiated", **fields):
        case = services.case_intake(
            by=scenario.office,
            kind=kind,
            source=fields.pop("source", "phone"),
            department=department or scenario.cardio,
            content=fields.pop("content", "护士态度生硬，不耐烦"),
            contact_name=fields.pop("contact_name", "李先生"),
            contact_phone=fields.pop("contact_phone", "13912345678"),
            **fields,
        )
        order = ["received", "investigating", "handling", "replied", "closed"]
        target = order.index(state)
        if target >= 1:
            case = services.case_start(case=case, by=scenario.office, expected_version=case.version)
        if target >= 2:
            case = services.case_investigate(
                case=case,
                by=scenario.office,
                investigation="经调查属实",
                finding=finding,
                expected_version=case.version,
            )
        if target >= 3:
            case = services.case_decide(
                case=case, by=scenario.office, decision="批评教育", expected_version=case.version
            )
            case = services.case_reply(
                case=case, by=scenario.office, reply="已电话致歉", method="phone", expected_version=case.version
            )
        if target >= 4:
            case = services.case_close(
                case=case, by=scenario.office, satisfaction="satisfied", expected_version=case.version
            )
        return case

    return make
