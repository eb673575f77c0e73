"""Operator commands: key rotation, search index, reprocessing failed documents."""
import click
import sqlalchemy as sa

from app.cli.commands import docs_cli, keys_cli, search_cli
from app.extensions import db
from app.platform.crypto import generate_master_key
from app.platform import keys
from app.search import search
from app.models import Document
from app.documents import documents
from app.platform import engine


@keys_cli.command("generate")
def generate_key():
    """Print a new random master key (base64, 32 bytes) for ENCRYPTION_KEY."""
    click.echo(generate_master_key())


@keys_cli.command("rotate")
def rotate_keys():
    """Re-wrap every data key under ENCRYPTION_KEY (old keys listed in ENCRYPTION_OLD_KEYS)."""
    counts = keys.rotate_all()
    left = keys.remaining_under_old_keys()
    click.echo(f"re-wrapped: {counts}; still under old keys: {left}")
    if left:
        raise SystemExit(1)


@search_cli.command("rebuild")
def rebuild_index():
    """Rebuild the full-text index from the encrypted page text."""
    n = search.rebuild()
    click.echo(f"indexed {n} documents")


@docs_cli.command("reprocess-failed")
@click.option("--code", default=None, help="Only documents that failed with this error code.")
def reprocess_failed(code):
    """Run the pipeline again for every FAILED document."""
    q = sa.select(Document).where(Document.status == "FAILED", Document.deleted_at.is_(None))
    if code:
        q = q.where(Document.error_code == code)
    started = []
    for doc in db.session.execute(q).scalars().all():
        doc.status, doc.error_code, doc.error_message = "QUEUED", None, None
        job = documents.start_processing(doc, None, reason="operator")
        db.session.commit()
        engine.start(job)
        started.append(str(doc.id))
    click.echo(f"reprocessing {len(started)} documents")
