"""The queue's cost does not grow with the backlog: its counters stop counting at a cap, and no page lies deeper
than the last one it offers."""

import re
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from appeals.dashboard.views import QUEUE_PAGES
from appeals.models import Appeal
from appeals.services import appeal_claim
from tests.conftest import staff_client
from tests.factories import make_appeal

pytestmark = pytest.mark.django_db


def test_counting_up_to_a_cap_stops_one_past_it_and_counts_smaller_sets_exactly(rita: User) -> None:
    appeals = [make_appeal() for _number in range(4)]
    appeal_claim(appeal=appeals[0], by=rita)
    counts = Appeal.objects.workload_up_to(2, timezone.now(), mine=Q(assigned_to=rita))
    assert counts == {"open": 3, "due_soon": 0, "overdue": 0, "mine": 1}


def test_the_counters_show_the_open_work_as_the_exact_workload_does_below_the_cap(rita: User) -> None:
    for _number in range(3):
        make_appeal()
    page = staff_client(rita).get("/review/").content.decode()
    assert re.search(r"Open <strong>3</strong>", page)
    assert Appeal.objects.workload(timezone.now())["open"] == 3


def test_a_page_past_the_last_one_offered_shows_the_last_one(rita: User) -> None:
    make_appeal()
    page = staff_client(rita).get("/review/", {"page": "100000"}).content.decode()
    assert f"Page {QUEUE_PAGES}" in page and ">Next<" not in page


def test_the_queue_costs_the_same_queries_on_its_first_and_its_last_page(
    rita: User, django_assert_max_num_queries: Any
) -> None:
    for _number in range(3):
        make_appeal()
    client = staff_client(rita)
    client.get("/review/")
    with django_assert_max_num_queries(8):
        client.get("/review/")
    with django_assert_max_num_queries(8):
        client.get("/review/", {"page": str(QUEUE_PAGES)})
