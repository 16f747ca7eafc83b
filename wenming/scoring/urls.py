from django.urls import path, re_path

from .views import corrections, manual, periods, publishing, records, results

app_name = "scoring"

# Each area owns its block; <code> is a standard code, <key> a period key (2026-10, 2026-Q4, 2026).
# A period key in a URL looks like one (2026-10, 2026-Q4, 2026), so that these patterns, listed first,
# never take another area's two-segment paths ("records/new/"); whether it fits the cycle is the view's 404.
# The fixed first segments below are never a standard's code: without that, record 2757's page
# ("records/2757/") would read as standard "records", year 2757.
_PERIOD = r"^(?P<code>(?!(?:records|runs|evidence|mine)/)[^/]+)/(?P<key>[0-9]{4}(?:-Q[0-9]|-[0-9]{2})?)/"
periods_urls: list = [
    # views/periods.py
    path("", periods.period_overview, name="periods"),
    path("runs/<int:pk>/", periods.run_progress, name="run_progress"),
    re_path(_PERIOD + r"$", periods.period_detail, name="period"),
    re_path(_PERIOD + r"compute/$", periods.period_compute_view, name="compute"),
    re_path(_PERIOD + r"finalize/$", periods.period_finalize_view, name="finalize"),
]
records_urls: list = [
    # views/records.py, views/manual.py (the manual score grid), views/corrections.py
    re_path(_PERIOD + r"records/$", records.records_list, name="records"),
    re_path(_PERIOD + r"records/new/$", records.record_new, name="record_new"),
    re_path(_PERIOD + r"records/staff/$", records.staff_options, name="records_staff_options"),
    re_path(_PERIOD + r"manual/$", manual.manual_grid, name="manual_grid"),
    re_path(_PERIOD + r"corrections/new/$", corrections.correction_new, name="correction_new"),
    path("records/<int:pk>/", records.record_detail, name="record_detail"),
    path("records/<int:pk>/approve/", records.record_approve, name="record_approve"),
    path("records/<int:pk>/void/", records.record_void, name="record_void"),
    path("records/<int:pk>/evidence/", records.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", records.evidence_file, name="evidence"),
]
results_urls: list = [
    # views/results.py: ranking, scorecard, a head's own results
    path("mine/", results.mine, name="mine"),
    re_path(_PERIOD + r"ranking/$", results.ranking, name="ranking"),
    re_path(_PERIOD + r"ranking/xlsx/$", results.ranking_xlsx, name="ranking_xlsx"),
    re_path(_PERIOD + r"s/(?P<subject_code>[^/]+)/$", results.scorecard, name="scorecard"),
]
publishing_urls: list = [
    # views/publishing.py: pay linkage rule and sheet, the bulletin
    path("<str:code>/pay-rule/", publishing.pay_rule, name="pay_rule"),
    re_path(_PERIOD + r"pay/$", publishing.pay_page, name="pay_page"),
    re_path(_PERIOD + r"pay\.xlsx$", publishing.pay_xlsx, name="pay"),
    re_path(_PERIOD + r"bulletin/$", publishing.bulletin_page, name="bulletin_page"),
    re_path(_PERIOD + r"bulletin\.docx$", publishing.bulletin_download, name="bulletin"),
]

urlpatterns = [*periods_urls, *records_urls, *results_urls, *publishing_urls]
