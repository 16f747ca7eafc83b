"""The civility office imports a staff list from a Chinese-Excel CSV through the page, and sees a bad file refused."""

import pytest

from wenming.core.models import AuditEntry
from wenming.org.models import Staff

from .conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chinese headers in a shuffled order, saved as GB18030 the way Chinese Excel saves "CSV (逗号分隔)".
# Everyone already in the scenario is listed (a staff file is the complete list), plus two new nurses.
STAFF_CSV = """姓名,工号,手机,科室编码,党员,职称,岗位
文明办,E9001,13800138000,D09,否,,
周涛,E0101,13800138000,D01,是,主任医师,科主任
吴敏,E0201,13800138000,D02,否,主任医师,科主任
郑爽,E0102,13800138000,D0101,否,护师,护士
王院长,E9002,13800138000,D09,是,,院长
督查员,E9003,13800138000,D09,否,,督查员
李晓燕,E0103,13912345678,D0101,是,主管护师,护士长
陈静,E0104,,D0101,否,护士,护士
""".encode("gb18030")

BAD_CSV = """工号,姓名,科室编码,手机
E0105,王芳,D0101,139
,赵磊,D0101,
E0107,孙丽,D99,
""".encode("gb18030")


def upload_staff(page, tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    page.goto(f"{page.base_url}/org/import/")
    page.set_input_files("input[name=staff]", str(path))
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_office_imports_a_staff_file_through_the_page(page, scenario, tmp_path):
    log_in(page, "office")
    upload_staff(page, tmp_path, "职工名单.csv", STAFF_CSV)
    assert page.get_by_test_id("count-staff-created").inner_text() == "2"
    assert "李晓燕" in page.get_by_test_id("preview-staff-create").inner_text()
    shot(page, "import-preview")
    assert not Staff.objects.filter(staff_no="E0103").exists()  # nothing written before confirming

    page.get_by_test_id("import-confirm").click()
    page.get_by_test_id("import-summary").wait_for()
    shot(page, "import-done")
    new_nurse = Staff.objects.get(staff_no="E0103")
    assert (new_nurse.name, new_nurse.department.code, new_nurse.is_party_member) == ("李晓燕", "D0101", True)
    assert Staff.objects.filter(status="active").count() == 8
    assert AuditEntry.objects.filter(action="org.import.completed").exists()

    page.goto(f"{page.base_url}/org/staff/?q=lxy")
    assert "李晓燕" in page.locator("main").inner_text()


def test_a_bad_file_is_refused_whole_with_its_line_numbers(page, scenario, tmp_path):
    log_in(page, "office")
    upload_staff(page, tmp_path, "bad.csv", BAD_CSV)
    errors = page.get_by_test_id("import-errors").inner_text()
    shot(page, "import-refused")
    assert "第 2 行" in errors  # the mobile number
    assert "第 3 行" in errors  # the missing staff number
    assert "第 4 行" in errors  # the unknown department
    assert page.get_by_test_id("import-invalid").is_visible()
    assert not Staff.objects.filter(staff_no__in=["E0105", "E0107"]).exists()
