"""The public page behind a QR code: ``/r/<code>/``, and kiosk mode (included from config/urls.py)."""

from django.urls import path

from .views import kiosks, public

app_name = "rate"

urlpatterns = [
    path("kiosk/exit/", kiosks.kiosk_exit, name="kiosk_exit"),
    path("kiosk/<str:token>/", kiosks.kiosk_start, name="kiosk_start"),
    path("<str:code>/", public.rate, name="rate"),
]
