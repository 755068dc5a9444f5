"""The appellant's status page reads a fixed number of rows, however long the conversation grows."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from appeals.models import Appeal
from appeals.services import appeal_answer, appeal_claim, appeal_request_info
from tests.appeals.test_appellant_pages import PDF, PNG, signed_in, upload
from tests.factories import make_appeal

pytestmark = pytest.mark.django_db


def ask_and_answer(appeal: Appeal, reviewer: User, times: int) -> None:
    for number in range(times):
        appeal_request_info(
            appeal=appeal, by=reviewer, body=f"Question {number}?", reply_by=timezone.now() + timedelta(days=7)
        )
        appeal_answer(appeal=appeal, body=f"Answer {number}.")


def status_queries(client: Any, appeal: Appeal) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/appeal/appeals/{appeal.reference}/")
    assert response.status_code == 200
    return len(queries)


def test_the_status_page_costs_the_same_queries_for_one_exchange_and_for_ten(
    alice_appeal: Appeal, rita: User, django_assert_max_num_queries: Any
) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    ask_and_answer(alice_appeal, rita, 1)
    client = signed_in(alice_appeal.suspension)
    client.get(f"/appeal/appeals/{alice_appeal.reference}/")
    with django_assert_max_num_queries(6):  # session, the appeal, misuse, its timeline, messages, all its files
        few = status_queries(client, alice_appeal)
    ask_and_answer(alice_appeal, rita, 9)
    assert status_queries(client, alice_appeal) == few


def test_only_the_latest_question_asks_for_an_answer_by_a_date(alice_appeal: Appeal, rita: User) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    ask_and_answer(alice_appeal, rita, 1)
    appeal_request_info(
        appeal=alice_appeal, by=rita, body="One more question?", reply_by=timezone.now() + timedelta(days=7)
    )
    client = signed_in(alice_appeal.suspension)
    client.get(f"/appeal/appeals/{alice_appeal.reference}/")
    response = client.get(f"/appeal/appeals/{alice_appeal.reference}/")
    page = response.content.decode()
    assert page.count("Please answer by") == 1
    assert page.index("One more question?") < page.index("Please answer by")


def test_the_appeals_own_files_and_each_messages_files_show_where_they_belong(alice_suspension: Any, rita: User):
    appeal = make_appeal(alice_suspension, evidence=[upload("with-the-appeal.png", PNG)])
    appeal_claim(appeal=appeal, by=rita)
    appeal_request_info(appeal=appeal, by=rita, body="The original?", reply_by=timezone.now() + timedelta(days=7))
    appeal_answer(appeal=appeal, body="Attached.", attachments=[upload("with-the-answer.pdf", PDF)])
    page = signed_in(appeal.suspension).get(f"/appeal/appeals/{appeal.reference}/").content.decode()
    told, conversation = page.split('id="your-appeal"')[1].split('id="conversation"')
    assert "with-the-appeal.png" in told and "with-the-answer.pdf" not in told
    assert conversation.count("with-the-answer.pdf") == 1 and "with-the-appeal.png" not in conversation
    assert conversation.index("Attached.") < conversation.index("with-the-answer.pdf")
