"""Backups that restore: the database and every stored blob in one tar archive.

Archive layout (members in this order; restore reads it as a stream)::

    manifest.json        format, time, database kind, migration revision, the master key ids needed
    database.pgdump      pg_dump custom format (PostgreSQL)  -- or --  database.sqlite (embedded mode)
    blobs/<key>          every stored object, byte for byte (already ciphertext: sealed at upload)
    end.json             counts; its absence means the archive was cut short

The master keys are never written into the archive: keep ENCRYPTION_KEY (and SECRET_KEY/AUDIT_KEY,
which sign sessions and the audit chain) apart from the backups, e.g. in a password manager. A
backup without its key is unreadable; a key without its backup is useless: that is the point.

Consistency: the database is dumped first (one snapshot), then the blobs are copied. Every
document row in the snapshot had its blob stored before the row committed, so it is in the
archive unless the document was deleted during the backup; blobs stored after the snapshot
come along as orphans, which the hourly sweep removes after a restore. Jobs that were running
are re-sent by the job sweeper after a restore (they look idle).
"""
from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.platform import keys, runtime

log = logging.getLogger(__name__)

FORMAT = "caseos-backup-1"
APP_ROLE = "caseos_app"


class BackupError(Exception):
    """The backup or restore cannot proceed; the message says why and what to do."""


@dataclass
class Summary:
    blobs: int
    bytes: int
    database: str


# --- database ------------------------------------------------------------------------------------

def _engine_url() -> sa.engine.URL:
    return db.engine.url


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # PATH, LANG for the client
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(url: sa.engine.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _dump_database(workdir: str) -> tuple[str, str]:
    """Dump the database into workdir; returns (member name, file path)."""
    url = _engine_url()
    if url.get_backend_name() == "postgresql":
        dsn, env = _libpq(url)
        path = os.path.join(workdir, "database.pgdump")
        r = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", f"--dbname={dsn}"],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise BackupError(f"pg_dump failed: {r.stderr.strip()[-2000:]}")
        return "database.pgdump", path
    if url.get_backend_name() == "sqlite":
        path = os.path.join(workdir, "database.sqlite")
        db.session.remove()
        src, dst = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(path)
        try:
            src.backup(dst)  # a consistent copy even while the app writes
        finally:
            dst.close()
            src.close()
        return "database.sqlite", path
    raise BackupError(f"backups support PostgreSQL and SQLite, not {url.get_backend_name()}")


def _revision() -> str | None:
    try:
        return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None
    finally:
        db.session.rollback()


def _database_is_empty() -> bool:
    return not sa.inspect(db.engine).get_table_names()


def _restore_database(member: str, path: str) -> None:
    url = _engine_url()
    kind = url.get_backend_name()
    if (member == "database.pgdump") != (kind == "postgresql"):
        raise BackupError(f"this archive holds {member}; the configured database is {kind}")
    db.session.remove()
    if kind == "postgresql":
        _ensure_app_role()
        dsn, env = _libpq(url)
        r = subprocess.run(["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error",
                            f"--dbname={dsn}", path], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise BackupError(f"pg_restore failed: {r.stderr.strip()[-2000:]}")
    else:
        target = _sqlite_path(url)
        db.engine.dispose()
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        for leftover in (target + "-wal", target + "-shm"):  # the old database's write-ahead log
            if os.path.exists(leftover):
                os.unlink(leftover)
        shutil.copyfile(path, target)
    db.engine.dispose()


def _ensure_app_role() -> None:
    """The dump grants to caseos_app (migration 0009); create the role if this cluster lacks it."""
    with db.engine.begin() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}).first()
        if not exists:
            conn.execute(sa.text(f"CREATE ROLE {APP_ROLE} NOLOGIN"))


# --- archive -------------------------------------------------------------------------------------

def _add_json(tar: tarfile.TarFile, name: str, data: dict) -> None:
    raw = json.dumps(data, indent=2, sort_keys=True).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(raw), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(raw))


