"""Answering cleanly while the database cannot be reached (a restart, a failover, a full connection table): a 503
with Retry-After that a browser, the platform's client or a load balancer understands, and one line in the log,
instead of a 500 with a traceback for every request of the outage."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
# Long enough for a restart to finish, short enough that nobody gives up on the page.
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        first_line = (str(exception).strip().splitlines() or [type(exception).__name__])[0]
        logger.warning("Database unavailable, answered 503 to %s %s: %s", request.method, request.path, first_line)
        return unavailable_response(request)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The API's JSON error shape under /api/, a plain page elsewhere. The page is rendered without the request:
    the site's header reads the session, which lives in the database."""
    detail = _("The service is briefly unavailable. Please try again in a minute.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"detail": detail, "code": "unavailable", "retry_after_seconds": RETRY_AFTER_SECONDS}
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(render_to_string("unavailable.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
