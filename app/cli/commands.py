"""`flask` commands for operators."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.extensions import db
from app.accounts import users as accounts
from app.models import Membership, Organization
from app.accounts import audit
from app.deadlines import engine

users_cli = AppGroup("users", help="Manage users.")
orgs_cli = AppGroup("orgs", help="Inspect organizations.")
audit_cli = AppGroup("audit", help="Audit trail.")
docs_cli = AppGroup("documents", help="Documents and their stored blobs.")
keys_cli = AppGroup("keys", help="Encryption keys.")
search_cli = AppGroup("search", help="Full-text search index.")
rules_cli = AppGroup("rules", help="Court-deadline rule files.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--user-type", default="STAFF", type=click.Choice(["SELF_REPRESENTED", "ATTORNEY", "STAFF"]))
def create_user(email, name, password, user_type):
    """Create a user (with a personal organization)."""
    user = accounts.register(email, password, name, user_type)
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}>")


@orgs_cli.command("list")
def list_orgs():
    """List organizations with their member counts."""
    rows = db.session.execute(sa.select(Organization, sa.func.count(Membership.id))
                              .join(Membership, Membership.organization_id == Organization.id, isouter=True)
                              .group_by(Organization.id).order_by(Organization.created_at)).all()
    for org, n in rows:
        click.echo(f"{org.id}\t{n} members\t{'personal' if org.personal else 'shared'}\t{org.name}")


@audit_cli.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="ID:HASH",
              help="An anchor printed earlier by `audit anchor` (or logged hourly by beat); repeatable.")
def verify_audit(anchors):
    """Verify the hash chain of the audit trail; names the first broken link. With --anchor, also
    proves the trail still reaches each anchored event (deleting the newest events breaks no link)."""
    ok, broken, count = audit.verify_chain()
    if not ok:
        click.echo(f"audit chain BROKEN at event id {broken}", err=True)
        raise SystemExit(1)
    for anchor in anchors:
        event_id, _, digest = anchor.partition(":")
        if not event_id.isdigit() or len(digest) != 64:
            raise click.BadParameter(f"expected ID:HASH, got {anchor!r}", param_hint="--anchor")
        problem = audit.check_anchor(int(event_id), digest)
        if problem:
            click.echo(f"audit chain BROKEN: {problem}", err=True)
            raise SystemExit(1)
    click.echo(f"audit chain intact ({count} events" + (f", {len(anchors)} anchor(s) found)" if anchors else ")"))


@audit_cli.command("anchor")
def audit_anchor():
    """Print the newest event as ID:HASH; keep it outside the database to detect a cut-back trail."""
    h = audit.head()
    click.echo(f"{h[0]}:{h[1]}" if h else "the audit trail is empty")


@rules_cli.command("check")
@click.option("--dir", "rules_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="A rules directory other than the bundled one.")
def check_rules(rules_dir):
    """Check every rule file against the schema, its cross-references and its worked examples; exit 1 on any problem."""
    problems = engine.check_rules_dir(rules_dir or engine.RULES_DIR)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        raise SystemExit(1)
    eng = engine.load_engine(rules_dir or engine.RULES_DIR)
    n_rules = sum(len(j.rules) for j in eng.jurisdictions.values())
    n_examples = sum(len(r.examples) for j in eng.jurisdictions.values() for r in j.rules)
    unverified = sum(1 for j in eng.jurisdictions.values() for r in j.rules if not r.current().verified)
    click.echo(f"rules OK: {len(eng.jurisdictions)} jurisdictions, {n_rules} rules ({unverified} not verified), "
               f"{n_examples} worked examples")


GROUPS = (users_cli, orgs_cli, audit_cli, docs_cli, keys_cli, search_cli, rules_cli)
