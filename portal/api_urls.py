"""/api/: version 1 of the platform's API, its OpenAPI schema and the page that documents it."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.integrations.api_errors import api_not_found

urlpatterns = [
    path("v1/", include("appeals.api.urls")),
    path("v1/", include("portal.integrations.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    re_path(r"^", api_not_found),
]
