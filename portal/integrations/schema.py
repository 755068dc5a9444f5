"""How the OpenAPI schema describes our two ways in (drf-spectacular extensions, registered on import)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "portal.integrations.api_access.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration's API key, `rk_<prefix>_<secret>`, issued in admin. Scopes: "
            "`suspensions:write`, `appeals:read`, `webhooks:manage`.",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "portal.integrations.api_access.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A reviewer signed in to the dashboard (password and TOTP) may read; never write.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error the API returns.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "A stable word for programs: invalid, not_authenticated, ..."},
        "errors": {
            "type": "object",
            "description": "Only for invalid fields: each field's name and its reasons.",
            "additionalProperties": {},
        },
        "retry_after_seconds": {
            "type": "integer",
            "description": "Only when throttled or briefly unavailable: the same seconds as Retry-After.",
        },
    },
    "required": ["detail", "code"],
}
ERROR_RESPONSES = {
    "400": "The body or a query parameter is invalid; `errors` names each field and why.",
    "401": "No API key, or one that is not valid or was revoked.",
    "403": "The key lacks the scope this needs (named in `detail`), or a staff session tried to write.",
    "404": "No such object, or none this caller may see.",
    "413": "The body is larger than the server accepts; send smaller batches.",
    "415": "The body is not JSON.",
    "429": "Too many requests from this key; wait for the seconds in the Retry-After header.",
    "503": "The database is briefly unavailable (a restart, a failover); try again after the Retry-After seconds.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: every operation documents the errors it can give, in their one
    shape, so clients (and schemathesis) know what to expect."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            codes = ["401", "403", "429", "503"]
            if "{" in path:
                codes.append("404")
            if "requestBody" in operation or operation.get("parameters"):
                codes.append("400")
            if "requestBody" in operation:
                codes += ["413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _error_response(code))
    return result


def _error_response(code: str) -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    response: dict[str, Any] = {
        "description": ERROR_RESPONSES[code],
        "content": {"application/json": {"schema": error}},
    }
    if code in ("429", "503"):
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    return response
