from django.urls import path
from django.views.generic import RedirectView

app_name = "rectification"

# TEMPORARY until the ledger page exists: the menu needs "rectification:ledger".
urlpatterns: list = [path("", RedirectView.as_view(url="/"), name="ledger")]
