"""Row-level security settings for each database transaction (PostgreSQL).

Migration 0009 puts the tenant tables under policies that read two settings:

* ``caseos.org_ids``: comma-separated organization ids the transaction may see and write;
* ``caseos.bypass``: ``on`` for trusted code acting across organizations.

A hook on every SQLAlchemy transaction begin (ORM sessions and Core connections alike, e.g.
the worker's lease keeper) sets both with ``set_config(..., is_local => true)``, from what the
current app context recorded:

* in an HTTP request: nothing until the principal is resolved (tenancy.principal_for
  calls :func:`scope_to_orgs` with every organization of the signed-in user), so a route
  that never resolves a principal sees no tenant row at all;
* outside a request (Celery tasks and their helper threads, ``flask`` commands): bypass,
  because workers act on jobs of every organization; code there may still narrow itself with
  :func:`scope_to_orgs`. (So request code must not hand queries to threads without its app
  context: they would run trusted.)
* :func:`bypass` lets a request handler that aggregates across organizations on purpose
  (the metrics endpoint) say so explicitly.

Settings are transaction-local, so a pooled connection never carries them into another
request. Connected as a superuser or as the tables' owner without FORCE, the policies
are not applied at all and these settings are harmless; the application role
``caseos_app`` owns nothing, so they are.
"""
from __future__ import annotations

from flask import g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from app.extensions import db

ORGS_SETTING = "caseos.org_ids"
BYPASS_SETTING = "caseos.bypass"
_KEY = "_caseos_rls"
_SQL = "SELECT set_config('caseos.org_ids', %s, true), set_config('caseos.bypass', %s, true)"


def _recorded():
    return g.get(_KEY) if has_app_context() else None


def current_settings() -> tuple[str, str]:
    """(org_ids, bypass) for a transaction starting now."""
    state = _recorded()
    if state is None:
        # A request sees nothing until it knows who is asking; background code is trusted.
        return ("", "off") if has_request_context() else ("", "on")
    return state


def scope_to_orgs(org_ids, session=None) -> None:
    """Limit this app context's transactions to these organizations (the current one too)."""
    value = ",".join(sorted({str(o) for o in org_ids}))
    _record((value, "off"), session)


def bypass(session=None) -> None:
    """Trusted code that acts across organizations on purpose (never with user-chosen scope)."""
    _record(("", "on"), session)


def _record(state, session=None) -> None:
    if not has_app_context():
        raise RuntimeError("row-level security settings need an app context")
    setattr(g, _KEY, state)
    if session is None:
        session = db.session()  # the scoped session's current Session
    # The hook applies it at the next transaction; a transaction already open gets it now.
    if session.in_transaction():
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(_SQL, state)


def init_app():
    """Install the hook that starts every transaction with the tenancy settings (create_app calls this)."""
    if not event.contains(Engine, "begin", _apply_on_begin):
        event.listen(Engine, "begin", _apply_on_begin)


def _apply_on_begin(conn):
    """Every transaction of every engine starts with this request's (or this worker's) settings.

    Runs inside SQLAlchemy's begin, so it talks to the DBAPI connection directly: psycopg2
    opens the transaction with this very statement and the settings live until it ends.
    """
    if conn.dialect.name != "postgresql":
        return
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_SQL, current_settings())
    finally:
        cursor.close()
