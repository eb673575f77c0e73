"""Operator commands for an organization that leaves: export its data, then delete it.

    flask orgs export ORG_ID out.zip     its cases and documents, decrypted, for the person who leaves
    flask orgs delete ORG_ID --confirm "<name>"   every row and blob; its data keys go with them
                                                  (backups taken before keep theirs: see BACKUP_NOTICE)
"""
from __future__ import annotations

import os
import uuid

import click

from app.accounts import organizations
from app.cases import export
from app.cli.commands import orgs_cli
from app.extensions import db
from app.models import Organization
from app.platform import runtime
from app.platform.errors import Conflict, NotFound


def _org(value) -> Organization:
    try:
        org = db.session.get(Organization, uuid.UUID(str(value)))
    except ValueError:
        raise click.BadParameter("not a UUID", param_hint="ORG_ID") from None
    if org is None:
        raise click.ClickException(f"no organization {value}")
    return org


@orgs_cli.command("export")
@click.argument("org_id")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
def export_org(org_id, dest):
    """Write ORG_ID's cases, parties, deadlines and documents (decrypted) to DEST, a new .zip."""
    org = _org(org_id)
    if os.path.exists(dest):
        raise click.ClickException(f"{dest} exists; choose a new file name")
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # plaintext inside: owner-only
    try:
        with os.fdopen(fd, "wb") as fh:
            counts = export.export_organization(org.id, fh)
    except Exception:
        os.unlink(dest)
        raise
    click.echo(f"exported {counts['cases']} case(s) and {counts['documents']} document(s) to {dest}")
    click.echo("this file holds plaintext: hand it over on an encrypted channel, then delete it")


@orgs_cli.command("delete")
@click.argument("org_id")
@click.option("--confirm", "confirm_name", required=True, help="The organization's exact name.")
def delete_org(org_id, confirm_name):
    """Delete ORG_ID: every row and stored blob, and so its data keys; the audit trail is kept."""
    org = _org(org_id)
    if confirm_name != org.name:
        raise click.ClickException("--confirm does not match the organization's name; nothing deleted")
    try:
        result = organizations.delete_organization(org.id)
    except (Conflict, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(result["rows"].values())
    click.echo(f"deleted organization {org_id}: {rows} row(s), {result['blobs']} blob(s); audit trail kept")
    click.echo(BACKUP_NOTICE.format(key_id=runtime.current().keyring.current_key_id))


# What deletion cannot reach: the wrapped data keys inside backups taken before it (docs/GUARANTEES.md).
BACKUP_NOTICE = """backups taken before now still hold this organization's rows and blobs, readable with master key {key_id}.
To shred those copies too: set a new ENCRYPTION_KEY (flask keys generate) with the old one in ENCRYPTION_OLD_KEYS,
run `flask keys rotate`, take a new backup, and destroy key {key_id} once no backup you keep names it."""
