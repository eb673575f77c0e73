"""An organization that leaves: its data exported, decrypted, in one zip; then deleted, with its
data keys, while the audit trail stays intact and other organizations are untouched."""
from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from tests.e2e.helpers import upload

PAYLOADS = [b"Export one: the hearing is on March 3, 2027 at 9:00 AM.\n", b"Export two: pay $1,250.00 in rent.\n"]


def _shared_org_with_documents(user, name):
    r = user.post("/api/v1/organizations", json={"name": name})
    assert r.status_code == 201, r.get_json()
    org_id = r.get_json()["organization"]["id"] if "organization" in r.get_json() else r.get_json()["id"]
    case = user.create_case(org=org_id, title=f"{name} case")
    ids = []
    for i, data in enumerate(PAYLOADS):
        r = upload(user, case["id"], data, filename=f"paper{i}.txt")
        assert r.status_code == 202, r.get_json()
        ids.append(r.get_json()["document"]["id"])
    return org_id, case, ids


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_export_holds_the_organizations_cases_and_decrypted_documents_only(app, make_user, tmp_path):
    u, other = make_user(), make_user()
    org_id, case, ids = _shared_org_with_documents(u, "Leaving Clinic")
    other.create_case(title="Someone else's eviction")
    dest = tmp_path / "export.zip"
    r = run(app, "orgs", "export", org_id, str(dest))
    assert r.exit_code == 0, r.output
    assert (dest.stat().st_mode & 0o077) == 0  # plaintext inside: owner-only
    with zipfile.ZipFile(dest) as z:
        names = z.namelist()
        org = json.loads(z.read("organization.json"))
        assert org["name"] == "Leaving Clinic" and [m["role"] for m in org["members"]] == ["OWNER"]
        case_json = json.loads(z.read(next(n for n in names if n.endswith("case.json"))))
        assert case_json["case"]["title"] == "Leaving Clinic case"
        originals = sorted(z.read(n) for n in names if n.endswith((".txt",)) and "paper" in n
                           and not n.endswith(".txt.txt"))
        assert originals == sorted(PAYLOADS)
        assert not any("Someone else" in z.read(n).decode(errors="ignore") for n in names)
    with app.app_context():
        from app.models import AuditEvent
        from app.extensions import db
        actions = db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.organization_id == sa.cast(org_id, sa.Uuid))).scalars().all()
        assert "organization.export" in actions


def test_delete_destroys_rows_blobs_and_data_keys_and_keeps_the_audit_trail(app, make_user):
    u, other = make_user(), make_user()
    org_id, case, ids = _shared_org_with_documents(u, "Closing Clinic")
    kept_case = other.create_case(title="Stays")
    kept = upload(other, kept_case["id"], b"Another tenant's paper stays.\n", filename="k.txt").get_json()["document"]
    with app.app_context():
        from app.extensions import db
        from app.models import Document
        wrapped = db.session.execute(sa.select(Document.wrapped_key).where(
            Document.id.in_([sa.cast(i, sa.Uuid) for i in ids]))).scalars().all()
    assert len(wrapped) == 2

    r = run(app, "orgs", "delete", org_id, "--confirm", "Not the name")
    assert r.exit_code != 0 and u.get(f"/api/v1/cases/{case['id']}", org=org_id).status_code == 200
    r = run(app, "orgs", "delete", org_id, "--confirm", "Closing Clinic")
    assert r.exit_code == 0, r.output

    assert u.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert all(u.get(f"/api/v1/documents/{i}").status_code == 404 for i in ids)
    assert org_id not in json.dumps(u.get("/api/v1/auth/me").get_json())
    storage = app.extensions["caseos"].storage
    assert list(storage.iter_keys(f"orgs/{org_id}/")) == []
    with app.app_context():
        from app.extensions import db
        for table in db.metadata.sorted_tables:
            if "organization_id" in table.c and table.name != "audit_events":
                n = db.session.execute(sa.select(sa.func.count()).select_from(table).where(
                    table.c.organization_id == sa.cast(org_id, sa.Uuid))).scalar()
                assert n == 0, table.name
        # No wrapped data key of its documents is left, nor any row that hung under them.
        from app.models import Document
        assert db.session.execute(sa.select(Document.id).where(Document.wrapped_key.in_(wrapped))).first() is None
        for table in db.metadata.sorted_tables:
            if "document_id" in table.c:
                assert db.session.execute(sa.select(sa.func.count()).select_from(table).where(
                    table.c.document_id.in_([sa.cast(i, sa.Uuid) for i in ids]))).scalar() == 0, table.name
        db.session.rollback()
    assert other.get(f"/api/v1/documents/{kept['id']}/content").data == b"Another tenant's paper stays.\n"
    r = run(app, "audit", "verify")
    assert r.exit_code == 0, r.output
    with app.app_context():
        from app.extensions import db
        from app.models import AuditEvent
        actions = db.session.execute(sa.select(AuditEvent.action).where(
            AuditEvent.organization_id == sa.cast(org_id, sa.Uuid))).scalars().all()
        assert "organization.delete" in actions and "organization.create" in actions


def test_a_personal_organization_is_not_deleted_on_its_own(app, make_user):
    u = make_user()
    r = run(app, "orgs", "delete", u.org_id, "--confirm", u.get("/api/v1/auth/me").get_json()["organizations"][0]["name"])
    assert r.exit_code != 0 and "personal" in r.output
    assert u.get("/api/v1/cases").status_code == 200


def test_delete_that_loses_a_deadlock_to_a_worker_is_run_again(app, make_user, monkeypatch):
    """A worker finishing a step of the organization's documents can deadlock with the deletion;
    PostgreSQL ends one transaction. When it ends the deletion's, the deletion runs again and completes."""
    from sqlalchemy.exc import OperationalError

    from app.accounts import organizations

    class Deadlock(Exception):
        pgcode = "40P01"

    u = make_user()
    org_id, case, ids = _shared_org_with_documents(u, "Racing Clinic")
    real, calls = organizations._delete_rows, []

    def loses_once(org):
        calls.append(org)
        if len(calls) == 1:
            real(org)  # the rows are deleted in the transaction that is then chosen as the victim
            raise OperationalError("DELETE FROM documents", {}, Deadlock())
        return real(org)

    monkeypatch.setattr(organizations, "_delete_rows", loses_once)
    r = run(app, "orgs", "delete", org_id, "--confirm", "Racing Clinic")
    assert r.exit_code == 0, r.output
    assert len(calls) >= 2  # run again after losing (and once more if a worker still reading its papers wins too)
    assert u.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert all(u.get(f"/api/v1/documents/{i}").status_code == 404 for i in ids)
