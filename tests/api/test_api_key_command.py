import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from portal.audit.models import AuditEvent
from portal.integrations.models import ApiKey


def issue(*args: str) -> str:
    out = io.StringIO()
    call_command("api_key_issue", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.mark.django_db
def test_the_command_prints_a_working_key_once_and_keeps_only_its_hash():
    plaintext = issue("Example platform", "--scope", "appeals:read", "--name", "nightly sync")
    key = ApiKey.objects.get()
    assert (key.integration.name, key.name, key.scopes) == ("Example platform", "nightly sync", ["appeals:read"])
    assert plaintext.startswith(f"rk_{key.prefix}_") and plaintext != key.key_hash
    assert AuditEvent.objects.filter(action="api_key.issued", actor_kind="system").count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/appeals/").status_code == 200


@pytest.mark.django_db
def test_an_unknown_scope_is_refused():
    with pytest.raises(CommandError):
        issue("Example platform", "--scope", "everything")
    assert not ApiKey.objects.exists()
