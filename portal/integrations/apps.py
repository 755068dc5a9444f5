from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "portal.integrations"
    label = "integrations"
    verbose_name = "Platform integrations"

    def ready(self) -> None:
        from portal.integrations import schema  # noqa: F401  (registers the OpenAPI descriptions of our auth)
