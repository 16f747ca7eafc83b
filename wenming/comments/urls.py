from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("", views.analysis, name="analysis"),
    path("list/", views.comment_list, name="list"),
    path("lexicon/", views.lexicon, name="lexicon"),
    path("lexicon/<int:pk>/", views.lexicon_edit, name="lexicon_edit"),
    path("lexicon/<int:pk>/active/", views.lexicon_active, name="lexicon_active"),
]
