"""`flask` commands for operators: the groups and their commands, registered by create_app()."""
from app.cli import documents, keys, orgs  # noqa: F401  (their commands attach to the groups)
from app.cli.backup import COMMANDS
from app.cli.commands import GROUPS


def init_app(app):
    for group in GROUPS:
        app.cli.add_command(group)
    for command in COMMANDS:
        app.cli.add_command(command)
