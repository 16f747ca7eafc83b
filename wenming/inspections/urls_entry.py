from django.urls import path

from .views import entry, plans

# The entry side: the schedule, plans, and recording a round on a phone. (Reading rounds, their
# photos and appeals are in urls_review.)
urlpatterns = [
    path("", entry.schedule, name="home"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_new"),
    path("plans/codes/", plans.plan_codes, name="plan_codes"),
    path("plans/<int:pk>/", plans.plan_edit, name="plan_edit"),
    path("rounds/new/", entry.round_new, name="round_new"),
    path("rounds/<int:pk>/done/", entry.round_done, name="round_done"),
]
