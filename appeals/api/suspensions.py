from rest_framework import serializers, viewsets

from appeals.models import Suspension
from portal.integrations.models import Scope


class SuspensionSerializer(serializers.ModelSerializer[Suspension]):
    class Meta:
        model = Suspension
        fields = ["id", "puid", "handle"]


class SuspensionViewSet(viewsets.ReadOnlyModelViewSet[Suspension]):
    queryset = Suspension.objects.order_by("id")
    serializer_class = SuspensionSerializer
    read_scope = Scope.APPEALS_READ
    write_scope = Scope.SUSPENSIONS_WRITE
