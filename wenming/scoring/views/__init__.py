"""Scoring pages, one module per area: ``periods`` (overview, compute, finalize), ``records`` (a
period's records, entering findings, bonuses and vetoes, approval, voiding, evidence), ``manual``
(the manual score grid), ``corrections`` (更正 of finalized periods), ``results`` (ranking,
scorecard, a head's own results), ``publishing`` (pay linkage, bulletin). Reads come from
``wenming.scoring.selectors``, writes go through ``wenming.scoring.services``."""
