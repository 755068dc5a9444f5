from django.contrib import admin
from django.urls import path

admin.site.site_header = "Recourse administration"
admin.site.site_title = "Recourse"
admin.site.site_url = None  # no public pages to link to from admin yet

urlpatterns = [
    path("admin/", admin.site.urls),
]
