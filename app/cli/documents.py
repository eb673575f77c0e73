"""Operator commands for documents, keys and the search index.

    flask documents check   every stored blob decrypts and matches its recorded hash (never deletes)
    flask documents sweep   re-enqueue lost or stalled jobs, remove orphan blobs

Commands register on the click groups defined in app/cli/commands.py; keep one section per group.
"""
from __future__ import annotations

import json
import uuid

import click

from app.cli.commands import docs_cli
from app.documents import maintenance
from app.platform.storage import organization_prefix
from app.platform import engine


# --- documents: integrity and recovery -----------------------------------------------------------

@docs_cli.command("check")
@click.option("--organization", "organization_id", default=None, help="Only this organization's documents.")
@click.option("--limit", type=int, default=None, help="Check at most this many documents (oldest first).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per problem.")
def check_documents(organization_id, limit, as_json):
    """Check every stored document: it exists, decrypts and matches its recorded SHA-256.

    Prints one line per problem (missing, corrupted, hash mismatch, unreadable) and exits 1 if
    there is any. Never deletes or changes anything: restore the blob from a backup instead."""
    org = _uuid(organization_id, "--organization") if organization_id else None
    problems = maintenance.check_blobs(limit=limit, organization_id=org)
    for p in problems:
        if as_json:
            click.echo(json.dumps(p, sort_keys=True))
        else:
            click.echo(f"{p['document_id']}\t{p['problem']}\t{p['storage_key']}")
    if problems:
        click.echo(f"{len(problems)} document(s) with a problem", err=True)
        raise SystemExit(1)
    click.echo("all stored documents intact", err=True)


@docs_cli.command("sweep")
@click.option("--jobs/--no-jobs", "do_jobs", default=True, show_default=True,
              help="Re-enqueue jobs whose message was lost or whose worker died.")
@click.option("--orphans/--no-orphans", "do_orphans", default=True, show_default=True,
              help="Remove stored blobs (and abandoned multipart uploads) that no document owns.")
@click.option("--idle-seconds", type=int, default=None,
              help="Re-enqueue jobs idle this long (default: JOB_IDLE_SECONDS or 120).")
@click.option("--orphan-min-age", type=int, default=3600, show_default=True,
              help="Only remove orphan blobs older than this (an upload may be about to commit its row).")
@click.option("--organization", "organization_id", default=None, help="Only sweep this organization's blobs.")
def sweep_documents(do_jobs, do_orphans, idle_seconds, orphan_min_age, organization_id):
    """Run the maintenance sweep now (what beat runs every minute, and hourly for orphans)."""
    if do_jobs:
        click.echo(f"re-enqueued {engine.requeue_stale(idle_seconds=idle_seconds)} job(s)")
    if do_orphans:
        prefix = organization_prefix(_uuid(organization_id, "--organization")) if organization_id else "orgs/"
        removed = maintenance.sweep_orphan_blobs(min_age_seconds=orphan_min_age, prefix=prefix)
        click.echo(f"removed {removed} orphan blob(s)")


def _uuid(value, name):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise click.BadParameter("not a UUID", param_hint=name) from None
