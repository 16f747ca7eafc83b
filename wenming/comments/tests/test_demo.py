from datetime import date

from wenming.comments.demo import load_demo_comments
from wenming.feedback.models import Feedback
from wenming.org.tests.factories import DepartmentFactory


def test_demo_comments_are_written_once(db):
    DepartmentFactory(code="D01", name="心血管内科", category="clinical")
    DepartmentFactory(code="D40", name="办公室", category="admin")
    today = date(2026, 11, 20)
    added = load_demo_comments(today=today)
    rows = Feedback.objects.filter(external_id__startswith="demo-comments-2026-11-D01-")
    assert added == rows.count() > 0
    assert not Feedback.objects.filter(department__code="D40").exists()
    assert all(date(2026, 11, 1) <= f.local_date < today and f.is_valid and f.comment for f in rows)
    assert load_demo_comments(today=today) == 0
    assert load_demo_comments(today=date(2026, 12, 1)) == 0  # the 1st: no day before today this month
