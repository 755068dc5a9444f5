"""Create a staff account from the command line (the first administrator, deployment scripts) through the same
service admin uses, so it gets its roles and its line in the audit trail. `createsuperuser` would do neither."""

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create
from portal.audit.actors import Actor
from portal.rules import RuleViolation

PASSWORD_VARIABLE = "RECOURSE_STAFF_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a staff account with its roles. Asks for the password, or reads it from "
        f"{PASSWORD_VARIABLE} with --no-input. The person sets up their authenticator app at the first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="Full name, as colleagues and the audit trail show it.")
        parser.add_argument(
            "--role", action="append", dest="roles", choices=Role.values, required=True, help="Repeat for more."
        )
        parser.add_argument("--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an email address.") from error
        user = User(email=email, full_name=options["name"].strip())
        user.set_password(self._password(user, interactive=options["interactive"]))
        try:
            staff_create(
                actor=Actor.system("manage.py staff_create"), user=user, roles=[Role(r) for r in options["roles"]]
            )
        except RuleViolation as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Created {user.email} ({', '.join(user.role_names)}).")

    def _password(self, user: User, *, interactive: bool) -> str:
        if interactive:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The two passwords differ.")
        else:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"With --no-input, set the password in {PASSWORD_VARIABLE}.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password
