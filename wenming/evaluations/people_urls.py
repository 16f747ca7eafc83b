"""Each person's pages under ``/people/``: the 医德档案 and its 登记表 (namespace ``people``)."""

from django.urls import path

from .views import archive as views_archive

app_name = "people"

urlpatterns = [
    path("me/ethics/", views_archive.my_ethics, name="my_ethics"),
    path("<str:staff_no>/ethics/", views_archive.ethics_file_page, name="ethics"),
    path("<str:staff_no>/ethics/<int:year>/form.docx", views_archive.registration_docx_download, name="ethics_docx"),
    path("<str:staff_no>/ethics/<int:year>/form.pdf", views_archive.registration_pdf_download, name="ethics_pdf"),
]
