"""The scoring addresses do not shadow one another."""

from django.urls import resolve


def test_a_four_digit_record_id_is_a_record_not_a_year():
    # Record ids reach four digits soon; "records/2757/" once resolved to standard "records", year 2757.
    assert resolve("/scoring/records/2757/").url_name == "record_detail"
    assert resolve("/scoring/runs/2026/").url_name == "run_progress"
    assert resolve("/scoring/evidence/2026/").url_name == "evidence"
    assert resolve("/scoring/WMKS-M-2026/2026/").url_name == "period"
    assert resolve("/scoring/WMKS-M-2026/2026-10/records/").url_name == "records"
