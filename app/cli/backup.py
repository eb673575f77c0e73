"""`flask backup` and `flask restore`: the database and every stored blob in one archive.

    flask backup /backups/caseos-2026-12-07.tar      # while the app runs
    flask restore /backups/caseos-2026-12-07.tar     # into an empty database and storage, then checks every document

The archive holds ciphertext and the database; the master keys stay out of it (see app/platform/backup.py).
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.documents import maintenance
from app.platform import backup as backups


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(dest):
    """Write the database and every stored blob to DEST (a new .tar file); the keys stay out of it."""
    try:
        s = backups.create(dest)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {dest}: {s.database} database, {s.blobs} blob(s), {s.bytes} bytes")
    click.echo("keep ENCRYPTION_KEY, SECRET_KEY and AUDIT_KEY apart from it: without them it cannot be read")


@click.command("restore")
@click.argument("src", type=click.Path(dir_okay=False, exists=True, readable=True))
@click.option("--check/--no-check", default=True, show_default=True,
              help="Afterwards, decrypt every document and compare it with its recorded hash.")
@with_appcontext
def restore_command(src, check):
    """Restore an archive written by `flask backup` into an empty database and an empty storage."""
    try:
        s = backups.restore(src)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {s.database} database and {s.blobs} blob(s) ({s.bytes} bytes) from {src}")
    if check:
        problems = maintenance.check_blobs()
        for p in problems:
            click.echo(f"{p['document_id']}\t{p['problem']}\t{p['storage_key']}", err=True)
        if problems:
            raise click.ClickException(f"{len(problems)} document(s) not readable after the restore")
        click.echo("every document readable")


COMMANDS = (backup_command, restore_command)
