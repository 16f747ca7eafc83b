"""Rectification pages, one module per area: ``ledger`` (the ledger with its filters and the XLSX
export), ``items`` (opening an item, one item with its actions, evidence files), ``board`` (the
public 挂牌 board), ``rule`` (the overdue deduction rule). Reads come from
``wenming.rectification.selectors``, every write is one call into ``wenming.rectification.services``.

Who: the ledger, the items' pages and the export are for the whole-hospital roles (文明办,
领导小组, 督查员, system administrators) and department heads (their own departments; another
department's item or file is 404); everyone else gets 403. The board is for anyone logged in. The
rule is the office's (403 for everyone else)."""
