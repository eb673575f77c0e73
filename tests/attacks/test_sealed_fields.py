"""Issue 16, finding 5 (second half): database access alone reveals none of the texts that need not be
read in SQL. Party contacts, deadline titles and quoted sentences, notification titles and bodies
(in the notifications table and in the event log), document titles and file names, case descriptions,
research topics and form values are sealed; the API gives every one of them back unchanged.

What stays readable, and why, is listed in the README's threat model; this test pins the sealed ones.
"""
from __future__ import annotations

import os
import uuid
from datetime import date, timedelta

from tests.attacks.conftest import pg
from tests.e2e.helpers import upload
from tests.factories import ApiUser
from tests.test_search_migration import _connect, _flask, owner_db  # noqa: F401  (fixture)


def _database_text() -> str:
    """Every row of every table of the test database, as PostgreSQL prints it (bytea as hex)."""
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [r[0] for r in cur.fetchall()]
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        out = []
        for t in tables:
            cur.execute(f'SELECT coalesce(string_agg(x::text, \'|\'), \'\') FROM "{t}" x')
            out.append(cur.fetchone()[0])
        cur.execute("ROLLBACK")
    return "\n".join(out)


def test_sealed_texts_are_not_in_any_database_row_and_the_api_gives_them_back(app):
    from app.cases import notifications
    from app.extensions import db
    from app.models import ReminderDelivery
    tag = uuid.uuid4().hex[:10]
    secret = {k: f"{k.upper()}-{tag}" for k in ("description", "contact", "deadline", "quote", "rule", "filename",
                                                 "doctitle", "note", "notebody", "topic", "formvalue")}
    user = ApiUser.register(app, name="Sealed Fields")
    case = user.create_case(description=f"Tenant story {secret['description']}")
    party = user.post(f"/api/v1/cases/{case['id']}/parties",
                      json={"name": "Acme Properties LLC", "role": "LANDLORD", "contact": secret["contact"]})
    assert party.status_code == 201, party.get_json()
    due = date.today() + timedelta(days=1)
    deadline = user.post(f"/api/v1/cases/{case['id']}/deadlines",
                         json={"title": f"Answer {secret['deadline']}", "due_date": due.isoformat(), "reminders": [1]})
    assert deadline.status_code == 201, deadline.get_json()
    deadline = deadline.get_json()["deadline"]
    doc = upload(user, case["id"], f"Notice {tag}".encode(), filename=f"{secret['filename']}.txt",
                 title=f"Notice {secret['doctitle']}")
    assert doc.status_code == 202, doc.get_json()
    doc = doc.get_json()["document"]
    research = user.post("/api/v1/research", json={"topic": f"eviction {secret['topic']}", "jurisdiction": "US-WV"})
    assert research.status_code == 202, research.get_json()
    forms = user.get("/api/v1/forms").get_json()["items"]
    fill = user.post(f"/api/v1/cases/{case['id']}/forms",
                     json={"form_id": forms[0]["id"], "values": {"not_a_field": secret["formvalue"]},
                           "allow_incomplete": True})
    assert fill.status_code in (202, 422), fill.get_json()
    with app.app_context():
        # A notification written through the ORM, one through a reminder (a bulk insert), and a quote.
        notifications.notify(uuid.UUID(user.id), uuid.UUID(user.org_id), "deadline_reminder",
                             f"Reminder {secret['note']}", f"Body {secret['notebody']}", case_id=uuid.UUID(case["id"]))
        from app.models import Deadline
        d = db.session.get(Deadline, uuid.UUID(deadline["id"]))
        d.quote = f"within twenty days {secret['quote']}"
        d.rule = f"20 days after service {secret['rule']}"
        row = db.session.query(ReminderDelivery).filter_by(deadline_id=d.id, channel="inapp").one()
        db.session.commit()
        sent = notifications.send_due(now=row.due_at + timedelta(minutes=1))
        assert sent.get("sent", 0) >= 1, sent  # this reminder (others due in a shared database may go too)
        db.session.remove()

    dump = _database_text()
    for name, value in secret.items():
        if name == "formvalue" and fill.status_code != 202:
            continue
        assert value not in dump, f"{name} is stored in plaintext"

    # The API behaves as before: every value comes back as it was written.
    got = user.get(f"/api/v1/cases/{case['id']}").get_json()["case"]
    assert got["description"] == f"Tenant story {secret['description']}"
    parties = user.get(f"/api/v1/cases/{case['id']}/parties").get_json()["items"]
    assert [p["contact"] for p in parties] == [secret["contact"]]
    got = user.get(f"/api/v1/deadlines/{deadline['id']}").get_json()["deadline"]
    assert got["title"] == f"Answer {secret['deadline']}" and got["quote"] == f"within twenty days {secret['quote']}"
    assert got["rule"] == f"20 days after service {secret['rule']}"
    got = user.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert got["title"] == f"Notice {secret['doctitle']}" and got["filename"] == f"{secret['filename']}.txt"
    notes = user.get("/api/v1/notifications").get_json()["items"]
    titles = {n["title"] for n in notes}
    assert f"Reminder {secret['note']}" in titles and any(secret["deadline"] in t for t in titles)
    assert f"Body {secret['notebody']}" in {n["body"] for n in notes}
    assert any(secret["deadline"] in (n["body"] or "") for n in notes)
    patched = user.patch(f"/api/v1/parties/{parties[0]['id']}", json={"contact": f"new {secret['contact']}"})
    assert patched.status_code == 200 and patched.get_json()["party"]["contact"] == f"new {secret['contact']}"
    assert f"new {secret['contact']}" not in _database_text()


