from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tests.factories import make_api_key

ApiClientFor = Callable[..., APIClient]


@pytest.fixture
def api_client(db) -> ApiClientFor:
    """`api_client("appeals:read")`: a client that sends a fresh key with those scopes, as the platform would."""

    def build(*scopes: str, integration: str = "Example platform") -> APIClient:
        key, plaintext = make_api_key(*scopes, integration=integration)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        client.key = key  # type: ignore[attr-defined]
        return client

    return build
