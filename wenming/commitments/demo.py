"""The demo's public commitments (三亮): the templates applied to every active clinical department
and its people for the current year, the public department pages published, and a published review
of the last finished quarter for each clinical department (its conclusion read from the patients'
satisfaction). Everything goes through the services as the demo's civility office.

Idempotent: applying the templates adds nothing twice, the settings are saved only before anyone
saved them, and a quarter that already has reviews is left as it is — a second run changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from wenming.org.models import Department, DepartmentCategory, Role
from wenming.org.selectors import hospital_today

from . import reviews, services
from .models import CommitmentReview, Conclusion, PublicSettings

DEMO_NOTE = "欢迎监督我们的服务承诺。监督电话：0716-8888888"
REASONS = {
    Conclusion.MOSTLY: "患者满意度略低于目标，候诊等候时间偏长，已要求科室限期改进。",
    Conclusion.NOT_KEPT: "患者满意度明显偏低，服务态度问题反映较多，已约谈科室负责人并列入整改台账。",
}


def _office():
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    return users.filter(roles__role=Role.OFFICE).first() or users.filter(roles__role=Role.SYSTEM_ADMIN).first()


def _conclusion(rate: Decimal | None) -> str:
    if rate is None or rate >= Decimal("0.90"):
        return Conclusion.KEPT
    if rate >= Decimal("0.80"):
        return Conclusion.MOSTLY
    return Conclusion.NOT_KEPT


def load_demo_commitments(*, today: date | None = None) -> dict[str, int]:
    """Load the demo's commitments (see the module docstring); returns what was added."""
    today = today or hospital_today()
    office = _office()
    if office is None:
        return {"commitments": 0, "published": 0}
    clinical = list(Department.objects.filter(is_active=True, category=DepartmentCategory.CLINICAL).order_by("path"))
    added = 0
    for department in clinical:
        added += services.commitments_apply(by=office, department=department, year=today.year)["created"]

    stored = PublicSettings.objects.filter(pk=1).first()
    if stored is None or stored.updated_at is None:
        services.public_settings_update(
            by=office,
            enabled=True,
            show_staff_no=False,
            note=DEMO_NOTE,
            expected_version=stored.version if stored else 1,
        )

    quarter = reviews.last_finished_quarter(today)
    published = 0
    if not CommitmentReview.objects.filter(period_key=quarter.key).exists():
        reviews.reviews_generate(by=office, period_key=quarter.key, today=today)
        ids = {d.pk for d in clinical}
        for review in CommitmentReview.objects.filter(period_key=quarter.key, department_id__in=ids).select_related(
            "department"
        ):
            conclusion = _conclusion(review.patient_rate)
            review = reviews.review_update(
                by=office,
                review=review,
                expected_version=review.version,
                conclusion=conclusion,
                reason=REASONS.get(conclusion, ""),
            )
            reviews.review_publish(by=office, review=review, expected_version=review.version, today=today)
            published += 1
    return {"commitments": added, "published": published}
