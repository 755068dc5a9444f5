"""The portal's URLs plus /bench/bare/, a view that returns a few bytes and touches nothing: what a request costs
this server before any page does its work. Only bench/status_page.py serves it (gunicorn `bare_urls:application`
with bench/ on the path); production's URLconf never includes it."""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver


def _application() -> WSGIHandler:
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    settings.ROOT_URLCONF = __name__  # before the first request resolves anything
    return get_wsgi_application()


application = _application()  # sets Django up: the portal's URLs below can be imported only after that


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _patterns() -> list[URLPattern | URLResolver]:
    from django.urls import include, path  # portal.urls imports models: only once Django is set up

    return [path("bench/bare/", bare), path("", include("portal.urls"))]


urlpatterns = _patterns()
