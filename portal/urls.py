from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from portal.health import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="appeal:start", permanent=False)),
    path("appeal/", include("appeals.appellant.urls")),
    path("transparency/", include("appeals.transparency_urls")),
    path("review/", include("accounts.staff_urls")),
    path("review/", include("appeals.dashboard.urls")),
    path("api/", include("portal.api_urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
