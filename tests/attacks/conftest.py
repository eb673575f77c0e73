"""The attack suite (`pytest -m attacks`): the promises of docs/GUARANTEES.md, each broken on purpose.

Shared here: the `attacks` marker, a real worker that logs at INFO (so leaks have somewhere
to show up), a "world" of two tenants with real resources of every kind, and a snapshot of
everything one tenant owns in the database (to prove an attack changed nothing).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "attacks: security attack suite (docs/GUARANTEES.md)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.attacks)


AI_KEY = "sk-attack-CANARY-KEY-0123456789"


@pytest.fixture(scope="package")
def fake_llm():
    """A scriptable OpenAI-compatible server; organizations that allow external AI are analysed by it."""
    from tests.fake_llm_server import FakeLLMServer
    srv = FakeLLMServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="package")
def worker(app, fake_llm):
    """A real Celery worker on every queue, logging at INFO (the production level), with a model
    provider configured (used only for organizations that opted in to external AI). Package scope:
    it stops when the attack suite ends, so it never takes other packages' tasks; the session-wide
    worker (started by an earlier package) is paused meanwhile, so it never takes the suite's tasks."""
    from tests.procs import shared_worker_paused, start_worker
    paused = shared_worker_paused().__enter__()
    proc = start_worker(name="attacks", env={"LOG_LEVEL": "INFO", "AI_PROVIDER": "openai", "OPENAI_API_KEY": AI_KEY,
                                              "OPENAI_BASE_URL": fake_llm.openai_base_url, "OPENAI_MODEL": "gpt-test",
                                              "AI_TIMEOUT": "10"})
    yield proc
    proc.stop()
    paused.__exit__(None, None, None)


@pytest.fixture(scope="session")
def spec(app):
    from tests.attacks.openapi_ops import load_spec
    return load_spec(app)


@pytest.fixture(scope="session")
def operations(app, spec):
    from tests.attacks.openapi_ops import load_operations
    return load_operations(app, spec)


# ------------------------------------------------------------------------------------ database

from tests.pg import db_url, pg  # noqa: E402,F401  (the suite's modules import them from here)


def tenant_snapshot(org_ids, user_ids=()) -> dict:
    """A digest of every row that belongs to these organizations (and users), table by table.

    Tables are found from the live schema: any table with organization_id, and any table
    whose foreign key reaches one (document_pages, chat_messages, ...), so new tables count too.
    """
    org_ids = [str(o) for o in org_ids]
    user_ids = [str(u) for u in user_ids]
    out = {}
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND column_name = 'organization_id'")
        org_tables = sorted({r[0] for r in cur.fetchall()})
        for t in org_tables:
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(x::text, \'|\' ORDER BY x::text), \'\')) '
                        f'FROM "{t}" x WHERE organization_id = ANY(%s::uuid[])', (org_ids,))
            out[t] = cur.fetchone()
        cur.execute("""
            SELECT cl.relname, att.attname, pcl.relname
            FROM pg_constraint con
            JOIN pg_class cl ON cl.oid = con.conrelid
            JOIN pg_class pcl ON pcl.oid = con.confrelid
            JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
            WHERE con.contype = 'f' AND array_length(con.conkey, 1) = 1
        """)
        for child, col, parent in cur.fetchall():
            if child in org_tables or parent not in org_tables:
                continue
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(x::text, \'|\' ORDER BY x::text), \'\')) '
                        f'FROM "{child}" x WHERE "{col}" IN (SELECT id FROM "{parent}" '
                        f'WHERE organization_id = ANY(%s::uuid[]))', (org_ids,))
            out[f"{child}.{col}"] = cur.fetchone()
        for t, col in (("organizations", "id"), ("users", "id"), ("api_tokens", "user_id"),
                       ("memberships", "user_id")):
            ids = org_ids if t == "organizations" else user_ids
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(x::text, \'|\' ORDER BY x::text), \'\')) '
                        f'FROM "{t}" x WHERE "{col}" = ANY(%s::uuid[])', (ids,))
            out[f"{t}.{col}"] = cur.fetchone()
    return out


def snapshot_diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# --------------------------------------------------------------------------------------- world

@dataclass
class World:
    """Two tenants. `owner` runs a shared organization with a VIEWER; `outsider` has its own
    resources. Every resource kind the API exposes by id exists in the owner's organization."""
    owner: object
    viewer: object
    outsider: object
    org_id: str
    marker: str
    ids: dict = field(default_factory=dict)
    outsider_ids: dict = field(default_factory=dict)
    known: dict = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        """Strings only the owner's organization holds: none may reach the outsider."""
        return [self.marker]

    def snapshot(self):
        return tenant_snapshot([self.org_id, self.owner.org_id],
                               [self.owner.id, self.viewer.id])


