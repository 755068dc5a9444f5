"""The hash chain: how an event is hashed, and how the whole chain is checked."""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

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


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (sorted keys, no spaces, UTC time with microseconds)."""
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["created_at"] = canonical_time(canonical["created_at"])
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(rows: Iterable[dict[str, Any]]) -> ChainReport:
    """Walk events in seq order and report the first one that does not follow from the one before."""
    count, expected_seq, prev_hash = 0, 1, GENESIS_HASH
    for row in rows:
        problem = _first_problem(row, expected_seq, prev_hash)
        if problem:
            return ChainReport(count=count, head_hash=prev_hash, broken_seq=row["seq"], problem=problem)
        count, expected_seq, prev_hash = count + 1, expected_seq + 1, row["hash"]
    return ChainReport(count=count, head_hash=prev_hash)


def _first_problem(row: dict[str, Any], expected_seq: int, prev_hash: str) -> str:
    if row["seq"] != expected_seq:
        return f"expected event #{expected_seq} next, found #{row['seq']} (events missing)"
    if row["prev_hash"] != prev_hash:
        return "its previous-hash does not match the event before it (an event was removed or replaced)"
    if event_hash(row) != row["hash"]:
        return "its content does not match its hash (the event was changed)"
    return ""


def chain_rows(queryset: Any, chunk_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Stream events in chain order without loading the table into memory."""
    return queryset.order_by("seq").values(*HASHED_FIELDS, "hash").iterator(chunk_size=chunk_size)
