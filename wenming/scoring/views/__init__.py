"""Scoring pages, one module per area: ``periods`` (overview, compute, finalize), ``records``
(entry grids, bonuses and vetoes, approval, evidence, corrections), ``results`` (ranking,
scorecard, pay linkage, bulletin)."""
