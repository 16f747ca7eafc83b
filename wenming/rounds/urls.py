from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/edit/", views.round_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.round_act, name="act"),
    path("<int:pk>/feed/", views.round_feed_page, name="feed"),
    path("<int:pk>/sealed/", views.sealed_export_page, name="sealed"),
    path("ballots/", views.ballot_list, name="ballots"),
    path("ballots/<int:pk>/", views.ballot_grid, name="ballot"),
    path("mine/", views.my_results_page, name="mine"),
]
