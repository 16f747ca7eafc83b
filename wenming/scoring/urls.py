from django.urls import path

from .views import periods, records, results

app_name = "scoring"

# Each area owns its block; <code> is a standard code, <key> a period key (2026-10, 2026-Q4, 2026).
periods_urls: list = [
    # views/periods.py
]
records_urls: list = [
    # views/records.py
]
results_urls: list = [
    # views/results.py
]

urlpatterns = [*periods_urls, *records_urls, *results_urls]
