"""Appeals for the read benchmarks: a base set made through the real services, then grown with SQL copies.

The base is what the services make: suspensions ingested in batches as the API does, notices recorded, appeals filed
(one in twenty from an unverified address), then worked by eight reviewers and two seniors: claimed, asked for
information, escalated, decided (upheld, overturned, modified; sensitive reversals proposed and approved) or
withdrawn. The services stamp everything "now", so filing and due dates are then spread over the last 20 days with
one UPDATE, so that some appeals are overdue, some due soon.

Growing to 100,000 or 1,000,000 appeals through the services would take hours, so the base is copied with
`INSERT ... SELECT`: each copy gets new ids, puids, handles and references and is shifted back in time. The base is
given the highest ids (its sequences start at BASE_ID) and copies count down from it, so ids grow with time as they
do in a real table. Closed appeals (decided, withdrawn) are copied every time, each copy about a day further back,
with their decisions; open ones only while the table is below OPEN_SHARE of its largest size, each up to OPEN_SPAN
further back at random, so the open backlog ends at about a seventh of the table (as after a large wave) and stays
recent. Copies keep their source's holder, so each reviewer holds thousands of open appeals: more than in life.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from benchkit import say

BASE_ID = 20_000_001  # the base's first id; copies take the ids below it, STRIDE per copy
STRIDE = 10_000
OPEN_SHARE = 0.3  # open appeals are copied until the table holds this share of its final size
CLOSED_STEP = timedelta(days=1)  # how much further back each copy of a closed appeal lies
OPEN_SPAN = timedelta(days=10)  # copies of open appeals lie up to this much further back
BASE_SPAN_DAYS = 20  # the base's appeals were filed over the last this many days
REVIEWERS = 8
WAVES = ["spring-sweep", "election-ops", "spam-ring", "impersonation"]
# (category, weight): the two sensitive categories are a small share, as in the Transparency Database.
CATEGORIES = [
    ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 25),
    ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 20),
    ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", 15),
    ("STATEMENT_CATEGORY_CYBER_VIOLENCE", 10),
    ("STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", 8),
    ("STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", 7),
    ("STATEMENT_CATEGORY_VIOLENCE", 5),
    ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", 5),
    ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 3),
    ("STATEMENT_CATEGORY_ANIMAL_WELFARE", 2),
]
OPEN = ["submitted", "in_review", "info_requested", "awaiting_approval"]


@dataclass(frozen=True)
class Staff:
    reviewers: list[Any]
    seniors: list[Any]


def base_build(count: int) -> Staff:
    """Empty the tables and make `count` appeals through the services. Returns the staff who worked them."""
    from benchkit import tables_empty

    tables_empty()
    _sequences_start_at(BASE_ID)
    staff = staff_make()
    rng = random.Random(8)
    suspensions = _suspensions_ingest(count, rng)
    say(f"  ingested {len(suspensions)} suspensions")
    appeals = _appeals_file(suspensions, rng)
    say(f"  filed {len(appeals)} appeals")
    for number, appeal in enumerate(appeals):
        _work(appeal, number, staff, rng)
    _spread_dates()
    return staff


def staff_make() -> Staff:
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import staff_create
    from portal.audit.actors import Actor

    def make(name: str, role: Role) -> User:
        user = User(email=f"{name}@bench.invalid", full_name=name.title())
        user.set_unusable_password()  # the bench signs them in with force_login
        return staff_create(actor=Actor.system("bench"), user=user, roles=[role])

    reviewers = [make(f"reviewer{n}", Role.REVIEWER) for n in range(REVIEWERS)]
    seniors = [make(f"senior{n}", Role.SENIOR_REVIEWER) for n in range(2)]
    return Staff(reviewers, seniors)


def _sequences_start_at(first: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("appeals_suspension", "appeals_appeal", "appeals_decision"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s, false)", [first])


def _statement_fields(number: int, rng: random.Random) -> dict[str, Any]:
    from django.utils import timezone

    categories, weights = zip(*CATEGORIES, strict=True)
    handle = f"bench_user_{number}"
    fields: dict[str, Any] = {
        "handle": handle,
        "account_email": f"{handle}@bench.invalid",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED" if rng.random() < 0.8 else "DECISION_ACCOUNT_TERMINATED",
        "application_date": timezone.now() - timedelta(days=rng.uniform(1, 40)),
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4",
        "incompatible_content_explanation": "Posts broke the rule on coordinated harm.",
        "category": rng.choices(categories, weights)[0],
        "decision_facts": "Several posts over three days, reported by users and confirmed by a moderator.",
        "source_type": rng.choice(["SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_VOLUNTARY"]),
        "automated_detection": rng.random() < 0.6,
        "automated_decision": rng.choice(
            ["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"]
        ),
        "detection_rule": f"rule-{rng.randrange(12)}",
        "territorial_scope": ["DE", "FR", "NL"],
    }
    if rng.random() < 0.4:
        fields["wave"] = rng.choice(WAVES)
    return fields


def _suspensions_ingest(count: int, rng: random.Random) -> list[Any]:
    from django.utils import timezone

    from appeals.models import NoticeStatus
    from appeals.suspensions import Statement, notice_record, suspensions_ingest_batch
    from portal.audit.actors import Actor

    platform = Actor.system("platform")
    suspensions = []
    for first in range(0, count, 100):
        statements = [Statement(f"bench-{n}", _statement_fields(n, rng)) for n in range(first, min(first + 100, count))]
        for result in suspensions_ingest_batch(actor=platform, statements=statements):
            if result.suspension is None:
                raise RuntimeError(f"ingest refused {result.puid}: {result.errors}")
            suspensions.append(result.suspension)
    for suspension in suspensions:
        delivered = rng.random() < 0.85  # the rest were never informed: their notice bounced
        notice_record(
            actor=platform,
            suspension=suspension,
            channel="email",
            address=suspension.account_email,
            status=NoticeStatus.DELIVERED if delivered else NoticeStatus.BOUNCED,
            sent_at=timezone.now() - timedelta(days=1),
        )
    return suspensions


def _appeals_file(suspensions: list[Any], rng: random.Random) -> list[Any]:
    from appeals.services import appeal_file, appeal_file_unverified

    appeals = []
    for suspension in suspensions:
        reason = rng.choice(["not_violating", "context_missed", "not_me", "disproportionate", "other"])
        statement = "I was reporting on the events, not endorsing them. " * rng.randint(1, 6)
        language = rng.choice(["en", "en", "en", "de"])
        if rng.random() < 0.05:
            contact = f"new-{suspension.handle}@bench.invalid"
            appeal = appeal_file_unverified(
                handle=suspension.handle, reason=reason, statement=statement, contact_email=contact, language=language
            )
        else:
            contact = suspension.account_email
            appeal = appeal_file(
                suspension=suspension, reason=reason, statement=statement, contact_email=contact, language=language
            )
        appeals.append(appeal)
    return appeals


def _work(appeal: Any, number: int, staff: Staff, rng: random.Random) -> None:
    """What happens to one appeal: about a third are waiting, the rest are being worked or closed."""
    from django.utils import timezone

    from appeals.models import Decision, Outcome
    from appeals.services import (
        appeal_claim,
        appeal_decide,
        appeal_escalate,
        appeal_request_info,
        appeal_withdraw,
        decision_approve,
    )

    if appeal.suspension_id is None:
        return  # unmatched: waits for staff to find its case
    reviewer = staff.reviewers[number % REVIEWERS]
    roll = rng.random()
    if roll < 0.30:
        return
    if roll < 0.37:
        appeal_withdraw(appeal=appeal)
        return
    appeal_claim(appeal=appeal, by=reviewer)
    if roll < 0.47:
        return
    if roll < 0.52:
        appeal_request_info(
            appeal=appeal, by=reviewer, body="Which post do you mean?", reply_by=timezone.now() + timedelta(days=7)
        )
        return
    if roll < 0.55:
        appeal_escalate(appeal=appeal, by=reviewer, note="Needs a second look: public figure.")
        return
    outcome = rng.choices([Outcome.UPHELD, Outcome.OVERTURNED, Outcome.MODIFIED], [60, 25, 15])[0]
    decision = appeal_decide(
        appeal=appeal,
        by=reviewer,
        outcome=outcome,
        reasons="We looked at the posts again with the context you gave.",
        new_decision_account="DECISION_ACCOUNT_SUSPENDED" if outcome == Outcome.MODIFIED else "",
    )
    if decision.state == Decision.State.PROPOSED and rng.random() < 0.8:
        decision_approve(decision=decision, by=staff.seniors[number % 2])


def _spread_dates() -> None:
    """The services stamped every appeal "now": spread filing over the last BASE_SPAN_DAYS days, keeping each
    appeal's own intervals (due 14 days after filing, decided some days later) and never stamping the future."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE appeals_appeal SET
                filed_at = filed_at - shift, due_at = due_at - shift,
                claimed_at = claimed_at - shift * 0.9, sla_paused_at = sla_paused_at - shift * 0.5,
                decided_at = decided_at - shift * 0.5, withdrawn_at = withdrawn_at - shift * 0.5,
                updated_at = updated_at - shift * 0.5
            FROM (SELECT id AS appeal_id, make_interval(secs => (hashint4(id::int) & 65535) / 65536.0 * %s) AS shift
                  FROM appeals_appeal) AS shifts
            WHERE id = shifts.appeal_id
            """,
            [BASE_SPAN_DAYS * 86400],
        )


# --- growing --------------------------------------------------------------------------------------------------------


@dataclass
class Growth:
    """Where the copying stands: the size it ends at and the next copy's number."""

    final_size: int
    next_copy: int = 1

    @property
    def open_until(self) -> int:
        return int(self.final_size * OPEN_SHARE)


