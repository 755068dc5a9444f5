import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from portal.audit.models import AuditEvent

STRONG = "correct horse battery staple 42"


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("staff_create", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_first_administrator_gets_the_role_admin_access_and_an_audit_event(monkeypatch, roles) -> None:
    monkeypatch.setenv("RECOURSE_STAFF_PASSWORD", STRONG)
    out = create("--email", " Ada@Example.org ", "--name", "Ada Admin", "--role", "Administrator", "--no-input")
    ada = User.objects.get()
    assert out == "Created ada@example.org (Administrator).\n"
    assert (ada.email, ada.full_name, ada.role_names, ada.is_staff) == (
        "ada@example.org",
        "Ada Admin",
        ["Administrator"],
        True,
    )
    assert ada.check_password(STRONG)
    event = AuditEvent.objects.get(action="staff.created")
    assert (event.actor_kind, event.actor_label, event.target_id) == ("system", "manage.py staff_create", str(ada.pk))


@pytest.mark.django_db
def test_a_reviewer_may_not_use_admin(monkeypatch, roles) -> None:
    monkeypatch.setenv("RECOURSE_STAFF_PASSWORD", STRONG)
    create("--email", "rita@example.org", "--name", "Rita", "--role", "Reviewer", "--no-input")
    assert not User.objects.get().is_staff


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "With --no-input, set the password in RECOURSE_STAFF_PASSWORD."),
        ("password", "This password is too common."),
    ],
)
def test_a_missing_or_weak_password_creates_nothing(monkeypatch, roles, password: str, message: str) -> None:
    monkeypatch.setenv("RECOURSE_STAFF_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        create("--email", "ada@example.org", "--name", "Ada", "--role", "Administrator", "--no-input")
    assert not User.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_an_address_already_in_use_or_malformed_is_refused(monkeypatch, roles) -> None:
    monkeypatch.setenv("RECOURSE_STAFF_PASSWORD", STRONG)
    create("--email", "ada@example.org", "--name", "Ada", "--role", "Administrator", "--no-input")
    with pytest.raises(CommandError, match="A staff account with the address ada@example.org already exists."):
        create("--email", "ADA@example.org", "--name", "Other", "--role", "Reviewer", "--no-input")
    with pytest.raises(CommandError, match="'not-an-address' is not an email address."):
        create("--email", "not-an-address", "--name", "X", "--role", "Reviewer", "--no-input")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_password_is_asked_twice_and_must_match(monkeypatch, roles) -> None:
    answers = iter([STRONG, STRONG + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="The two passwords differ."):
        create("--email", "ada@example.org", "--name", "Ada", "--role", "Administrator")
    assert not User.objects.exists()
