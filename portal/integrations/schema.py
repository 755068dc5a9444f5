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