def test_a_sealed_value_moved_to_another_row_is_refused(app):
    """Each value is bound to its row, field and organization: ciphertext copied over another row's
    (same organization, same field) does not read as that row's."""
    import pytest
    import sqlalchemy as sa
    from app.models import Party
    from app.extensions import db
    from app.platform.crypto import CryptoError
    user = ApiUser.register(app, name="Swap")
    case = user.create_case()
    ids = [user.post(f"/api/v1/cases/{case['id']}/parties",
                     json={"name": f"P{i}", "role": "OTHER", "contact": f"contact {i}"}).get_json()["party"]["id"]
           for i in range(2)]
    with app.app_context():
        a, b = (db.session.get(Party, uuid.UUID(i)) for i in ids)
        b.contact_sealed = a.contact_sealed
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(CryptoError):
            db.session.get(Party, uuid.UUID(ids[1])).contact
        db.session.rollback()
        # Leave no unreadable value behind (key rotation re-wraps every row of the database).
        db.session.execute(sa.delete(Party).where(Party.id == uuid.UUID(ids[1])))
        db.session.commit()
        db.session.remove()


FIELDS = {"cases": ("description",), "parties": ("contact",), "deadlines": ("title", "rule", "quote"),
          "notifications": ("title", "body"), "documents": ("title", "filename")}


