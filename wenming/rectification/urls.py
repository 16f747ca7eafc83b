from django.urls import path

from .views import board, items, ledger, rule

app_name = "rectification"

urlpatterns = [
    # views/ledger.py
    path("", ledger.ledger_page, name="ledger"),
    path("export.xlsx", ledger.ledger_export, name="export"),
    # views/items.py
    path("new/", items.item_new, name="item_new"),
    path("new/staff/", items.staff_options, name="staff_options"),
    path("<int:pk>/", items.item_detail, name="item_detail"),
    path("<int:pk>/start/", items.item_start, name="item_start"),
    path("<int:pk>/submit/", items.item_submit, name="item_submit"),
    path("<int:pk>/verify/", items.item_verify, name="item_verify"),
    path("<int:pk>/extension/", items.extension_request, name="extension_request"),
    path("<int:pk>/extension/decide/", items.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", items.evidence_file, name="evidence"),
    # views/board.py
    path("board/", board.board, name="board"),
    # views/rule.py
    path("rule/", rule.rule, name="rule"),
    path("rule/codes/", rule.rule_codes, name="rule_codes"),
]
