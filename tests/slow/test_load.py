"""Many people at once against gunicorn on loopback, and two reviewers racing for the queue: nothing lost, nothing
twice, and the audit chain whole afterwards. The figures (throughput, errors) are printed for docs/reliability.md."""

import io
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.appellant_access import token_for
from accounts.roles import Role
from appeals.models import Appeal, AppealReason, AppealStatus, Message, Suspension
from appeals.services import appeal_claim_next, appeal_release
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import make_appeal, make_staff, make_suspension
from tests.slow.conftest import Answer, Process, Visitor, app_env, figure, gunicorn_start, this_database_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles"),
]

APPELLANTS = 200
CLIENT_THREADS = 16
ROUNDS = 1_000


def audit_verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def in_parallel(journey: Callable[[Suspension], list[Answer]], suspensions: list[Suspension]) -> list[Answer]:
    """Each appellant's journey on a pool of CLIENT_THREADS, every answer collected; the test database connection
    each thread opened is closed with it."""

    def run(suspension: Suspension) -> list[Answer]:
        try:
            return journey(suspension)
        finally:
            connection.close()

    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        return [answer for answers in pool.map(run, suspensions) for answer in answers]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Process, str]]:
    env = app_env(tmp_path, this_database_url(), APPELLANT_LINKS_PER_IP_PER_HOUR="100000")
    process, url = gunicorn_start(env, tmp_path, workers=4, threads=4)
    yield process, url
    process.stop()


def sign_in(visitor: Visitor, suspension: Suspension) -> list[Answer]:
    """The real one-time link: ask for it on the find page, take its token from the outbox as the email carries it,
    and press the button on the page the link opens."""
    asked = visitor.submit("/appeal/find/", {"handle": suspension.handle, "email": suspension.account_email})
    link = Notification.objects.get(template="sign_in_link", recipient_email=suspension.account_email)
    signed_in = visitor.submit(f"/appeal/sign-in/{token_for(link.context['selector'])}/", {})
    assert (signed_in.status, signed_in.location) == (302, "/appeal/case/"), signed_in.body[:500]
    return [asked, signed_in]


def statement_of(suspension: Suspension) -> str:
    return f"{suspension.handle}: I quoted the slogan to criticise it, as the rest of the thread shows."


def file_and_reply(visitor: Visitor, suspension: Suspension) -> list[Answer]:
    """File the appeal, send the same form again as a double click would, then write to the reviewer."""
    form = {"reason": AppealReason.CONTEXT_MISSED, "statement": statement_of(suspension), "language": "en"}
    token = visitor.fetch("/appeal/case/appeal/").form_token()
    filed = visitor.fetch("/appeal/case/appeal/", {"csrfmiddlewaretoken": token, **form})
    again = visitor.fetch("/appeal/case/appeal/", {"csrfmiddlewaretoken": token, **form})
    assert filed.status == 302, filed.body[:500]
    assert again.status == 200 and "There is already an open appeal against this decision." in again.body
    reference = filed.location.split("/")[3]
    status_page = f"/appeal/appeals/{reference}/"
    reply = {"body": f"More context from {suspension.handle}."}
    replied = visitor.submit(status_page, reply, action=status_page + "reply/")
    return [filed, again, replied]


def test_200_appellants_filing_and_replying_at_once_lose_nothing_and_duplicate_nothing(server) -> None:
    _process, url = server
    suspensions = [make_suspension(f"load{number:03}") for number in range(APPELLANTS)]
    visitors = {suspension.pk: Visitor(url) for suspension in suspensions}

    started = time.monotonic()
    signing_in = in_parallel(lambda s: sign_in(visitors[s.pk], s), suspensions)
    sign_in_seconds, sign_in_requests = time.monotonic() - started, sum(v.requests for v in visitors.values())
    started = time.monotonic()
    filing = in_parallel(lambda s: file_and_reply(visitors[s.pk], s), suspensions)
    filing_seconds = time.monotonic() - started
    filing_requests = sum(v.requests for v in visitors.values()) - sign_in_requests

    statuses = Counter(answer.status for answer in signing_in + filing)
    assert statuses[500] == 0 and set(statuses) <= {200, 302}, statuses
    appeals = Appeal.objects.filter(suspension__in=suspensions)
    assert sorted(appeals.values_list("suspension_id", flat=True)) == sorted(s.pk for s in suspensions)
    assert set(appeals.values_list("status", flat=True)) == {AppealStatus.SUBMITTED}
    replies = Message.objects.filter(appeal__in=appeals, author_kind=Message.Author.APPELLANT)
    assert Counter(replies.values_list("appeal__suspension__handle", "body")) == Counter(
        {(s.handle, f"More context from {s.handle}."): 1 for s in suspensions}
    )
    outbox = Counter(Notification.objects.values_list("template", "recipient_email"))
    expected = {(template, s.account_email): 1 for s in suspensions for template in ("sign_in_link", "appeal_received")}
    assert outbox == Counter(expected)
    actions = Counter(AuditEvent.objects.filter(action__in=["appeal.filed", "appeal.answered"]).values_list("action"))
    assert actions == Counter({("appeal.filed",): APPELLANTS, ("appeal.answered",): APPELLANTS})
    assert "Audit chain intact" in audit_verify()
    figure(
        f"LOAD: {APPELLANTS} appellants, {CLIENT_THREADS} client threads, gunicorn 4 workers x 4 threads: "
        f"signing in {sign_in_requests} requests in {sign_in_seconds:.1f} s "
        f"({sign_in_requests / sign_in_seconds:.0f}/s), "
        f"filing, filing again and replying {filing_requests} requests in {filing_seconds:.1f} s "
        f"({filing_requests / filing_seconds:.0f}/s); statuses of the form posts {dict(statuses)}, no errors"
    )


def test_two_reviewers_taking_next_together_1000_times_never_hold_the_same_appeal() -> None:
    """Each round both press "take next" at the same instant, then put back what they got, so every round races for
    the same most urgent appeal."""
    reviewers = [make_staff("rita", Role.REVIEWER), make_staff("rex", Role.REVIEWER)]
    for _number in range(3):
        make_appeal()
    got: list[list[int | None]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(index: int) -> None:
        reviewer = reviewers[index]
        try:
            for _round in range(ROUNDS):
                start.wait(timeout=30)
                appeal = appeal_claim_next(by=reviewer, ip="192.0.2.1")
                got[index].append(appeal.pk if appeal else None)
                start.wait(timeout=30)  # both hold their appeal at this moment
                if appeal is not None:
                    appeal_release(appeal=appeal, by=reviewer, ip="192.0.2.1")
        except BaseException as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)
            start.abort()
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started

    assert errors == []
    rounds = list(zip(*got, strict=True))
    assert len(rounds) == ROUNDS
    assert all(first is not None and second is not None and first != second for first, second in rounds)
    events = Counter(AuditEvent.objects.filter(action__in=["appeal.claimed", "appeal.released"]).values_list("action"))
    assert events == Counter({("appeal.claimed",): 2 * ROUNDS, ("appeal.released",): 2 * ROUNDS})
    assert not Appeal.objects.filter(assigned_to__isnull=False).exists()
    assert "Audit chain intact" in audit_verify()
    figure(f"TAKE-NEXT: {ROUNDS} rounds of two simultaneous claims (+ releases) in {seconds:.1f} s, no double claim")
