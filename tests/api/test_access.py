"""Who gets in to /api/v1/, and how every refusal looks: JSON naming what is wrong, never HTML, never a 500."""

import pytest
from rest_framework.test import APIClient

from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.integrations.models import ApiKey
from portal.integrations.services import api_key_revoke
from tests.conftest import staff_client

APPEALS = "/api/v1/appeals/"


@pytest.mark.django_db
def test_no_key_is_401_with_the_scheme_to_use():
    response = APIClient().get(APPEALS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "rk_abc_def", "rk_000000000000_wrong-secret", "rk_\x00_x"])
def test_a_key_that_is_not_ours_is_401(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(APPEALS)
    assert response.status_code == 401
    assert response.json() == {"detail": "This API key is not valid.", "code": "invalid_key"}


def test_a_right_prefix_with_a_wrong_secret_is_401(api_client):
    client = api_client("appeals:read")
    prefix = client.key.prefix
    client.credentials(HTTP_AUTHORIZATION=f"Bearer rk_{prefix}_not-the-secret")
    assert client.get(APPEALS).status_code == 401


def test_a_revoked_key_is_refused(api_client):
    client = api_client("appeals:read")
    assert client.get(APPEALS).status_code == 200
    api_key_revoke(actor=Actor.system("tests"), key=client.key)
    response = client.get(APPEALS)
    assert response.status_code == 401
    assert response.json()["code"] == "revoked_key"


def test_a_key_without_the_scope_is_403_naming_the_scope(api_client):
    response = api_client("suspensions:write").get(APPEALS)
    assert response.status_code == 403
    assert response.json() == {"detail": "This API key lacks the appeals:read scope.", "code": "permission_denied"}


def test_the_key_records_when_it_was_last_used(api_client):
    client = api_client("appeals:read")
    assert ApiKey.objects.get(pk=client.key.pk).last_used_at is None
    client.get(APPEALS)
    assert ApiKey.objects.get(pk=client.key.pk).last_used_at is not None


def test_only_a_hash_of_the_key_is_stored(api_client):
    client = api_client("appeals:read")
    plaintext = client._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    key = ApiKey.objects.get(pk=client.key.pk)
    assert plaintext not in (key.key_hash, key.prefix)
    assert len(key.key_hash) == 64
    assert AuditEvent.objects.filter(action="api_key.issued", target_id=str(key.pk)).exists()
    assert plaintext not in str(AuditEvent.objects.filter(action="api_key.issued").values_list("data", flat=True))


def test_a_verified_reviewer_may_read_but_never_write(rita):
    client = staff_client(rita)
    assert client.get(APPEALS, HTTP_ACCEPT="application/json").status_code == 200
    response = client.post("/api/v1/suspensions/", {}, content_type="application/json")
    assert response.status_code == 403


def test_a_session_without_the_second_factor_is_not_signed_in_to_the_api(rita):
    client = APIClient()
    client.force_login(rita, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(APPEALS).status_code == 401


def test_staff_get_the_browsable_api(rita):
    response = staff_client(rita).get(APPEALS, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "Recourse" in response.content.decode() or "Appeal" in response.content.decode()


def test_too_many_requests_is_429_with_retry_after(api_client, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = api_client("appeals:read")
    statuses = [client.get(APPEALS).status_code for _ in range(4)]
    response = client.get(APPEALS)
    assert statuses == [200, 200, 200, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"
    assert api_client("appeals:read", integration="Another").get(APPEALS).status_code == 200  # each key on its own


def test_malformed_json_is_400_json(api_client):
    response = api_client("suspensions:write").post(
        "/api/v1/suspensions/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_over_the_limit_is_413(api_client, settings):
    settings.API_MAX_BODY_BYTES = 1024
    response = api_client("suspensions:write").post(
        "/api/v1/suspensions/", data='{"x": "' + "a" * 2000 + '"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert "at most 1024" in response.json()["detail"]


def test_an_unknown_api_path_is_json_404(api_client):
    response = api_client("appeals:read").get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_post_to_an_unknown_api_path_is_json_404_not_a_csrf_page():
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/nothing-here/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_media_type_is_415(api_client):
    response = api_client("suspensions:write").post("/api/v1/suspensions/", data="a=b", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
