"""``manage.py qr_links``: every active rating code as CSV ``kind,code,url`` (url absolute, from
WENMING_BASE_URL), for printing elsewhere or loading into a kiosk."""

import csv

from django.core.management.base import BaseCommand

from wenming.feedback.selectors import active_codes, public_url


class Command(BaseCommand):
    help = "Print every active rating code as CSV: kind,code,url."

    def handle(self, *args, **options):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["kind", "code", "url"])
        for kind, code in active_codes().values_list("kind", "code").iterator():
            writer.writerow([kind, code, public_url(code)])
