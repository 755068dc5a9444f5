"""The hash chain: how an event is hashed, and how the whole chain is checked."""

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring  # how json.dumps(..., ensure_ascii=False) writes a string
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "data",
    "ip",
    "prev_hash",
)
# The canonical form of an event is the JSON of its hashed fields with sorted keys, no spaces, non-ASCII characters
# as they are and the time in UTC with microseconds, as json.dumps(fields, sort_keys=True, separators=(",", ":"),
# ensure_ascii=False) writes it. Here it is spelled out field by field, keys in sorted order: the same text, made
# three times faster, which is most of what audit_verify spends on ten million events. tests/audit checks the two
# agree.
_CANONICAL = (
    '{"action":%s,"actor_id":%s,"actor_kind":%s,"actor_label":%s,"created_at":%s,"data":%s,"ip":%s,"prev_hash":%s,'
    '"seq":%d,"target_id":%s,"target_type":%s}'
)
_DATA = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# One event as the verifier reads it: seq, created_at in canonical form, actor_kind, actor_id, actor_label, action,
# target_type, target_id, data as JSON text, ip, prev_hash, hash.
Row = tuple[int, str, str, str, str, str, str, str, str, str | None, str, str]


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical form of the hashed fields (created_at a datetime, data a JSON-able value)."""
    return _digest(
        fields["seq"],
        canonical_time(fields["created_at"]),
        fields["actor_kind"],
        fields["actor_id"],
        fields["actor_label"],
        fields["action"],
        fields["target_type"],
        fields["target_id"],
        fields["data"],
        fields["ip"],
        fields["prev_hash"],
    )


def _digest(
    seq: int,
    created_at: str,
    actor_kind: str,
    actor_id: str,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    data: Any,
    ip: str | None,
    prev_hash: str,
) -> str:
    canonical = _CANONICAL % (
        encode_basestring(action),
        encode_basestring(actor_id),
        encode_basestring(actor_kind),
        encode_basestring(actor_label),
        encode_basestring(created_at),
        _DATA.encode(data),
        "null" if ip is None else encode_basestring(ip),
        encode_basestring(prev_hash),
        seq,
        encode_basestring(target_id),
        encode_basestring(target_type),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(rows: Iterable[Row]) -> ChainReport:
    """Walk events in seq order and report the first one that does not follow from the one before."""
    count, prev_hash = 0, GENESIS_HASH
    for row in rows:
        problem = _first_problem(row, count + 1, prev_hash)
        if problem:
            return ChainReport(count=count, head_hash=prev_hash, broken_seq=row[0], problem=problem)
        count, prev_hash = count + 1, row[11]
    return ChainReport(count=count, head_hash=prev_hash)


def _first_problem(row: Row, expected_seq: int, prev_hash: str) -> str:
    seq, created_at, kind, actor_id, label, action, target_type, target_id, data, ip, recorded_prev, digest = row
    if seq != expected_seq:
        return f"expected event #{expected_seq} next, found #{seq} (events missing)"
    if recorded_prev != prev_hash:
        return "its previous-hash does not match the event before it (an event was removed or replaced)"
    content = (kind, actor_id, label, action, target_type, target_id, json.loads(data), _as_recorded(ip))
    if _digest(seq, created_at, *content, recorded_prev) != digest:
        return "its content does not match its hash (the event was changed)"
    return ""


def _as_recorded(ip: str | None) -> str | None:
    """The address in the form audit_record hashed (Python's compressed form). PostgreSQL's inet writes some IPv6
    addresses its own way (IPv4-mapped ones as ::ffff:192.0.2.1); IPv4 addresses read back as they were written."""
    if ip is None or ":" not in ip:
        return ip
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return ip  # not an address audit_record would have written: the hash will say so


# The events in chain order as rows, with the time already in canonical form. COPY streams them in blocks without a
# cursor to page through, and converts nothing but seq: the text of each column is what the hash needs.
_COPY = """
    COPY (
        SELECT seq, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), actor_kind,
            actor_id, actor_label, action, target_type, target_id, data, ip, prev_hash, hash
        FROM audit_auditevent ORDER BY seq
    ) TO STDOUT
"""


def chain_rows(using: str = "default") -> Iterator[Row]:
    """Every event in chain order, streamed in constant memory: with COPY on PostgreSQL, through the ORM elsewhere."""
    if connections[using].vendor == "postgresql":
        return _copied_rows(using)
    return _queried_rows(using)


def _copied_rows(using: str) -> Iterator[Row]:
    with connections[using].cursor() as cursor, cursor.cursor.copy(_COPY) as copy:
        copy.set_types(["int8"] + ["text"] * 11)
        yield from copy.rows()


def _queried_rows(using: str) -> Iterator[Row]:
    from portal.audit.models import AuditEvent

    events = (
        AuditEvent.objects.using(using)
        .order_by("seq")
        .values_list(*HASHED_FIELDS[:-3], Cast("data", TextField()), "ip", "prev_hash", "hash")
    )
    for seq, created_at, *rest in events.iterator(chunk_size=5000):
        yield (seq, canonical_time(created_at), *rest)
