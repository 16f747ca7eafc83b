"""Feedback from before channels: rows without a rating code were imported or loaded, not scanned."""

from django.db import migrations


def mark(apps, schema_editor):
    Feedback = apps.get_model("feedback", "Feedback")
    Feedback.objects.filter(rating_code__isnull=True).update(channel="import")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_feedback_questionnaire_version")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
