from django.urls import path

from . import views

app_name = "standards"

urlpatterns: list = [
    path("", views.standard_list, name="list"),
    path("upload/", views.standard_upload, name="upload"),
    path("upload/<str:token>/", views.standard_upload_preview, name="upload_preview"),
    path("upload/<str:token>/confirm/", views.standard_upload_confirm, name="upload_confirm"),
    path("<str:code>/", views.standard_detail, name="detail"),
    path("<str:code>/diff/", views.standard_diff_view, name="diff"),
    path("<str:code>/edit/", views.standard_edit_view, name="edit"),
    path("<str:code>/v<int:number>.yaml", views.standard_export, name="export"),
]
