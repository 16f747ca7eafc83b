"""The three rules a hospital starts with: a rating of 2 or lower, satisfaction below 95% for two
weeks running (at least 10 valid feedback a week), and comments mentioning 红包、态度、收费、推诿、索要."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = (
    {"kind": "low_rating", "name": "差评预警（2星及以下）", "threshold": 2},
    {
        "kind": "below_target",
        "name": "满意率连续两周低于95%",
        "target": Decimal("0.950"),
        "weeks": 2,
        "min_sample": 10,
    },
    {"kind": "keyword", "name": "敏感词预警", "keywords": ["红包", "态度", "收费", "推诿", "索要"]},
)


def seed(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for values in DEFAULT_RULES:
        if not AlertRule.objects.filter(kind=values["kind"]).exists():
            AlertRule.objects.create(active=True, **values)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
