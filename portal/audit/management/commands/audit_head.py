"""manage.py audit_head: the chain's head as JSON, to keep outside the database (a git repository, a timestamping
service, an email to the DPO). `audit_verify --expect-head SEQ:HASH` later proves that event is still in the chain,
which catches a chain rewritten from the start: every hash after a rewrite differs."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from portal.audit.chain import GENESIS_HASH, canonical_time
from portal.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Print the audit chain's head as JSON {seq, hash, created_at, count, anchor} for anchoring elsewhere."

    def handle(self, *args: Any, **options: Any) -> None:
        head = AuditEvent.rows.order_by("-seq").values("seq", "hash", "created_at").first()
        seq, digest = (head["seq"], head["hash"]) if head else (0, GENESIS_HASH)
        self.stdout.write(
            json.dumps(
                {
                    "seq": seq,
                    "hash": digest,
                    "created_at": canonical_time(head["created_at"]) if head else None,
                    "count": seq,  # seq runs from 1 without gaps, which audit_verify checks
                    "anchor": f"{seq}:{digest}",
                }
            )
        )
