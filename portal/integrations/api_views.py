"""/api/v1/webhooks/: an integration registers the URLs that receive its decision events, disables them, and sees
how their deliveries went. A key sees only its own integration's endpoints; staff may read them all."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from appeals.api.pagination import IdCursorPagination
from portal.integrations.api_access import api_actor
from portal.integrations.models import ApiKey, Scope, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import webhook_endpoint_register, webhook_endpoint_set_active


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    integration = serializers.CharField(source="integration.name", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "active", "integration", "created_at"]
        read_only_fields = ["id", "active", "created_at"]
        extra_kwargs = {"url": {"help_text": "Where events are POSTed: https://, and no redirects are followed."}}


class RegisteredWebhookEndpointSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Verifies the signature of every event. Shown only in this response: keep it."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        ]


class NewestFirstPagination(IdCursorPagination):
    ordering = "-id"


@extend_schema_view(
    list=extend_schema(
        summary="List webhook endpoints",
        description="The endpoints registered for your integration, active or disabled. The secret is never shown "
        "again after registration.",
    ),
    retrieve=extend_schema(summary="One webhook endpoint"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="Every decision on an appeal against one of your suspensions is POSTed to this URL as an "
        "`appeal.decided` event, signed with the secret in the response (shown this once).",
        responses={201: RegisteredWebhookEndpointSerializer},
    ),
    destroy=extend_schema(
        summary="Disable a webhook endpoint",
        description="Stops sending events to it; deliveries not yet sent are failed. Its history stays.",
        responses={204: None},
    ),
    deliveries=extend_schema(
        summary="Recent deliveries to one endpoint",
        description="Newest first, with the outcome of the latest attempt: for finding out why events do not arrive.",
        responses={200: WebhookDeliverySerializer(many=True)},
    ),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[WebhookEndpoint]
):
    serializer_class = WebhookEndpointSerializer
    pagination_class = IdCursorPagination
    read_scope = Scope.WEBHOOKS_MANAGE
    write_scope = Scope.WEBHOOKS_MANAGE

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        endpoints = WebhookEndpoint.objects.select_related("integration")
        if isinstance(self.request.auth, ApiKey):
            return endpoints.filter(integration_id=self.request.auth.integration_id)
        return endpoints  # a staff member reading

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_register(
            actor=api_actor(request), integration=_key(request).integration, url=serializer.validated_data["url"]
        )
        return Response(RegisteredWebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        webhook_endpoint_set_active(actor=api_actor(request), endpoint=self.get_object(), active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(
        detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer, pagination_class=NewestFirstPagination
    )
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        paginator = NewestFirstPagination()  # also named on the action, where the schema looks for it
        page = paginator.paginate_queryset(self.get_object().deliveries.all(), request, view=self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


def _key(request: Request) -> ApiKey:
    if not isinstance(request.auth, ApiKey):  # ScopedAccess lets only keys write; this keeps it so
        raise PermissionDenied("Only an integration's API key may change its webhooks.")
    return request.auth