def _insert_private_rows(app, org_id, case_id, user_id, marker) -> dict:
    """Resources created straight in the database (their APIs may still be in the works)."""
    from app.extensions import db
    from app.models import Chat, Deadline, Notification, OAuthIdentity
    from app.models.base import utcnow
    with app.app_context():
        deadline = Deadline(organization_id=uuid.UUID(org_id), case_id=uuid.UUID(case_id),
                            created_by_id=uuid.UUID(user_id), title=f"Answer due {marker}",
                            due_date=date.today() + timedelta(days=40), status="PENDING", reminders=[7, 1])
        note = Notification(user_id=uuid.UUID(user_id), organization_id=uuid.UUID(org_id), kind="deadline",
                            title=f"Reminder {marker}", body=f"Reminder body {marker}", case_id=uuid.UUID(case_id),
                            created_at=utcnow())
        chat = Chat(organization_id=uuid.UUID(org_id), case_id=uuid.UUID(case_id), user_id=uuid.UUID(user_id),
                    created_at=utcnow())
        identity = OAuthIdentity(user_id=uuid.UUID(user_id), provider="oidc", issuer="https://idp.example",
                                 subject=f"subject-{marker}", created_at=utcnow())
        db.session.add_all([deadline, note, chat, identity])
        db.session.commit()
        out = {"deadline_id": str(deadline.id), "notification_id": str(note.id), "chat_id": str(chat.id),
               "identity_id": str(identity.id)}
        db.session.remove()
        return out


def build_world(app, *, process_document=True) -> World:
    from tests.e2e.helpers import upload, wait_document
    from tests.factories import ApiUser, join
    marker = f"TENANT-SECRET-{uuid.uuid4().hex[:10]}"
    owner = ApiUser.register(app, name="Olive Owner")
    viewer = ApiUser.register(app, name="Victor Viewer")
    outsider = ApiUser.register(app, name="Mallory Outsider")
    org = owner.post("/api/v1/organizations", json={"name": f"Legal Aid {marker}"}).get_json()
    org_id = org["id"]
    join(owner, viewer, org_id, "VIEWER")
    case = owner.create_case(org=org_id, title=f"Case {marker}", case_number=f"26-C-{marker[-6:]}")
    party = owner.post(f"/api/v1/cases/{case['id']}/parties", json={"name": f"Party {marker}", "role": "TENANT"},
                       org=org_id).get_json()["party"]
    text = (f"NOTICE TO QUIT {marker}\nYou must vacate the premises within 14 days of January 5, 2031.\n"
            f"Landlord: Acme Properties LLC. Tenant: Jane Doe. Rent owed: $1,250.00.\n").encode()
    r = upload(owner, case["id"], text, filename=f"notice-{marker}.txt", title=f"Notice {marker}")
    assert r.status_code == 202, r.get_json()
    doc, job = r.get_json()["document"], r.get_json()["job"]
    if process_document:
        assert wait_document(owner, doc["id"], timeout=120)["status"] == "PROCESSED"
    # A pending invitation (to an address with no account yet) and a member: the owner's own id, so a
    # VIEWER trying to change or remove it is refused, not leaving itself.
    assert owner.post(f"/api/v1/organizations/{org_id}/members",
                      json={"email": f"invitee-{marker.lower()}@example.test", "role": "MEMBER"}).status_code == 202
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM organization_invitations WHERE organization_id = %s", (org_id,))
        invitation_id = str(cur.fetchone()[0])
    ids = {"org_id": org_id, "case_id": case["id"], "party_id": party["id"], "document_id": doc["id"],
           "job_id": job["id"], "user_id": owner.id, "invitation_id": invitation_id}
    ids.update(_insert_private_rows(app, org_id, case["id"], owner.id, marker))
    other_case = outsider.create_case(title="Outsider case")
    outsider_ids = {"org_id": outsider.org_id, "case_id": other_case["id"]}
    forms = owner.get("/api/v1/forms").get_json() or {}
    form_id = next((f["id"] for f in forms.get("items", [])), "no-such-form")
    known = {"form_id": form_id, "email": viewer.email, "jurisdiction": "US-WV", "timezone": "America/New_York",
             "name": "Acme", "q": "notice", "title": "attack", "message": "What is due?", "topic": "eviction answer",
             "key": "not-a-calendar-key", "token": "not-a-download-token",
             "trigger_date": "2031-03-17", "due_date": "2031-03-17"}
    return World(owner=owner, viewer=viewer, outsider=outsider, org_id=org_id, marker=marker, ids=ids,
                 outsider_ids=outsider_ids, known=known)
