from django.urls import path
from rest_framework.routers import SimpleRouter

from appeals.api.appeals import AppealViewSet
from appeals.api.sor import StatementOfReasonsView
from appeals.api.suspensions import SuspensionViewSet

router = SimpleRouter()
router.register("suspensions", SuspensionViewSet, basename="suspension")
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = [
    path("suspensions/<int:pk>/sor/", StatementOfReasonsView.as_view(), name="suspension-sor"),
    *router.urls,
]
