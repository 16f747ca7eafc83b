from django.urls import path

from .views import departments, reviews, setup

app_name = "commitments"

urlpatterns = [
    path("", departments.home, name="home"),
    path("mine/", departments.mine, name="mine"),
    path("d/<str:code>/", departments.department, name="department"),
    path("d/<str:code>/apply/", departments.apply, name="apply"),
    path("d/<str:code>/add/", departments.add, name="add"),
    path("d/<str:code>/signs/", departments.signs, name="signs"),
    path("c/<int:pk>/edit/", departments.edit, name="edit"),
    path("c/<int:pk>/remove/", departments.remove, name="remove"),
    path("templates/", setup.templates, name="templates"),
    path("templates/new/", setup.template_new, name="template_new"),
    path("templates/<int:pk>/", setup.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", setup.template_delete, name="template_delete"),
    path("public/", setup.public_setup, name="public_setup"),
    path("public/<str:code>/", setup.page_switch, name="page_switch"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/generate/", reviews.review_generate, name="review_generate"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review"),
]
