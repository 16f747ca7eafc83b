from django.urls import path
from django.views.generic import RedirectView

# TEMPORARY until the schedule page exists: the menu needs "inspections:home".
urlpatterns: list = [path("", RedirectView.as_view(url="/"), name="home")]
