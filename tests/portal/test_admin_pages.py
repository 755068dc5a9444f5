import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from appeals.models import Appeal
from portal.audit.models import AuditEvent
from tests.conftest import staff_client
from tests.factories import make_appeal

READ_ONLY_MODELS = [
    "appeals.suspension",
    "appeals.notice",
    "appeals.appeal",
    "appeals.decision",
    "appeals.message",
    "appeals.evidence",
    "appeals.wave",
    "audit.auditevent",
    "notifications.notification",
]


def signed_in(user: User) -> Client:
    return staff_client(user)


@pytest.mark.parametrize("model", [*READ_ONLY_MODELS, "accounts.user"])
def test_every_admin_list_opens_for_an_administrator_with_search_and_filters(
    ada: User, alice_appeal: Appeal, model: str, django_assert_max_num_queries
) -> None:
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    client = signed_in(ada)
    for _ in range(3):
        make_appeal()
    with django_assert_max_num_queries(15):
        response = client.get(url, {"q": "alice"})
    assert response.status_code == 200
    assert b'id="changelist-filter"' in response.content or model == "appeals.wave"


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_records_written_by_services_cannot_be_added_in_admin(ada: User, model: str) -> None:
    app_label, model_name = model.split(".")
    response = signed_in(ada).get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert response.status_code == 403


def test_an_appeal_and_its_suspension_open_read_only_with_their_history(ada: User, alice_appeal: Appeal) -> None:
    client = signed_in(ada)
    appeal_page = client.get(reverse("admin:appeals_appeal_change", args=[alice_appeal.pk]))
    suspension_page = client.get(reverse("admin:appeals_suspension_change", args=[alice_appeal.suspension_id]))
    assert appeal_page.status_code == suspension_page.status_code == 200
    assert alice_appeal.statement.encode() in appeal_page.content
    assert alice_appeal.reference.encode() in suspension_page.content  # the appeals inline
    assert b"alice@example.org" in suspension_page.content  # the notices inline
    assert b'name="_save"' not in appeal_page.content and b'name="_save"' not in suspension_page.content


def test_a_reviewer_cannot_enter_the_admin_site(rita: User) -> None:
    response = signed_in(rita).get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_an_administrator_without_the_second_factor_cannot_enter_the_admin_site(ada: User) -> None:
    client = Client()
    client.force_login(ada, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("staff:login"))


def test_an_administrator_changes_a_role_in_admin_and_it_is_audited(ada: User, rita: User) -> None:
    client = signed_in(ada)
    url = reverse("admin:accounts_user_change", args=[rita.pk])
    response = client.post(
        url, {"email": rita.email, "full_name": "Rita", "is_active": "on", "roles": ["Senior reviewer"]}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    rita = User.objects.get(pk=rita.pk)
    assert rita.role_names == ["Senior reviewer"]
    event = AuditEvent.objects.for_target(rita).get(action="staff.role_changed")
    assert event.actor_id == str(ada.pk) and event.ip == "127.0.0.1"
    assert event.data == {"added": ["Senior reviewer"], "removed": ["Reviewer"]}
