from django.urls import path, re_path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^(?P<key>[0-9]{4}-[0-9]{2})/$", views.month, name="month"),
    re_path(r"^(?P<key>[0-9]{4}-[0-9]{2})/xlsx/$", views.month_xlsx, name="xlsx"),
]
