from django.urls import include, path

app_name = "inspections"

# Two areas: plans, the schedule and entering a round on a phone (urls_entry), and reading rounds,
# their photos and appeals (urls_review).
urlpatterns = [
    path("", include("wenming.inspections.urls_entry")),
    path("", include("wenming.inspections.urls_review")),
]
