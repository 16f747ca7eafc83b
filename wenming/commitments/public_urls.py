"""The public department pages (``/p/<department code>/``), no login."""

from django.urls import path

from .views import public

app_name = "commitments_public"

urlpatterns = [
    path("<str:code>/", public.department_page, name="department"),
]
