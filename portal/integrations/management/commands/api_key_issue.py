"""Issue an API key from the command line (deployment scripts, first set-up); admin does the same in the browser."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.audit.actors import Actor
from portal.integrations.models import Integration, Scope
from portal.integrations.services import api_key_issue


class Command(BaseCommand):
    help = "Issue an API key for an integration (made if missing) and print it once. Only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("integration", help="The integration's name, e.g. 'Example platform'.")
        parser.add_argument("--name", default="command line", help="What the key is for.")
        parser.add_argument(
            "--scope", action="append", dest="scopes", choices=Scope.values, required=True, help="Repeat for more."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["integration"].strip()
        if not name:
            raise CommandError("Name the integration.")
        integration, _created = Integration.objects.get_or_create(name=name)
        issued = api_key_issue(
            actor=Actor.system("manage.py api_key_issue"),
            integration=integration,
            name=options["name"],
            scopes=options["scopes"],
        )
        self.stderr.write(f"Key {issued.key.prefix} for {integration.name} ({', '.join(issued.key.scopes)}):")
        self.stdout.write(issued.plaintext)
