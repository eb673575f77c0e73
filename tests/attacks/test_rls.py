"""PostgreSQL row-level security: the second wall behind the application's tenant filter (guarantee 9).

The rest of the suite connects as the `postgres` superuser, which bypasses RLS. Here the
database is used as the application role `caseos_app` (which owns nothing): first with
plain SQL (SET ROLE inside a transaction), then with the whole application connected as a
login role that is a member of it (the deployment operators are told to use), including
an application whose tenant filter has been "forgotten" on purpose.
"""
from __future__ import annotations

import sys
import uuid
from urllib.parse import urlsplit

import pytest
from psycopg2 import errors as pgerr

from tests.attacks.conftest import pg
from tests.factories import ApiUser, case_payload

# Not under RLS on purpose (migration 0009): audit_events is append-only instead (its hash chain
# needs the globally latest event); memberships are read to find a request's organizations.
# organization_invitations: read by the invitee before it belongs to the organization (scoped by e-mail hash)
RLS_EXEMPT = {"audit_events", "memberships", "organization_invitations"}


@pytest.fixture(scope="module")
def tenants(app):
    alice = ApiUser.register(app, name="Alice RLS")
    mallory = ApiUser.register(app, name="Mallory RLS")
    case = alice.create_case(title="RLS private case")
    party = alice.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "RLS Party", "role": "TENANT"}).get_json()
    mcase = mallory.create_case(title="Mallory own case")
    return alice, mallory, case, party["party"], mcase


def _as_app_role(conn, orgs=None, bypass=None):
    cur = conn.cursor()
    cur.execute("SET LOCAL ROLE caseos_app")
    if orgs is not None:
        cur.execute("SELECT set_config('caseos.org_ids', %s, true)", (",".join(str(o) for o in orgs),))
    if bypass is not None:
        cur.execute("SELECT set_config('caseos.bypass', %s, true)", (bypass,))
    return cur


def test_the_application_role_exists_owns_nothing_and_cannot_bypass_rls():
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'caseos_app'")
        row = cur.fetchone()
        assert row is not None, "migration 0009 must create the caseos_app role"
        assert row == (False, False, False)
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'caseos_app'")
        assert cur.fetchone()[0] == 0


def test_every_tenant_table_has_forced_row_level_security():
    """A new table with organization_id (or hanging off one) must join the policy, or this fails."""
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND column_name = 'organization_id'")
        tenant = {r[0] for r in cur.fetchall()} - RLS_EXEMPT
        cur.execute("""SELECT DISTINCT cl.relname FROM pg_constraint con
                       JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class p ON p.oid = con.confrelid
                       WHERE con.contype = 'f' AND p.relname = ANY(%s)
                         AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'public'
                                         AND c.table_name = cl.relname AND c.column_name = 'organization_id')""",
                    (["documents", "chats"],))
        children = {r[0] for r in cur.fetchall()}
        cur.execute("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r'")
        flags = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
        cur.execute("SELECT tablename, array_agg(policyname) FROM pg_policies GROUP BY tablename")
        policies = {r[0]: set(r[1]) for r in cur.fetchall()}
    missing = sorted(t for t in tenant | children
                     if flags.get(t) != (True, True) or "tenant_isolation" not in policies.get(t, ()))
    assert not missing, f"tables without forced RLS and a tenant_isolation policy: {missing}"
    assert {"cases", "documents", "document_pages", "document_analyses", "parties", "jobs"} <= tenant | children


def test_without_an_organization_the_application_role_sees_no_tenant_row(tenants):
    alice, _, case, _, _ = tenants
    with pg(autocommit=False) as conn:
        cur = _as_app_role(conn)
        for table in ("cases", "parties", "documents", "jobs", "events", "deadlines", "document_pages"):
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone()[0] == 0, table
        conn.rollback()
    # control: the rows are there for the superuser
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases WHERE id = %s", (case["id"],))
        assert cur.fetchone()[0] == 1


