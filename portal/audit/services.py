import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.audit.actors import Actor
from portal.audit.chain import GENESIS_HASH, event_hash
from portal.audit.models import AuditEvent, AuditPersonalData
from portal.audit.personal import Split, personal_split
from portal.bulk_insert import bulk_insert

# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x52454355  # "RECU"


@dataclass(frozen=True)
class AuditEntry:
    """One event for audit_record_many: what was done, to what, with which details."""

    action: str
    target: models.Model | tuple[str, str]
    data: dict[str, Any] | None = None


def audit_record(
    *, actor: Actor, action: str, target: models.Model | tuple[str, str], data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records."""
    with transaction.atomic():
        seq, prev_hash = _chain_head()
        fields, split = _event_fields(actor, AuditEntry(action, target, data), seq=seq + 1, prev_hash=prev_hash)
        event = AuditEvent.rows.create(**_as_columns(fields), hash=event_hash(fields))
        if split.personal is not None:
            AuditPersonalData.objects.create(event=event, salt=split.salt or "", **split.personal)
        return event


def audit_record_many(*, actor: Actor, entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Append events to the chain in the order given, each linked to the one before, with one lock, one read of the
    head and one bulk insert: what a batch of changes costs does not grow by a query per event. Call inside the
    transaction of the changes they record."""
    if not entries:
        return []
    with transaction.atomic():
        seq, prev_hash = _chain_head()
        now = timezone.now()
        events, splits = [], []
        for entry in entries:
            seq += 1
            fields, split = _event_fields(actor, entry, seq=seq, prev_hash=prev_hash, at=now)
            prev_hash = event_hash(fields)
            events.append(AuditEvent(**_as_columns(fields), hash=prev_hash))
            splits.append(split)
        bulk_insert(events)
        AuditPersonalData.objects.bulk_create(
            AuditPersonalData(event=event, salt=split.salt or "", **split.personal)
            for event, split in zip(events, splits, strict=True)
            if split.personal is not None
        )
        return events


def _chain_head() -> tuple[int, str]:
    """The last event's seq and hash (0 and the genesis hash for an empty chain), with the chain locked."""
    _lock_chain()
    head = AuditEvent.rows.order_by("-seq").values("seq", "hash").first()
    return (head["seq"], head["hash"]) if head else (0, GENESIS_HASH)


def _event_fields(
    actor: Actor, entry: AuditEntry, *, seq: int, prev_hash: str, at: datetime | None = None
) -> tuple[dict[str, Any], Split]:
    """The event's hashed fields, and its personal part kept beside it."""
    target_type, target_id = _target_key(entry.target)
    # Round-trip through JSON so the hashed form is exactly what the database gives back.
    split = personal_split(actor, entry.action, json.loads(json.dumps(entry.data or {}, cls=DjangoJSONEncoder)))
    fields = {
        "seq": seq,
        "created_at": at or timezone.now(),
        "actor_kind": actor.kind.value,
        "action": entry.action,
        "target_type": target_type,
        "target_id": target_id,
        "prev_hash": prev_hash,
        **split.row,
    }
    return fields, split


def _as_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """The hashed fields under the model's names for the row's own columns."""
    renamed = {"actor_id": "hashed_actor_id", "actor_label": "hashed_actor_label", "ip": "hashed_ip"}
    return {renamed.get(name, name): value for name, value in fields.items()}


def _target_key(target: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(target, tuple):
        return target
    return target._meta.label_lower, str(target.pk)


def _lock_chain() -> None:
    # SQLite transactions here begin IMMEDIATE, which already serialises writers; PostgreSQL needs a lock
    # held until commit so two appends never read the same head.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
