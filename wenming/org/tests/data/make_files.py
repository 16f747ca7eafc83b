"""Regenerates the import test files in this folder: ``python wenming/org/tests/data/make_files.py``.

A small hospital matching conftest's standing scenario (D01, D0101, D02, D09 and its six staff)
plus a new department (D06 放射科) and a new staff member (E0601), written three ways: a UTF-8 CSV
with BOM and an extra column, a GB18030 CSV (as Chinese Excel saves it), and an .xlsx workbook with
English headers. Headers are in a shuffled order on purpose.
"""

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

DEPARTMENTS_HEADER = ["类别", "科室名称", "科室编码", "上级编码", "备注"]
DEPARTMENTS = [
    ["临床", "心血管内科", "D01", "", ""],
    ["临床", "心内一病区", "D0101", "D01", ""],
    ["临床", "骨科", "D02", "", ""],
    ["行政后勤", "院办公室", "D09", "", ""],
    ["医技", "放射科", "D06", "", "新设"],
]
STAFF_HEADER = ["姓名", "工号", "科室编码", "职称", "岗位", "党员", "手机"]
STAFF = [
    ["文明办", "E9001", "D09", "", "", "否", "13800138000"],
    ["周涛", "E0101", "D01", "主任医师", "科主任", "是", "13800138000"],
    ["吴敏", "E0201", "D02", "主任医师", "科主任", "否", "13800138000"],
    ["郑爽", "E0102", "D0101", "主管护师", "", "否", "13800138000"],
    ["王院长", "E9002", "D09", "", "院长", "是", "13800138000"],
    ["督查员", "E9003", "D09", "", "", "否", "13800138000"],
    ["李雷", "E0601", "D06", "技师", "", "否", "139 0013 9001"],
]
STAFF_XLSX_HEADER = ["department", "name", "staff_no", "phone", "party_member", "title", "post"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\r\n".join(",".join(cells) for cells in [header, *rows]) + "\r\n"


def main() -> None:
    (HERE / "departments_utf8_bom.csv").write_bytes(
        b"\xef\xbb\xbf" + csv_text(DEPARTMENTS_HEADER, DEPARTMENTS).encode("utf-8")
    )
    (HERE / "staff_gb18030.csv").write_bytes(csv_text(STAFF_HEADER, STAFF).encode("gb18030"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "职工"
    sheet.append(STAFF_XLSX_HEADER)
    for name, staff_no, department, title, post, party, phone in STAFF:
        mobile = int(phone) if phone.isdigit() else phone  # Excel keeps most mobiles as numbers
        sheet.append([department, name, staff_no, mobile, party, title, post])
    workbook.save(HERE / "staff.xlsx")


if __name__ == "__main__":
    main()