def test_another_organization_sees_and_changes_nothing_of_alices(tenants):
    alice, mallory, case, party, mcase = tenants
    with pg(autocommit=False) as conn:
        cur = _as_app_role(conn, orgs=[mallory.org_id])
        cur.execute("SELECT id FROM cases")
        assert [str(r[0]) for r in cur.fetchall()] == [mcase["id"]]
        cur.execute("SELECT count(*) FROM cases WHERE id = %s", (case["id"],))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM parties WHERE id = %s", (party["id"],))
        assert cur.fetchone()[0] == 0
        cur.execute("UPDATE cases SET title = 'pwned' WHERE id = %s", (case["id"],))
        assert cur.rowcount == 0
        cur.execute("DELETE FROM parties WHERE id = %s", (party["id"],))
        assert cur.rowcount == 0
        # Writing a row into Alice's organization is refused by the policy's WITH CHECK.
        with pytest.raises(pgerr.InsufficientPrivilege):
            cur.execute("INSERT INTO cases (id, organization_id, title, case_type, court_type, jurisdiction, status, "
                        "created_at, updated_at) VALUES (%s, %s, 'planted', 'OTHER', 'STATE_TRIAL', 'US-MA', 'OPEN', "
                        "now(), now())", (str(uuid.uuid4()), alice.org_id))
        conn.rollback()
        # Moving one's own row into Alice's organization is refused too.
        cur = _as_app_role(conn, orgs=[mallory.org_id])
        with pytest.raises(pgerr.InsufficientPrivilege):
            cur.execute("UPDATE cases SET organization_id = %s WHERE id = %s", (alice.org_id, mcase["id"]))
        conn.rollback()
        # control: Alice's organization sees Alice's case; the trusted bypass sees both.
        cur = _as_app_role(conn, orgs=[alice.org_id])
        cur.execute("SELECT count(*) FROM cases WHERE id = %s", (case["id"],))
        assert cur.fetchone()[0] == 1
        conn.rollback()
        cur = _as_app_role(conn, bypass="on")
        cur.execute("SELECT count(*) FROM cases WHERE id = ANY(%s::uuid[])", ([case["id"], mcase["id"]],))
        assert cur.fetchone()[0] == 2
        conn.rollback()
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT title FROM cases WHERE id = %s", (case["id"],))
        assert cur.fetchone()[0] == "RLS private case"


def test_the_application_role_cannot_rewrite_the_migration_history():
    """(Its audit-trail privileges are proven in test_audit_chain.py.)"""
    with pg(autocommit=False) as conn:
        for sql in ("UPDATE alembic_version SET version_num = '0000'", "DELETE FROM alembic_version"):
            cur = _as_app_role(conn, bypass="on")
            with pytest.raises(pgerr.InsufficientPrivilege):
                cur.execute(sql)
            conn.rollback()


# ------------------------------------------------------------------- the application as caseos_app

@pytest.fixture(scope="module")
def app_as_role(app):
    """The whole application connected as a login role that is a member of caseos_app."""
    from tests.pg import app_as_app_role
    with app_as_app_role("caseos_rls") as rls_app:
        yield rls_app


@pytest.fixture()
def no_enqueue(monkeypatch):
    """Documents uploaded here are processed in-process as caseos_app, not by the shared worker."""
    from app.platform import engine
    monkeypatch.setattr(engine, "start", lambda *a, **k: True)


def test_the_application_works_connected_as_the_application_role(app_as_role, no_enqueue):
    from tests.e2e.helpers import upload
    a = ApiUser.register(app_as_role, name="Role Alice")
    m = ApiUser.register(app_as_role, name="Role Mallory")
    with app_as_role.app_context():
        from app.extensions import db
        assert db.session.execute(__import__("sqlalchemy").text("SELECT current_user")).scalar().startswith("caseos_rls_")
    org = a.post("/api/v1/organizations", json={"name": "Role Clinic"}).get_json()
    case = a.create_case(org=org["id"], title="Role case")
    assert a.get("/api/v1/cases", org=org["id"]).get_json()["total"] == 1
    assert a.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "Role Party", "role": "TENANT"}).status_code == 201
    assert a.patch(f"/api/v1/cases/{case['id']}", json={"status": "ACTIVE"}).status_code == 200
    r = upload(a, case["id"], b"Role notice: pay rent of $900.00 within 14 days of March 3, 2031.\n", filename="n.txt")
    assert r.status_code == 202, r.get_json()
    doc_id = r.get_json()["document"]["id"]
    _process_in_process(app_as_role, doc_id)  # a worker's transactions: bypass, as caseos_app
    doc = a.get(f"/api/v1/documents/{doc_id}").get_json()
    assert doc["status"] == "PROCESSED", doc
    assert "pay rent" in a.get(f"/api/v1/documents/{doc_id}/text").get_json()["text"]
    assert a.get(f"/api/v1/documents/{doc_id}/analysis").status_code == 200
    assert a.get("/api/v1/search", query_string={"q": "rent"}, org=org["id"]).get_json()["total"] == 1
    link = a.post(f"/api/v1/documents/{doc_id}/download-url").get_json()["url"]
    anonymous = app_as_role.test_client()
    got = anonymous.get(link.replace("http://localhost", ""))
    assert got.status_code == 200 and b"Role notice" in got.data  # the signed link scopes itself
    assert anonymous.get("/metrics").status_code == 200
    assert a.get("/api/v1/jobs", org=org["id"]).get_json()["total"] >= 1
    assert a.get("/api/v1/audit", org=org["id"]).status_code == 200
    # the personal calendar feed is public (the key is the secret) and scopes itself to its user
    r = a.post(f"/api/v1/cases/{case['id']}/deadlines", json={"title": "Role answer due", "due_date": "2031-04-01"})
    if r.status_code != 404:  # the deadlines API exists
        assert r.status_code == 201, r.get_json()
        feed = a.post("/api/v1/calendar/key").get_json()["url"]
        parts = urlsplit(feed)
        got = anonymous.get(f"{parts.path}?{parts.query}")
        assert got.status_code == 200 and b"Role answer due" in got.data, got.data[:300]
    # and the tenant wall holds as usual
    assert m.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert m.get(f"/api/v1/documents/{doc_id}/text").status_code == 404
    assert a.delete(f"/api/v1/documents/{doc_id}").status_code == 204
    assert a.delete(f"/api/v1/cases/{case['id']}").status_code == 204


