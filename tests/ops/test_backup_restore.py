"""Backup drill: back up a deployment, restore into a brand-new database and bucket, and every
document reads back byte for byte (through `flask documents check` and through the API).

The drill runs on a database and bucket of its own, so the rest of the suite's data (some of it
damaged on purpose by the fault tests) never enters its archive."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ADMIN_DB_URL, ROOT, _psql_admin
from tests.e2e.helpers import upload
from tests.factories import ApiUser

PAYLOADS = [b"Backup drill one: the hearing is on March 3, 2027 at 9:00 AM.\n",
            b"Backup drill two: pay $1,250.00 in rent to the landlord.\n",
            b"Backup drill three, a longer paper.\n" * 3000]


@pytest.fixture(scope="module")
def migrated_template():
    """One migrated, empty database to copy from (migrating takes seconds; copying does not)."""
    name = f"caseos_tpl_{uuid.uuid4().hex[:10]}"
    _psql_admin(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN_DB_URL.rsplit('/', 1)[0]}/{name}"
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, check=True,
                   env=dict(os.environ, DATABASE_URL=url), capture_output=True)
    yield name
    _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def deployment(migrated_template):
    """new(migrated=...) -> environment of a new database (migrated or empty) and a new bucket."""
    made = []

    def new(migrated: bool) -> dict:
        name = f"caseos_drill_{uuid.uuid4().hex[:10]}"
        _psql_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{migrated_template}"' if migrated else ""))
        made.append(name)
        return {"DATABASE_URL": f"{ADMIN_DB_URL.rsplit('/', 1)[0]}/{name}",
                "S3_BUCKET": f"drill-{uuid.uuid4().hex[:10]}",
                # Its jobs are nobody else's: the suite's worker must not take them.
                "CELERY_KEY_PREFIX": f"drill-{uuid.uuid4().hex[:8]}:"}
    yield new
    for name in made:
        _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_backup_restores_into_an_empty_database_and_storage(deployment, other_app, tmp_path):
    source = other_app(**deployment(migrated=True))
    u = ApiUser.register(source)
    case = u.create_case(title="Backup drill")
    ids = []
    for i, data in enumerate(PAYLOADS):
        r = upload(u, case["id"], data, filename=f"drill{i}.txt")
        assert r.status_code == 202, r.get_data(as_text=True)
        ids.append(r.get_json()["document"]["id"])
    archive = tmp_path / "caseos.tar"

    r = run(source, "backup", str(archive))
    assert r.exit_code == 0, r.output + r.stderr
    assert archive.stat().st_size > sum(map(len, PAYLOADS))
    raw = archive.read_bytes()  # ciphertext only: no uploaded sentence appears in the archive
    assert b"Backup drill one" not in raw and b"pay $1,250.00" not in raw

    target = other_app(**deployment(migrated=False))
    r = run(target, "restore", str(archive))
    assert r.exit_code == 0, r.output + r.stderr
    assert "3 document" not in r.stderr and "every document readable" in r.output
    assert run(target, "documents", "check").exit_code == 0
    r = run(target, "audit", "verify")
    assert r.exit_code == 0 and "intact" in r.output

    # The restored deployment serves the same user, with the same token, the same bytes.
    client = target.test_client()
    h = {"Authorization": f"Bearer {u.token}"}
    listed = client.get(f"/api/v1/cases/{case['id']}/documents", headers=h).get_json()
    assert {d["id"] for d in listed["items"]} == set(ids)
    for doc_id, data in zip(ids, PAYLOADS):
        assert client.get(f"/api/v1/documents/{doc_id}/content", headers=h).data == data


def test_documents_check_after_restore_names_a_document_whose_blob_was_lost(deployment, other_app, tmp_path):
    """The drill's check can fail: a blob missing from storage is reported by id."""
    source = other_app(**deployment(migrated=True))
    u = ApiUser.register(source)
    case = u.create_case(title="Lost blob")
    doc_id = upload(u, case["id"], PAYLOADS[0], filename="a.txt").get_json()["document"]["id"]
    archive = tmp_path / "b.tar"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = other_app(**deployment(migrated=False))
    assert run(target, "restore", str(archive)).exit_code == 0
    storage = target.extensions["caseos"].storage
    for key in [k for k in storage.iter_keys("") if doc_id in k]:
        storage.delete(key)
    r = run(target, "documents", "check")
    assert r.exit_code == 1 and doc_id in r.output and "missing" in r.output


def test_restore_refuses_a_database_that_is_not_empty_and_a_cut_short_archive(deployment, other_app, tmp_path):
    env = deployment(migrated=True)
    source = other_app(**env)
    ApiUser.register(source).create_case(title="Not to be overwritten")
    archive = tmp_path / "b.tar"
    assert run(source, "backup", str(archive)).exit_code == 0
    r = run(source, "restore", str(archive))
    assert r.exit_code != 0 and "not empty" in r.stderr

    short = tmp_path / "short.tar"
    short.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    target = other_app(**deployment(migrated=False))
    r = run(target, "restore", str(short))
    assert r.exit_code != 0 and "restore from another backup" in r.stderr


