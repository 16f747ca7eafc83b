"""The civility office's feedback pages (``/feedback/``). The public page is in ``public_urls``."""

from django.urls import path

from .views import kiosks, office

app_name = "feedback"

urlpatterns = [
    path("", office.feedback_list, name="list"),
    path("review/", office.review_queue, name="review"),
    path("review/<int:pk>/clear/", office.review_clear, name="review_clear"),
    path("review/<int:pk>/reject/", office.review_reject, name="review_reject"),
    path("codes/", office.codes, name="codes"),
    path("codes/generate/", office.codes_generate, name="codes_generate"),
    path("codes/points/", office.point_add, name="point_add"),
    path("codes/<int:pk>/deactivate/", office.code_deactivate, name="code_deactivate"),
    path("codes/sheet/", office.codes_sheet, name="codes_sheet"),
    path("codes/sheet/pdf/", office.codes_sheet_pdf, name="codes_sheet_pdf"),
    path("kiosks/", kiosks.kiosk_list, name="kiosks"),
    path("kiosks/new/", kiosks.kiosk_add, name="kiosk_add"),
    path("kiosks/<int:pk>/deactivate/", kiosks.kiosk_deactivate, name="kiosk_deactivate"),
]
