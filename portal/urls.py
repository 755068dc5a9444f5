from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Recourse administration"
admin.site.site_title = "Recourse"
admin.site.site_url = "/appeal/"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="appeal:start", permanent=False)),
    path("appeal/", include("appeals.appellant.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
