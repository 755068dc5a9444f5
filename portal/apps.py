from django.apps import AppConfig
from django.core import checks


class PortalConfig(AppConfig):
    """The project itself, as an app only so that its deployment checks are registered."""

    name = "portal"
    verbose_name = "Recourse"

    def ready(self) -> None:
        from portal.checks import shared_cache_check, static_manifest_check

        checks.register(shared_cache_check, checks.Tags.caches, deploy=True)
        checks.register(static_manifest_check, checks.Tags.staticfiles, deploy=True)
