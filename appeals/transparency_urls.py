from django.urls import path

from appeals import transparency_views

app_name = "transparency"

urlpatterns = [
    path("", transparency_views.public_transparency, name="latest"),
    path("<int:year>-h<int:half>/", transparency_views.public_transparency, name="period"),
]
