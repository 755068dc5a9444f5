"""Every API error is JSON of one shape: {"detail": what went wrong, "code": a stable word, "errors": {field:
[reasons]} when particular fields are at fault}. Bodies above API_MAX_BODY_BYTES are refused before parsing."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class SizeLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        length = _content_length(request.META if request is not None else {})
        if length > settings.API_MAX_BODY_BYTES:
            raise RequestTooLarge(
                f"The body is {length} bytes; at most {settings.API_MAX_BODY_BYTES} are accepted. "
                "Send the statements in smaller batches."
            )
        return super().parse(stream, media_type, parser_context)


def _content_length(meta: Any) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, Http404):  # get_object_or_404 in generic views; DRF converts it, but after we read its code
        exc = exceptions.NotFound(*exc.args)
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = _shape(exc, response.data)
    return response


def _django_errors(error: DjangoValidationError) -> Any:
    return error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}


def _shape(exc: Exception, data: Any) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        return {"detail": "The request has invalid fields.", "code": "invalid", "errors": errors}
    detail = data.get("detail", "") if isinstance(data, dict) else str(data)
    code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
    shaped: dict[str, Any] = {"detail": str(detail), "code": code}
    wait = getattr(exc, "wait", None)
    if wait is not None:
        shaped["retry_after_seconds"] = int(wait + 0.999)
    return shaped


@csrf_exempt  # else a POST to a wrong path meets Django's CSRF check first, and its HTML 403
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/ that names no endpoint: JSON too, not the site's HTML page."""
    return JsonResponse({"detail": "There is no such endpoint.", "code": "not_found"}, status=404)
