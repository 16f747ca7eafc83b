"""The public page behind a QR code: ``/r/<code>/`` (included from config/urls.py)."""

from django.urls import path

from .views import public

app_name = "rate"

urlpatterns = [
    path("<str:code>/", public.rate, name="rate"),
]
