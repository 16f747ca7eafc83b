"""The common dimensions (挂号就诊、候诊时间、医生沟通 …), so a new hospital's builder has them."""

from django.db import migrations

from wenming.questionnaires.templates_data import DIMENSIONS


def seed(apps, schema_editor):
    Dimension = apps.get_model("questionnaires", "Dimension")
    for order, (code, name, weight) in enumerate(DIMENSIONS, start=1):
        if not Dimension.objects.filter(code=code).exists() and not Dimension.objects.filter(name=name).exists():
            Dimension.objects.create(code=code, name=name, weight=weight, order=order * 10)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