def test_the_migration_seals_existing_rows_and_the_release_before_keeps_working_in_between(owner_db):  # noqa: F811
    """0023 (expand) only adds columns: the release before still reads and writes its plaintext. 0024
    (contract) seals every value, including those written in between, and the downgrade opens them."""
    from app.platform import crypto
    url, _owner = owner_db
    assert _flask(url, "upgrade", "0022").returncode == 0
    keyring = crypto.Keyring.from_env_values(os.environ["ENCRYPTION_KEY"], os.environ.get("ENCRYPTION_OLD_KEYS"))
    org, case, party, doc, dl, user, note = (uuid.uuid4() for _ in range(7))
    conn = _connect(url)

    def old_release_writes(suffix):
        with conn.cursor() as cur:
            cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
            cur.execute("UPDATE cases SET description = %s WHERE id = %s", (f"story {suffix}", str(case)))
            cur.execute("UPDATE parties SET contact = %s WHERE id = %s", (f"555-0100 {suffix}", str(party)))
            cur.execute("COMMIT")

    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("INSERT INTO organizations (id, name, personal, allow_external_ai, created_at, updated_at) "
                    "VALUES (%s, 'Old clinic', false, false, now(), now())", (str(org),))
        cur.execute("INSERT INTO users (id, email, password_hash, name, user_type, timezone, is_active, created_at, "
                    "updated_at) "
                    "VALUES (%s, 'old@example.test', 'x', 'Old', 'SELF_REPRESENTED', 'UTC', true, now(), now())", (str(user),))
        cur.execute("INSERT INTO cases (id, organization_id, title, description, case_type, court_type, jurisdiction, "
                    "status, created_at, updated_at) VALUES (%s, %s, 'Old case', 'story 0', 'OTHER', 'STATE_TRIAL', "
                    "'US-WV', 'OPEN', now(), now())", (str(case), str(org)))
        cur.execute("INSERT INTO parties (id, organization_id, case_id, name, normalized_name, role, contact, status, "
                    "created_at, updated_at) VALUES (%s, %s, %s, 'Acme', 'acme', 'OTHER', '555-0100 0', 'CONFIRMED', "
                    "now(), now())", (str(party), str(org), str(case)))
        cur.execute("INSERT INTO documents (id, organization_id, case_id, title, filename, sha256, size_bytes, "
                    "is_confidential, storage_key, wrapped_key, document_type_source, status, content_type, "
                    "created_at, updated_at) VALUES (%s, %s, %s, 'Eviction order', 'order-smith.pdf', 'x', 1, false, "
                    "'k', 'w', 'auto', 'PROCESSED', 'application/pdf', now(), now())", (str(doc), str(org), str(case)))
        cur.execute("INSERT INTO deadlines (id, organization_id, case_id, title, rule, due_date, status, quote, reminders, "
                    "created_at, updated_at) VALUES (%s, %s, %s, 'Answer Smith', '20 days after service', "
                    "'2031-01-01', 'PENDING', 'within 20 days', '[]', now(), now())", (str(dl), str(org), str(case)))
        cur.execute("INSERT INTO notifications (id, user_id, organization_id, kind, title, body, created_at) "
                    "VALUES (%s, %s, %s, 'deadline_reminder', 'Deadline: Answer Smith', 'Case: Old case', now())",
                    (str(note), str(user), str(org)))
        cur.execute("COMMIT")
    assert _flask(url, "upgrade", "0023").returncode == 0
    old_release_writes(1)  # the release before still runs during the rollout
    up = _flask(url, "upgrade")
    assert up.returncode == 0, up.stderr

    expected = {("cases", case): {"description": "story 1"}, ("parties", party): {"contact": "555-0100 1"},
                ("documents", doc): {"title": "Eviction order", "filename": "order-smith.pdf"},
                ("deadlines", dl): {"title": "Answer Smith", "rule": "20 days after service", "quote": "within 20 days"},
                ("notifications", note): {"title": "Deadline: Answer Smith", "body": "Case: Old case"}}
    purposes = {"cases": "case", "parties": "party", "documents": "document", "deadlines": "deadline",
                "notifications": "notification"}
    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        for (table, row_id), values in expected.items():
            cols = FIELDS[table]
            cur.execute(f"SELECT {', '.join(cols)}, {', '.join(c + '_sealed' for c in cols)} FROM {table} "
                        f"WHERE id = %s", (str(row_id),))
            got = cur.fetchone()
            assert got[:len(cols)] == (None,) * len(cols), (table, got)
            for col, blob in zip(cols, got[len(cols):]):
                aad = crypto.make_aad(org, row_id, f"{purposes[table]}.{col}")
                assert crypto.open_bytes(keyring, bytes(blob), aad).decode() == values[col], (table, col)
        cur.execute("ROLLBACK")
    down = _flask(url, "downgrade", "0022")
    assert down.returncode == 0, down.stderr
    with conn.cursor() as cur:
        cur.execute("BEGIN; SET LOCAL caseos.bypass = 'on'")
        cur.execute("SELECT description FROM cases WHERE id = %s", (str(case),))
        assert cur.fetchone()[0] == "story 1"
        cur.execute("SELECT title, filename FROM documents WHERE id = %s", (str(doc),))
        assert cur.fetchone() == ("Eviction order", "order-smith.pdf")
        cur.execute("ROLLBACK")
    conn.close()
