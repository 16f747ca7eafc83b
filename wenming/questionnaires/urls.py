from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("", views.questionnaire_list, name="list"),
    path("new/", views.questionnaire_create, name="create"),
    path("dimensions/", views.dimensions, name="dimensions"),
    path("<int:pk>/", views.questionnaire_detail, name="detail"),
    path("<int:pk>/settings/", views.questionnaire_update, name="update"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_pk>/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_pk>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/questions/<int:question_pk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/publish/", views.version_publish, name="publish"),
    path("<int:pk>/draft/", views.draft_start, name="draft"),
    path("<int:pk>/use/", views.questionnaire_use, name="use"),
    path("<int:pk>/retire/", views.questionnaire_retire, name="retire"),
    path("<int:pk>/results/", views.results, name="results"),
]
