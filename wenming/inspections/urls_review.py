from django.urls import path

from .views import appeals, review

# Reading rounds, their photos and appeals (views/review.py, views/appeals.py).
urlpatterns: list = [
    path("rounds/", review.round_list, name="round_list"),
    path("rounds/<int:pk>/", review.round_detail_view, name="round_detail"),
    path("photos/<int:pk>/", review.photo, name="photo"),
    path("photos/<int:pk>/thumb/", review.photo_thumb, name="photo_thumb"),
    path("findings/<int:pk>/appeal/", appeals.appeal_new, name="appeal_new"),
    path("appeals/", appeals.appeal_list, name="appeals"),
    path("appeals/<int:pk>/decide/", appeals.appeal_decide, name="appeal_decide"),
    path("appeals/<int:pk>/evidence/", appeals.appeal_evidence, name="appeal_evidence"),
]
