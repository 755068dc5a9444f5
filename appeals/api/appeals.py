from rest_framework import serializers, viewsets

from appeals.models import Appeal
from portal.integrations.models import Scope


class AppealSerializer(serializers.ModelSerializer[Appeal]):
    class Meta:
        model = Appeal
        fields = ["id", "reference", "status"]


class AppealViewSet(viewsets.ReadOnlyModelViewSet[Appeal]):
    queryset = Appeal.objects.order_by("id")
    serializer_class = AppealSerializer
    read_scope = Scope.APPEALS_READ
