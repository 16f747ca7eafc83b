from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.case_list_page, name="list"),
    path("export/", views.case_export, name="export"),
    path("new/", views.case_new, name="new"),
    path("staff-options/", views.staff_options, name="staff_options"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.case_act, name="act"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
