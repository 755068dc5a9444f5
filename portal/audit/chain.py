"""The hash chain: how an event is hashed, and how the whole chain is checked."""

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
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
# An event with a personal part (personal_digest set) adds its commitment under the key "personal", in its sorted
# place; events without one hash exactly as before the split.
_CANONICAL_WITH_PERSONAL = _CANONICAL.replace('"prev_hash":%s', '"personal":%s,"prev_hash":%s')
_DATA = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# One event as the verifier reads it: seq, created_at in canonical form, actor_kind, actor_id, actor_label, action,
# target_type, target_id, data as JSON text, ip, prev_hash, hash, personal_digest; then its personal part (salt,
# actor_id, actor_label, ip, data as JSON text), all None once erased or for an event without one.
Row = tuple[
    int, str, str, str, str, str, str, str, str, str | None, str, str, str,
    str | None, str | None, str | None, str | None, str | None,
]  # fmt: skip


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
        fields.get("personal_digest", ""),
    )


def personal_commitment(salt: str, personal: dict[str, Any]) -> str:
    """The salted SHA-256 the event carries for its personal part: the salt, then actor_id, actor_label, data and ip
    as JSON with sorted keys like the event itself (spelled out as _PERSONAL for speed; tests/audit checks)."""
    return _commitment(
        salt, personal["actor_id"], personal["actor_label"], _DATA.encode(personal["data"]), personal["ip"]
    )


_PERSONAL = '{"actor_id":%s,"actor_label":%s,"data":%s,"ip":%s}'


def _commitment(salt: str, actor_id: str, actor_label: str, data_json: str, ip: str | None) -> str:
    ip_json = "null" if ip is None else encode_basestring(ip)
    canonical = _PERSONAL % (encode_basestring(actor_id), encode_basestring(actor_label), data_json, ip_json)
    return hashlib.sha256((salt + canonical).encode()).hexdigest()


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
    personal_digest: str = "",
) -> str:
    fields = (
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
    if personal_digest:
        canonical = _CANONICAL_WITH_PERSONAL % (*fields[:7], encode_basestring(personal_digest), *fields[7:])
    else:
        canonical = _CANONICAL % fields
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""
    erased: int = 0  # events whose personal part retention deleted

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(rows: Iterable[Row], anchors: Mapping[int, str] | None = None) -> ChainReport:
    """Walk events in seq order and report the first one that does not follow from the one before. `anchors` are
    heads exported earlier (seq: hash), kept outside the database: each must still be in the chain, so a chain
    rewritten from the start, internally consistent, is caught too."""
    anchors = anchors or {}
    count, prev_hash, erased = 0, GENESIS_HASH, 0
    for row in rows:
        problem = _first_problem(row, count + 1, prev_hash) or _anchor_problem(row, anchors)
        if problem:
            return ChainReport(count=count, head_hash=prev_hash, broken_seq=row[0], problem=problem, erased=erased)
        count, prev_hash = count + 1, row[11]
        erased += bool(row[12]) and row[13] is None
    beyond = [seq for seq in sorted(anchors) if seq > count]
    if beyond:
        problem = "the anchored event is missing (the chain was cut back)"
        return ChainReport(count=count, head_hash=prev_hash, broken_seq=beyond[0], problem=problem, erased=erased)
    return ChainReport(count=count, head_hash=prev_hash, erased=erased)


def _anchor_problem(row: Row, anchors: Mapping[int, str]) -> str:
    anchored = anchors.get(row[0])
    if anchored is not None and anchored != row[11]:
        return f"its hash is not the anchored {anchored} (the chain was rewritten)"
    return ""


def _first_problem(row: Row, expected_seq: int, prev_hash: str) -> str:
    seq, created_at, kind, actor_id, label, action, target_type, target_id, data, ip, recorded_prev, digest = row[:12]
    if seq != expected_seq:
        return f"expected event #{expected_seq} next, found #{seq} (events missing)"
    if recorded_prev != prev_hash:
        return "its previous-hash does not match the event before it (an event was removed or replaced)"
    content = (kind, actor_id, label, action, target_type, target_id, json.loads(data), _as_recorded(ip))
    if _digest(seq, created_at, *content, recorded_prev, row[12]) != digest:
        return "its content does not match its hash (the event was changed)"
    return _personal_problem(row)


def _personal_problem(row: Row) -> str:
    personal_digest, salt, actor_id, label, ip, data = row[12:]
    if salt is None:
        return ""  # no personal part, or erased: the commitment alone stays, and proves nothing about anyone
    if not personal_digest:
        return "it has personal data attached but no commitment to it (the personal data was added afterwards)"
    # Most personal parts hold no data beyond who and where: "{}" needs no parsing to be in canonical form.
    data_json = "{}" if data is None or data == "{}" else _DATA.encode(json.loads(data))
    if _commitment(salt, actor_id or "", label or "", data_json, _as_recorded(ip)) != personal_digest:
        return "its personal data does not match its commitment (the personal data was changed)"
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


# The events in chain order as rows, with the time already in canonical form and the personal part beside each.
# COPY streams them in blocks without a cursor to page through, and converts nothing but seq: the text of each
# column is what the hash needs.
_COPY = """
    COPY (
        SELECT e.seq, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), e.actor_kind,
            e.actor_id, e.actor_label, e.action, e.target_type, e.target_id, e.data, e.ip, e.prev_hash, e.hash,
            e.personal_digest, p.salt, p.actor_id, p.actor_label, p.ip, p.data
        FROM audit_auditevent e LEFT JOIN audit_auditpersonaldata p ON p.event_id = e.id
        ORDER BY e.seq
    ) TO STDOUT
"""


def chain_rows(using: str = "default") -> Iterator[Row]:
    """Every event in chain order, streamed in constant memory: with COPY on PostgreSQL, through the ORM elsewhere."""
    if connections[using].vendor == "postgresql":
        return _copied_rows(using)
    return _queried_rows(using)


def _copied_rows(using: str) -> Iterator[Row]:
    with connections[using].cursor() as cursor, cursor.cursor.copy(_COPY) as copy:
        copy.set_types(["int8"] + ["text"] * 17)
        yield from copy.rows()


def _queried_rows(using: str) -> Iterator[Row]:
    from portal.audit.models import AuditEvent

    events = (
        AuditEvent.rows.using(using)
        .order_by("seq")
        .values_list(
            "seq",
            "created_at",
            "actor_kind",
            "hashed_actor_id",
            "hashed_actor_label",
            "action",
            "target_type",
            "target_id",
            Cast("data", TextField()),
            "hashed_ip",
            "prev_hash",
            "hash",
            "personal_digest",
            "personal__salt",
            "personal__actor_id",
            "personal__actor_label",
            "personal__ip",
            Cast("personal__data", TextField()),
        )  # fmt: skip
    )
    for seq, created_at, *rest in events.iterator(chunk_size=5000):
        yield (seq, canonical_time(created_at), *rest)