def _process_in_process(app, doc_id):
    from app.extensions import db
    from app.models import Document, Job
    from app.platform import engine, jobs as jobs_svc
    with app.app_context():
        doc = db.session.get(Document, uuid.UUID(doc_id))
        job = db.session.execute(__import__("sqlalchemy").select(Job).where(Job.document_id == doc.id)).scalar_one()
        for step in engine.pipeline("document.process").steps:
            result = step.fn(engine.StepRun(job, job.id, step.name, 1, 120, document_id=doc.id, doc=doc))
            jobs_svc.finish_step(job, step.name, None, result)
            db.session.commit()
        jobs_svc.succeed(job)
        db.session.commit()
        db.session.remove()


def test_a_forgotten_tenant_filter_still_returns_nothing(app_as_role, monkeypatch, no_enqueue):
    """Break the application's own wall (get_visible loads by id alone): the database's holds."""
    import sqlalchemy as sa
    from app.extensions import db
    from app.accounts import tenancy
    from app.platform.errors import NotFound
    a = ApiUser.register(app_as_role, name="Filter Alice")
    m = ApiUser.register(app_as_role, name="Filter Mallory")
    case = a.create_case(title="Forgotten filter case")
    party = a.post(f"/api/v1/cases/{case['id']}/parties", json={"name": "FF Party", "role": "TENANT"}).get_json()["party"]
    original = tenancy.get_visible

    def forgetful(principal, model, obj_id, *, write=False, include_deleted=False):
        obj = db.session.execute(sa.select(model).where(model.id == uuid.UUID(str(obj_id)))).scalar_one_or_none()
        if obj is None:
            raise NotFound(f"{model.__name__} not found.")
        return obj
    for mod in list(sys.modules.values()):
        if getattr(mod, "get_visible", None) is original:
            monkeypatch.setattr(mod, "get_visible", forgetful)
    # Scoped lists forget their filter too.
    monkeypatch.setattr(tenancy, "scoped", lambda principal, model, all_orgs=False: sa.select(model))
    assert a.get(f"/api/v1/cases/{case['id']}").status_code == 200  # the owner still works
    assert m.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert m.patch(f"/api/v1/cases/{case['id']}", json={"title": "pwned"}).status_code == 404
    assert m.patch(f"/api/v1/parties/{party['id']}", json={"name": "pwned"}).status_code == 404
    assert m.delete(f"/api/v1/cases/{case['id']}").status_code == 404
    listing = m.get("/api/v1/cases").get_json()
    assert all(c["id"] != case["id"] for c in listing["items"])
    assert a.get(f"/api/v1/cases/{case['id']}").get_json()["case"]["title"] == "Forgotten filter case"
    # A case filed into Alice's organization by a buggy create is refused by the database.
    from app.models import Case
    from app.cases import cases as cases_svc

    def misfiled(principal, data):
        case = Case(organization_id=uuid.UUID(a.org_id), created_by_id=principal.user.id,  # the bug
                    **{k: v for k, v in data.items() if k in cases_svc.CASE_FIELDS})
        db.session.add(case)
        db.session.flush()
        return case
    monkeypatch.setattr(cases_svc, "create_case", misfiled)
    r = m.post("/api/v1/cases", json=case_payload(title="planted"))
    assert r.status_code >= 400
    assert all(c["title"] != "planted" for c in a.get("/api/v1/cases").get_json()["items"])


def test_core_connections_get_the_settings_too(app_as_role, tenants):
    """Not only ORM sessions: the worker's lease keeper renews leases on a bare engine connection."""
    import sqlalchemy as sa
    from app.extensions import db
    from app.platform import rls
    alice, mallory, case, _, _ = tenants
    with app_as_role.app_context():
        with db.engine.begin() as conn:  # background code: trusted, sees every organization
            assert conn.execute(sa.text("SELECT count(*) FROM cases WHERE id = :id"), {"id": case["id"]}).scalar() == 1
        rls.scope_to_orgs([mallory.org_id])
        with db.engine.begin() as conn:  # narrowed: Alice's case is gone
            assert conn.execute(sa.text("SELECT count(*) FROM cases WHERE id = :id"), {"id": case["id"]}).scalar() == 0
        db.session.remove()
    with app_as_role.test_request_context("/"):
        with db.engine.begin() as conn:  # a request that resolved nobody: nothing
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 0
