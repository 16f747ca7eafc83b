from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/script/", views.batch_script, name="batch_script"),
    path("batches/<int:pk>/sample/", views.batch_sample, name="batch_sample"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="progress"),
]
