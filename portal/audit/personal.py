"""Which parts of an event are personal data: they go to AuditPersonalData, which retention may delete, and the
chained row keeps a salted commitment to them instead."""

import secrets
from dataclasses import dataclass
from typing import Any

from portal.audit.actors import Actor
from portal.audit.chain import personal_commitment
from portal.audit.models import ActorKind

# People are named by their email (staff) or a masked contact address (appellants) and act from their own address;
# integrations and the system are named by what they are and call from servers: that stays in the chained row.
_PEOPLE = {ActorKind.APPELLANT, ActorKind.STAFF}
# An appellant known by the handle they gave ("handle:jo") keeps only "handle" in the row.
_PERSONAL_ACTOR_REFS = ("handle:",)
# Keys of `data` that hold personal details, by action. Everything else in data is ids, counts, outcomes, statuses.
PERSONAL_DATA_KEYS: dict[str, frozenset[str]] = {
    "staff.created": frozenset({"email"}),
    "staff.updated": frozenset({"changes"}),
    "notification.resent": frozenset({"to"}),
    "integration.created": frozenset({"contact"}),
    "integration.changed": frozenset({"contact"}),
}


@dataclass(frozen=True)
class Split:
    """One event's fields as the chained row holds them, and its personal part with the salt (None: nothing
    personal, the event hashes as events always did)."""

    row: dict[str, Any]
    salt: str | None = None
    personal: dict[str, Any] | None = None


def personal_split(actor: Actor, action: str, data: dict[str, Any]) -> Split:
    personal_keys = PERSONAL_DATA_KEYS.get(action, frozenset()) & data.keys()
    person = actor.kind in _PEOPLE
    personal_ref = actor.id.startswith(_PERSONAL_ACTOR_REFS)
    if not (personal_keys or personal_ref or (person and (actor.label or actor.ip))):
        return Split({"actor_id": actor.id, "actor_label": actor.label, "ip": actor.ip, "data": data})
    row = {
        "actor_id": actor.id.partition(":")[0] if personal_ref else actor.id,
        "actor_label": "" if person else actor.label,
        "ip": None if person else actor.ip,
        "data": {key: value for key, value in data.items() if key not in personal_keys},
    }
    personal = {
        "actor_id": actor.id,
        "actor_label": actor.label,
        "ip": actor.ip,
        "data": {key: data[key] for key in sorted(personal_keys)},
    }
    salt = secrets.token_hex(16)
    return Split({**row, "personal_digest": personal_commitment(salt, personal)}, salt, personal)
