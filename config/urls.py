from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("", include("wenming.core.urls")),
    path("accounts/", include("wenming.accounts.urls")),
    path("org/", include("wenming.org.urls")),
    path("standards/", include("wenming.standards.urls")),
    path("scoring/", include("wenming.scoring.urls")),
    # The monthly supervision report reads inspections and the ledger; it lives in its own app.
    path("inspections/report/", include("wenming.supervision.urls")),
    path("inspections/", include("wenming.inspections.urls")),
    path("rectification/", include("wenming.rectification.urls")),
    path("feedback/", include("wenming.feedback.urls")),
    path("r/", include("wenming.feedback.public_urls")),
    path("questionnaires/", include("wenming.questionnaires.urls")),
    path("complaints/", include("wenming.complaints.urls")),
    path("followups/", include("wenming.followups.urls")),
    path("alerts/", include("wenming.alerts.urls")),
    path("comments/", include("wenming.comments.urls")),
    path("satisfaction/", include("wenming.satisfaction.urls")),
    path("evaluations/rounds/", include("wenming.rounds.urls")),
    path("evaluations/commitments/", include("wenming.commitments.urls")),
    path("evaluations/", include("wenming.evaluations.urls")),
    path("people/", include("wenming.evaluations.people_urls")),
    path("p/", include("wenming.commitments.public_urls")),
    path("notifications/", include("wenming.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
