from django.apps import AppConfig
from django.urls import register_converter

from appeals.converters import AppealReferenceConverter, HandleKeyConverter


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = "Suspensions and appeals"

    def ready(self) -> None:
        register_converter(AppealReferenceConverter, "reference")
        register_converter(HandleKeyConverter, "handle_key")
