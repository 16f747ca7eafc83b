"""Reads of scoring, one module per area (import from the module that names what you read):

- ``exports``: a period's stored results in the export shape (``export_scores``, spreadsheets);
- ``periods``: the periods overview and one period's dashboard (grades, flags, record counts);
- ``records``: a period's records and corrections, one record, the manual score grid's data;
- ``ranking``: a period's ranking with trends and sparklines, and its spreadsheet rows;
- ``scorecard``: one subject's scorecard (every item, the rule's arithmetic, the records);
- ``own``: a department head's own results;
- ``publishing``: the pay linkage sheet and the bulletin's data of a period;
- ``common``: what the result reads share (finding a period, trends, flag labels, sparklines).

Every read runs a fixed number of queries whatever the size of the hospital (pinned in the tests).
Access is the caller's: the reads that take ``access`` or ``user`` return only what that person may
see, and the views turn "not found" into 404.
"""

from .exports import export_rows, period_export, stored_period

__all__ = ["export_rows", "period_export", "stored_period"]