def test_restore_without_the_master_key_says_which_key_it_needs(deployment, other_app, tmp_path):
    source = other_app(**deployment(migrated=True))
    ApiUser.register(source)
    archive = tmp_path / "b.tar"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = other_app(**deployment(migrated=False), ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode())
    r = run(target, "restore", str(archive))
    assert r.exit_code != 0 and "ENCRYPTION_KEY" in r.stderr
    assert source.extensions["caseos"].keyring.current_key_id in r.stderr


def test_embedded_mode_backup_restores_sqlite_and_local_storage(other_app, tmp_path):
    """The embedded default (SQLite, encrypted files under ./var/storage) backs up and restores too."""
    def embedded(name, migrated):
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / name / 'caseos.db'}", "STORAGE_BACKEND": "local",
               "STORAGE_DIR": str(tmp_path / name / "storage"), "CELERY_KEY_PREFIX": f"drill-{uuid.uuid4().hex[:8]}:"}
        (tmp_path / name).mkdir()
        if migrated:
            subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, check=True,
                           env=dict(os.environ, **env), capture_output=True)
        return other_app(**env)
    source = embedded("source", migrated=True)
    u = ApiUser.register(source)
    case = u.create_case(title="Embedded drill")
    doc_id = upload(u, case["id"], PAYLOADS[2], filename="long.txt").get_json()["document"]["id"]
    archive = tmp_path / "embedded.tar"
    r = run(source, "backup", str(archive))
    assert r.exit_code == 0 and "sqlite database" in r.output, r.output

    target = embedded("target", migrated=False)
    r = run(target, "restore", str(archive))
    assert r.exit_code == 0 and "every document readable" in r.output, r.output
    h = {"Authorization": f"Bearer {u.token}"}
    assert target.test_client().get(f"/api/v1/documents/{doc_id}/content", headers=h).data == PAYLOADS[2]


def test_after_deleting_an_organization_rotating_the_master_key_shreds_it_in_older_backups(
        deployment, other_app, tmp_path):
    """Deletion removes the only live wrapped copies of an organization's data keys; a backup taken
    before keeps its own, under the master key it names. The documented way to shred those too:
    rotate the master key, back up again, retire the old key. From then on the old backup cannot be
    restored, and the new one restores everything except the deleted organization."""
    env = deployment(migrated=True)
    old_key = os.environ["ENCRYPTION_KEY"]
    source = other_app(**env)
    leaving, staying = ApiUser.register(source), ApiUser.register(source)
    org = leaving.post("/api/v1/organizations", json={"name": "Closing Clinic"}).get_json()
    org_id = org["organization"]["id"] if "organization" in org else org["id"]
    gone_case = leaving.create_case(org=org_id, title="Closing")
    gone = upload(leaving, gone_case["id"], PAYLOADS[0], filename="gone.txt").get_json()["document"]["id"]
    kept_case = staying.create_case(title="Stays")
    kept = upload(staying, kept_case["id"], PAYLOADS[1], filename="kept.txt").get_json()["document"]["id"]
    before = tmp_path / "before.tar"
    assert run(source, "backup", str(before)).exit_code == 0

    r = run(source, "orgs", "delete", org_id, "--confirm", "Closing Clinic")
    assert r.exit_code == 0, r.output
    old_id = source.extensions["caseos"].keyring.current_key_id
    assert f"readable with master key {old_id}" in r.output and "flask keys rotate" in r.output

    new_key = base64.b64encode(os.urandom(32)).decode()
    rotating = other_app(**env, ENCRYPTION_KEY=new_key, ENCRYPTION_OLD_KEYS=old_key)
    assert run(rotating, "keys", "rotate").exit_code == 0
    retired = other_app(**env, ENCRYPTION_KEY=new_key, ENCRYPTION_OLD_KEYS=None)
    after = tmp_path / "after.tar"
    assert run(retired, "backup", str(after)).exit_code == 0

    # The backup from before the deletion no longer opens: it needs the retired key.
    r = run(other_app(**deployment(migrated=False), ENCRYPTION_KEY=new_key), "restore", str(before))
    assert r.exit_code != 0 and old_id in r.stderr
    # The new one restores the other tenant's document, and nothing of the deleted organization.
    target = other_app(**deployment(migrated=False), ENCRYPTION_KEY=new_key)
    r = run(target, "restore", str(after))
    assert r.exit_code == 0, r.output + r.stderr
    client = target.test_client()
    assert client.get(f"/api/v1/documents/{kept}/content",
                      headers={"Authorization": f"Bearer {staying.token}"}).data == PAYLOADS[1]
    assert client.get(f"/api/v1/documents/{gone}",
                      headers={"Authorization": f"Bearer {leaving.token}"}).status_code == 404
