from django.urls import path

from portal.notifications.views import provider_events

app_name = "notifications"
urlpatterns = [
    path("events/<slug:provider>/", provider_events, name="provider_events"),
]
