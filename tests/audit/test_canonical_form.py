"""The hash covers the canonical form of an event: its hashed fields as JSON with sorted keys, no spaces, non-ASCII
as it is and the time in UTC with microseconds. chain.py writes that text out field by field for speed; these tests
hold it to what json.dumps makes of the same fields, so chains recorded before and after hash the same."""

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.audit.actors import Actor
from portal.audit.chain import HASHED_FIELDS, event_hash, personal_commitment
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record


def hash_by_json_dumps(fields: dict[str, Any]) -> str:
    """The canonical form as first defined: json.dumps of the hashed fields."""
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["created_at"] = canonical["created_at"].astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(payload.encode()).hexdigest()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
moments = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(timezone(timedelta(hours=5)))
)
events = st.fixed_dictionaries(
    {
        "seq": st.integers(min_value=1, max_value=2**63 - 1),
        "created_at": moments,
        "actor_kind": st.sampled_from(["appellant", "staff", "api", "system"]),
        "actor_id": st.text(),
        "actor_label": st.text(),  # quotes, backslashes, control characters, any script
        "action": st.text(),
        "target_type": st.text(),
        "target_id": st.text(),
        "data": st.dictionaries(st.text(), json_values, max_size=5),
        "ip": st.none() | st.ip_addresses().map(str),
        "prev_hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    }
)


@settings(max_examples=300, deadline=None)
@given(events)
def test_the_hash_is_sha256_of_the_json_dumps_canonical_form(fields: dict[str, Any]) -> None:
    assert event_hash(fields) == hash_by_json_dumps(fields)


def test_a_known_event_keeps_its_known_hash() -> None:
    fields = {
        "seq": 7,
        "created_at": datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC),
        "actor_kind": "staff",
        "actor_id": "12",
        "actor_label": "Rita «Reviewer»",
        "action": "appeal.decided",
        "target_type": "appeals.appeal",
        "target_id": "42",
        "data": {"outcome": "overturned", "decision": 9, "note": 'a "quoted"\nline'},
        "ip": "192.0.2.1",
        "prev_hash": "0" * 64,
    }
    assert event_hash(fields) == hash_by_json_dumps(fields)


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_ipv4_mapped_client_address_verifies_though_postgresql_writes_it_its_own_way() -> None:
    """inet gives ::ffff:203.0.113.5 back for what Python compresses to ::ffff:cb00:7105 when it is hashed."""
    actor = Actor.appellant(ref="case:1", label="a***@example.org", ip="::ffff:203.0.113.5")
    audit_record(actor=actor, action="test.mapped", target=("t", "1"))
    assert AuditEvent.objects.get().ip == "::ffff:203.0.113.5"
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact: 1 events" in out.getvalue()


personal_parts = st.fixed_dictionaries(
    {
        "actor_id": st.text(),
        "actor_label": st.text(),
        "data": st.dictionaries(st.text(), json_values, max_size=4),
        "ip": st.none() | st.ip_addresses().map(str),
    }
)


@settings(max_examples=300, deadline=None)
@given(events, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_an_event_with_a_personal_part_hashes_its_commitment_under_the_key_personal(
    fields: dict[str, Any], commitment: str
) -> None:
    expected = {name: fields[name] for name in HASHED_FIELDS}
    expected["created_at"] = expected["created_at"].astimezone(UTC).isoformat(timespec="microseconds")
    expected["personal"] = commitment
    payload = json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    assert event_hash({**fields, "personal_digest": commitment}) == hashlib.sha256(payload.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32), personal_parts)
def test_the_commitment_is_sha256_of_the_salt_and_the_json_dumps_personal_part(
    salt: str, personal: dict[str, Any]
) -> None:
    payload = json.dumps(personal, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    assert personal_commitment(salt, personal) == hashlib.sha256((salt + payload).encode()).hexdigest()
