"""Reads behind the result pages: a period's ranking, one subject's scorecard (every record that
moved its points, and the rule's arithmetic) and a department head's own results.

A package of its own (not ``selectors.py``, the interchange export) so no module grows past ~600
lines. Every read is a fixed number of queries whatever the number of subjects, periods, records or
feedback: totals over the last periods come from one query, feedback is counted by rating in the
database and never listed. Access is the caller's business (see ``views/results.py``); these
functions only read.
"""

from .common import TREND_PERIODS, find_period, flag_labels, optional_url, sparkline, trend_periods
from .own import my_results
from .ranking import period_ranking, ranking_xlsx_rows
from .scorecard import person_name, stored_result, subject_scorecard

__all__ = [
    "TREND_PERIODS",
    "find_period",
    "flag_labels",
    "my_results",
    "optional_url",
    "period_ranking",
    "person_name",
    "ranking_xlsx_rows",
    "sparkline",
    "stored_result",
    "subject_scorecard",
    "trend_periods",
]
