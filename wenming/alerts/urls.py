from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/<slug:kind>/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
