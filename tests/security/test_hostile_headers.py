"""Header injection: a line break in any email address a person types is refused with a form error and never
reaches a message's headers; text from the platform that lands in a subject is folded onto one line."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.appellant_access import sign_in_link_request
from accounts.models import User
from appeals.models import Suspension
from portal.notifications.delivery import notification_deliver
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import error_list, text_of
from tests.conftest import staff_client
from tests.factories import make_suspension

pytestmark = pytest.mark.django_db

INJECTED = [
    "alice@example.org\r\nBcc: victim@example.org",
    "alice@example.org\nBcc: victim@example.org",
    "alice@example.org\rBcc: victim@example.org",
    "alice@example.org%0d%0aBcc:victim@example.org",
    "alice@example.org\u2028Bcc: victim@example.org",
    "alice@example.org\x85Bcc: victim@example.org",
    '"alice\r\nBcc: victim@example.org"@example.org',
    "alice@example.org,victim@example.org",
    "Alice <alice@example.org>\r\nBcc: victim@example.org",
]


def deliver_everything() -> None:
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_deliver(pk)


def assert_no_header_carries_a_line_break() -> None:
    for message in mail.outbox:
        headers = message.message()
        for name, value in headers.items():
            assert "\r" not in str(value) and "\n" not in str(value).replace("\n ", "").replace("\n\t", ""), name
        assert "victim@example.org" not in " ".join(message.recipients())


@pytest.mark.parametrize("address", INJECTED)
@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
def test_a_line_break_in_an_appellants_address_is_refused_and_no_mail_is_sent(
    alice_suspension: Suspension, url: str, address: str
) -> None:
    response = Client().post(url, {"handle": "alice", "email": address})
    assert response.status_code == 200
    assert "Enter a valid email address." in error_list(text_of(response), "id_email")
    assert not Notification.objects.exists()
    deliver_everything()
    assert mail.outbox == []


@pytest.mark.parametrize("address", INJECTED)
def test_a_line_break_in_a_staff_address_in_admin_is_refused(ada: User, address: str) -> None:
    response = staff_client(ada).post(
        reverse("admin:accounts_user_add"),
        {"email": address, "full_name": "Mallory", "usable_password": "false", "roles": ["Reviewer"]},
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in text_of(response)
    assert not User.objects.filter(full_name="Mallory").exists()


def test_a_line_break_in_a_handle_from_the_platform_is_folded_out_of_the_subject(db: None) -> None:
    suspension = make_suspension("jo\r\nBcc: victim@example.org\r\n\r\n<b>hi</b>", account_email="jo@example.org")
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    deliver_everything()
    assert len(mail.outbox) == 1
    assert_no_header_carries_a_line_break()
    assert mail.outbox[-1].subject == "Recourse: your sign-in link for @jo Bcc: victim@example.org <b>hi</b>"
    assert mail.outbox[-1].to == [suspension.account_email]
