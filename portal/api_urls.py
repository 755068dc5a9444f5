"""/api/: version 1 of the platform's API, its OpenAPI schema and the pages that document it."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from portal.integrations.api_errors import api_not_found

urlpatterns = [
    path("v1/", include("appeals.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^", api_not_found),
]
