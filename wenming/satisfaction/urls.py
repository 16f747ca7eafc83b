"""Satisfaction (``/satisfaction/``): the dashboard, a department's page, the public board and its settings."""

from django.urls import path

from . import views

app_name = "satisfaction"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("public/", views.public, name="public"),
    path("public/settings/", views.public_settings, name="public_settings"),
    path("<str:code>/", views.department, name="department"),
]