def _manifest() -> dict:
    kr = runtime.current().keyring
    # Rows still under an old master key (a rotation not finished) need that key too.
    needs_old = keys.remaining_under_old_keys() > 0
    db.session.rollback()
    return {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database": _engine_url().get_backend_name(), "revision": _revision(),
            "key_id": kr.current_key_id, "old_key_ids": list(kr.key_ids[1:]) if needs_old else []}


def create(dest: str) -> Summary:
    """Write a backup archive to dest (a new file; written beside it, renamed when complete)."""
    if os.path.exists(dest):
        raise BackupError(f"{dest} exists; choose a new file name")
    storage = runtime.current().storage
    manifest = _manifest()
    partial = f"{dest}.partial"
    n = size = 0
    with tempfile.TemporaryDirectory(prefix="caseos-backup-") as workdir:
        member, dump = _dump_database(workdir)
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            _add_json(tar, "manifest.json", manifest)
            tar.add(dump, arcname=member)
            for key in storage.iter_keys(""):
                info = tarfile.TarInfo(f"blobs/{key}")
                info.size, info.mtime, info.mode = storage.size(key), int(time.time()), 0o600
                with storage.open(key) as fh:
                    tar.addfile(info, fh)
                n, size = n + 1, size + info.size
            _add_json(tar, "end.json", {"blobs": n, "bytes": size})
    os.chmod(partial, 0o600)
    os.replace(partial, dest)
    log.info("backup written", extra={"blobs": n, "bytes": size})
    return Summary(n, size, manifest["database"])


def _check_keys(manifest: dict) -> None:
    kr = runtime.current().keyring
    missing = [k for k in [manifest["key_id"], *manifest.get("old_key_ids", [])] if not kr.knows(k)]
    if missing:
        raise BackupError("this backup's data keys are wrapped under master key id(s) "
                          f"{', '.join(missing)}; set ENCRYPTION_KEY (or ENCRYPTION_OLD_KEYS) to that key first")


def _check_empty_target() -> None:
    if not _database_is_empty():
        raise BackupError("the database is not empty; restore into a new, empty database")
    if next(iter(runtime.current().storage.iter_keys("")), None) is not None:
        raise BackupError("the storage is not empty; restore into a new bucket or directory")


def restore(src: str) -> Summary:
    """Restore an archive written by create() into an empty database and an empty storage."""
    storage = runtime.current().storage
    try:
        with tarfile.open(src, "r:") as tar, tempfile.TemporaryDirectory(prefix="caseos-restore-") as workdir:
            manifest, n, size, end = _restore_members(tar, storage, workdir)
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"the archive is unreadable or cut short ({exc}): restore from another backup") from None
    if manifest is None or end is None or end.get("blobs") != n:
        raise BackupError("the archive is incomplete (cut short?): restore from another backup")
    log.info("backup restored", extra={"blobs": n, "bytes": size})
    return Summary(n, size, manifest["database"])


def _restore_members(tar: tarfile.TarFile, storage, workdir: str):
    n = size = 0
    manifest = end = None
    for info in tar:
        if info.name == "manifest.json":
            manifest = json.load(tar.extractfile(info))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"not a CaseOS backup (format {manifest.get('format')!r})")
            _check_keys(manifest)
            _check_empty_target()
        elif manifest is None:
            raise BackupError("not a CaseOS backup (no manifest first)")
        elif info.name in ("database.pgdump", "database.sqlite"):
            path = os.path.join(workdir, info.name)
            with open(path, "wb") as out:
                shutil.copyfileobj(tar.extractfile(info), out)
            _restore_database(info.name, path)
        elif info.name.startswith("blobs/") and info.isfile():
            storage.put_file(info.name[len("blobs/"):], tar.extractfile(info))
            n, size = n + 1, size + info.size
        elif info.name == "end.json":
            end = json.load(tar.extractfile(info))
    return manifest, n, size, end
