"""The default commitment templates: the hospital's six social commitments (社会承诺) and a few
service standards (服务标准) for 亮标准. Added once; the office edits them afterwards."""

from django.db import migrations

PLEDGES = [
    ("遵纪守法，持证上岗", "both"),
    ("行医唯德，病人至上", "both"),
    ("优质服务，文明用语", "both"),
    ("合理检查，合理用药，合理收费", "both"),
    ("不购进和使用过期或假冒伪劣药品", "departments"),
    ("不索取收受红包、各种回扣、物品或接受宴请", "both"),
]

STANDARDS = [
    "首问负责、首诊负责，急危重症患者优先救治",
    "服务项目、工作流程和收费标准公开，明码标价",
    "检查检验结果按承诺时限出具，危急值及时报告",
    "患者投诉有人受理，5个工作日内答复",
    "就诊环境整洁安静，尊重并保护患者隐私",
]


def seed(apps, schema_editor):
    Template = apps.get_model("commitments", "CommitmentTemplate")
    if Template.objects.exists():
        return
    rows = [
        Template(kind="pledge", text=text, applies_to=applies_to, sort_order=(i + 1) * 10)
        for i, (text, applies_to) in enumerate(PLEDGES)
    ]
    rows += [
        Template(kind="standard", text=text, applies_to="departments", sort_order=(i + 1) * 10)
        for i, text in enumerate(STANDARDS)
    ]
    Template.objects.bulk_create(rows)


def unseed(apps, schema_editor):
    Template = apps.get_model("commitments", "CommitmentTemplate")
    Template.objects.filter(text__in=[text for text, _a in PLEDGES] + STANDARDS, commitments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
