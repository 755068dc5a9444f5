from django.contrib import admin
from django.urls import path

admin.site.site_header = "Recourse administration"
admin.site.site_title = "Recourse"

urlpatterns = [
    path("admin/", admin.site.urls),
]