def grow_to(size: int, growth: Growth) -> None:
    """Copy the base until the table holds `size` appeals (matched or not), in one transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appeal")
        have = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = ANY(%s)), count(*) FROM appeals_appeal WHERE id >= %s",
            [OPEN, BASE_ID],
        )
        base_open, base_all = cursor.fetchone()
    with transaction.atomic():
        while have < size:
            with_open = have < growth.open_until
            per_copy = base_all if with_open else base_all - base_open
            room = (growth.open_until if with_open else size) - have
            copies = max(1, min(-(-room // per_copy), (size - have) // per_copy, 50))
            limit = size - have if size - have < per_copy else None
            _copy(growth.next_copy, growth.next_copy + copies - 1, with_open=with_open, limit=limit)
            have += limit if limit is not None else copies * per_copy
            growth.next_copy += copies
    say(f"  grown to {have:,} appeals (copies up to {growth.next_copy - 1})")


def _copy(first: int, last: int, *, with_open: bool, limit: int | None) -> None:
    """Copies first..last of the base rows (closed ones, and the open ones too if `with_open`): appeals, their
    suspensions and their decisions. The foreign keys are checked at commit, so the order does not matter."""
    from django.db import connection

    rows = (
        f"SELECT k, b.* FROM generate_series({first}, {last}) AS k CROSS JOIN appeals_appeal b "
        f"WHERE b.id >= {BASE_ID} {'' if with_open else 'AND b.status <> ALL(%(open)s)'}"
    )
    if limit is not None:
        rows += f" ORDER BY k, b.id LIMIT {limit}"
    source = f"WITH b AS ({rows})"
    # A fraction in [0, 1) of its own for each copied row, so copies of one base row do not bunch together.
    spread = "((hashint8(b.k * 1000003 + b.id) & 65535) / 65536.0)"
    shift = (
        f"(CASE WHEN b.status = ANY(%(open)s) THEN {spread} * interval '{OPEN_SPAN.total_seconds()} seconds' "
        f"ELSE (b.k + {spread}) * interval '{CLOSED_STEP.total_seconds()} seconds' END)"
    )
    params: dict[str, Any] = {"open": OPEN, "stride": STRIDE}
    with connection.cursor() as cursor:
        for statement in (_appeal_copy_sql, _suspension_copy_sql, _decision_copy_sql):
            cursor.execute(f"{source} {statement(shift)}", params)


def _appeal_copy_sql(shift: str) -> str:
    return f"""
        INSERT INTO appeals_appeal (id, reference, suspension_id, handle, handle_key, status, reason, statement,
            contact_email, identity_verified, language, filed_at, due_at, sla_paused_at, assigned_to_id, claimed_at,
            escalated, decided_at, withdrawn_at, updated_at, version)
        SELECT b.id - b.k * %(stride)s, 'K' || b.k || '-' || (b.id - {BASE_ID}), b.suspension_id - b.k * %(stride)s,
            b.handle || '.' || b.k, b.handle_key || '.' || b.k, b.status, b.reason, b.statement,
            b.contact_email, b.identity_verified, b.language, b.filed_at - {shift}, b.due_at - {shift},
            b.sla_paused_at - {shift}, b.assigned_to_id, b.claimed_at - {shift}, b.escalated,
            b.decided_at - {shift}, b.withdrawn_at - {shift}, b.updated_at - {shift}, b.version
        FROM b
    """


SUSPENSION_KEPT = (
    "account_type, wave_id, decision_account, decision_ground, illegal_content_legal_ground, "
    "illegal_content_explanation, incompatible_content_ground, incompatible_content_explanation, "
    "incompatible_content_illegal, category, category_specification, decision_facts, source_type, "
    "source_identity, automated_detection, automated_decision, detection_rule, territorial_scope, content_type, "
    "content_date, content_description, original_decider_id"
)


def _suspension_copy_sql(shift: str) -> str:
    kept = ", ".join(f"s.{column.strip()}" for column in SUSPENSION_KEPT.split(","))
    return f"""
        INSERT INTO appeals_suspension (id, puid, handle, handle_key, account_email, application_date,
            end_date_account_restriction, informed_at, first_opened_at, reinstated_at, received_at, updated_at,
            {SUSPENSION_KEPT})
        SELECT s.id - b.k * %(stride)s, s.puid || '~' || b.k, s.handle || '.' || b.k, s.handle_key || '.' || b.k,
            s.account_email, s.application_date - {shift}, s.end_date_account_restriction - {shift},
            s.informed_at - {shift}, s.first_opened_at - {shift}, s.reinstated_at - {shift},
            s.received_at - {shift}, s.updated_at - {shift}, {kept}
        FROM b JOIN appeals_suspension s ON s.id = b.suspension_id
    """


def _decision_copy_sql(shift: str) -> str:
    return f"""
        INSERT INTO appeals_decision (id, appeal_id, outcome, state, reasons, decided_by_id, approved_by_id,
            reviewed_at, review_comment, new_decision_account, new_end_date, created_at, manifestly_unfounded)
        SELECT d.id - b.k * %(stride)s, d.appeal_id - b.k * %(stride)s, d.outcome, d.state, d.reasons,
            d.decided_by_id, d.approved_by_id, d.reviewed_at - {shift}, d.review_comment, d.new_decision_account,
            d.new_end_date - {shift}, d.created_at - {shift}, d.manifestly_unfounded
        FROM b JOIN appeals_decision d ON d.appeal_id = b.id
    """
