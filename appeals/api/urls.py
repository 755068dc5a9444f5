from rest_framework.routers import SimpleRouter

from appeals.api.appeals import AppealViewSet
from appeals.api.suspensions import SuspensionViewSet

router = SimpleRouter()
router.register("suspensions", SuspensionViewSet, basename="suspension")
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = router.urls
