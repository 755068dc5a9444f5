import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.audit.actors import Actor
from portal.audit.chain import GENESIS_HASH, event_hash
from portal.audit.models import AuditEvent

# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x52454355  # "RECU"


def audit_record(
    *, actor: Actor, action: str, target: models.Model | tuple[str, str], data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records."""
    target_type, target_id = _target_key(target)
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        fields: dict[str, Any] = {
            "seq": head["seq"] + 1 if head else 1,
            "created_at": timezone.now(),
            "actor_kind": actor.kind.value,
            "actor_id": actor.id,
            "actor_label": actor.label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            # Round-trip through JSON so the hashed form is exactly what the database gives back.
            "data": json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            "ip": actor.ip,
            "prev_hash": head["hash"] if head else GENESIS_HASH,
        }
        return AuditEvent.objects.create(**fields, hash=event_hash(fields))


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
