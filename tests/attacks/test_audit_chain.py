"""The audit trail is tamper-evident and append-only (guarantee 15).

Tampering is done the way an attacker with the database superuser would: inside a
transaction, with the append-only trigger disabled. `flask audit verify` runs in that same
transaction (same app context, same session), must exit 1 and name the first broken
event; the transaction is then rolled back, so the shared test database is untouched.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import uuid

import pytest
import sqlalchemy as sa
from psycopg2 import errors as pgerr

from tests.attacks.conftest import pg
from tests.conftest import ROOT


@pytest.fixture()
def events(app):
    """A few fresh audit events of our own, so there are rows before and after the tampered one."""
    from app.extensions import db
    from app.accounts import audit
    with app.app_context():
        ids = []
        for i in range(4):
            ev = audit.record("attack.test", "test", f"row-{i}", details={"n": i, "run": uuid.uuid4().hex})
            ids.append(ev.id)
        db.session.commit()
        db.session.remove()
    return ids


def _verify(app):
    runner = app.test_cli_runner(mix_stderr=False) if _runner_takes_mix(app) else app.test_cli_runner()
    return runner.invoke(args=["audit", "verify"])


def _runner_takes_mix(app) -> bool:
    import inspect
    from click.testing import CliRunner
    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def _output(result) -> str:
    text = result.output or ""
    try:
        text += result.stderr or ""
    except ValueError:
        pass
    return text


def test_flask_audit_verify_passes_on_the_real_chain(app, events):
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "intact" in proc.stdout


def _tampered(app, statements, expect_broken_id):
    from app.extensions import db
    with app.app_context():
        try:
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            for sql, params in statements:
                db.session.execute(sa.text(sql), params)
            result = _verify(app)
            assert result.exit_code == 1, _output(result)
            assert f"BROKEN at event id {expect_broken_id}" in _output(result), _output(result)
        finally:
            db.session.rollback()
            db.session.remove()
    assert _verify(app).exit_code == 0  # rolled back: the real chain is intact again


def test_an_edited_event_is_named(app, events):
    target = events[1]
    _tampered(app, [("UPDATE audit_events SET action = 'case.nothing_happened' WHERE id = :id", {"id": target})],
              target)


def test_an_edited_event_with_its_own_hash_recomputed_breaks_the_next_link(app, events):
    from app.models import AuditEvent
    from app.accounts import audit
    target = events[1]
    with app.app_context():
        from app.extensions import db
        ev = db.session.get(AuditEvent, target)
        ev_details = dict(ev.details or {}, n=99)
        probe = AuditEvent(created_at=ev.created_at, organization_id=ev.organization_id, user_id=ev.user_id,
                           action=ev.action, resource_type=ev.resource_type, resource_id=ev.resource_id,
                           case_id=ev.case_id, client_ip=ev.client_ip, details=ev_details, prev_hash=ev.prev_hash)
        forged_hash = audit._digest(ev.prev_hash, probe)
        db.session.expunge_all()
        db.session.remove()
    import json
    _tampered(app, [("UPDATE audit_events SET details = CAST(:d AS json), hash = :h WHERE id = :id",
                     {"d": json.dumps(ev_details), "h": forged_hash, "id": target})], events[2])


def test_a_deleted_event_is_named_by_its_successor(app, events):
    _tampered(app, [("DELETE FROM audit_events WHERE id = :id", {"id": events[1]})], events[2])


def test_a_forged_event_slipped_into_the_chain_is_named(app, events):
    from app.extensions import db
    with app.app_context():
        prev = db.session.execute(sa.text("SELECT hash FROM audit_events WHERE id = :id"), {"id": events[0]}).scalar()
        db.session.remove()
    forged = ("INSERT INTO audit_events (id, created_at, action, resource_type, prev_hash, hash) "
              "VALUES (:id, now(), 'user.promote', 'user', :prev, :hash)")
    # An id between two real events would need a gap; put the forgery after the last one instead,
    # chained to an old event (a fork): it is named.
    with app.app_context():
        last = db.session.execute(sa.text("SELECT max(id) FROM audit_events")).scalar()
        db.session.remove()
    _tampered(app, [(forged, {"id": last + 1000, "prev": prev, "hash": uuid.uuid4().hex * 2})], last + 1000)


def test_the_application_role_cannot_update_or_delete_audit_rows(events):
    with pg(autocommit=False) as conn:
        for sql in ("UPDATE audit_events SET action = 'forged' WHERE id = %s",
                    "DELETE FROM audit_events WHERE id = %s"):
            cur = conn.cursor()
            cur.execute("SET LOCAL ROLE caseos_app")
            with pytest.raises(pgerr.InsufficientPrivilege):
                cur.execute(sql, (events[0],))
            conn.rollback()
        cur = conn.cursor()
        cur.execute("SET LOCAL ROLE caseos_app")
        with pytest.raises(pgerr.InsufficientPrivilege):
            cur.execute("TRUNCATE audit_events")
        conn.rollback()


def test_even_the_owner_cannot_update_delete_or_truncate_with_the_trigger_on(events):
    with pg(autocommit=False) as conn:
        for sql in ("UPDATE audit_events SET action = 'forged' WHERE id = %s", "DELETE FROM audit_events WHERE id = %s",
                    "TRUNCATE audit_events"):
            cur = conn.cursor()
            with pytest.raises(pgerr.RaiseException, match="append-only"):
                cur.execute(sql, (events[0],) if "%s" in sql else None)
            conn.rollback()


def test_concurrent_appends_never_fork_the_chain(app):
    from app.extensions import db
    from app.accounts import audit
    errors = []

    def append(n):
        try:
            with app.app_context():
                for i in range(5):
                    audit.record("attack.concurrent", "test", f"{n}-{i}")
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT prev_hash, count(*) FROM audit_events GROUP BY prev_hash HAVING count(*) > 1")
        assert cur.fetchall() == []
    assert _verify(app).exit_code == 0


def test_a_consistently_rechained_rewrite_is_detected(app, events):
    from app.extensions import db
    from app.models import AuditEvent
    from app.accounts import audit
    with app.app_context():
        try:
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            db.session.execute(sa.text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            rows = db.session.execute(sa.select(AuditEvent).where(AuditEvent.id >= events[1])
                                      .order_by(AuditEvent.id)).scalars().all()
            prev = rows[0].prev_hash
            rows[0].action = "case.nothing_happened"
            for ev in rows:
                ev.prev_hash = prev
                # The attacker can write the table but does not hold the chain key (it is not in the database).
                ev.hash = audit._digest(prev, ev, key=b"a guess at the chain key")
                prev = ev.hash
            db.session.flush()
            result = _verify(app)
            assert result.exit_code == 1, "a re-chained rewrite passed `flask audit verify`"
        finally:
            db.session.rollback()
            db.session.remove()


def test_cutting_back_the_newest_events_is_caught_by_an_anchor(app, events):
    """The chain alone cannot show that its newest events were deleted; an anchor kept elsewhere can."""
    from app.extensions import db
    runner = app.test_cli_runner()
    anchor = runner.invoke(args=["audit", "anchor"]).output.strip()
    head_id, _, digest = anchor.partition(":")
    assert int(head_id) >= events[-1] and len(digest) == 64
    assert runner.invoke(args=["audit", "verify", "--anchor", anchor]).exit_code == 0
    with app.app_context():
        try:
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            db.session.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": events[2]})
            assert _verify(app).exit_code == 0  # the rest of the chain is still consistent...
            result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
            assert result.exit_code == 1  # ...but the anchored event is gone
            assert f"anchored event {head_id} is missing" in _output(result)
        finally:
            db.session.rollback()
            db.session.remove()
    assert runner.invoke(args=["audit", "verify", "--anchor", "12:not-a-hash"]).exit_code == 2


def test_beat_logs_an_anchor_every_hour(app):
    import celeryconfig
    from app.accounts import audit
    schedule = celeryconfig.from_config(app.config["CASEOS_CONFIG"])["beat_schedule"]
    assert schedule["audit.anchor"]["task"] == "maintenance.audit_anchor"
    from workers.tasks.maintenance import audit_anchor
    with app.app_context():
        head = audit.head()
    assert audit_anchor.apply().get() == f"{head[0]}:{head[1]}"
