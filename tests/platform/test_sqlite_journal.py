"""The embedded default's SQLite files commit through a write-ahead log, with full durability."""
import sqlalchemy as sa

import app.extensions  # noqa: F401  (registers the connection hook)


def test_a_sqlite_database_is_opened_in_write_ahead_log_mode_with_full_sync(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'caseos.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL: a commit is on disk
    reader = sa.create_engine(f"sqlite:///{tmp_path / 'caseos.db'}")
    with engine.connect() as writer, reader.connect() as other:
        writer.execute(sa.text("BEGIN IMMEDIATE"))
        writer.execute(sa.text("INSERT INTO t VALUES (2)"))
        # a reader is not held up by a writer's open transaction and sees only committed rows
        assert other.execute(sa.text("SELECT count(*) FROM t")).scalar() == 1
        writer.execute(sa.text("COMMIT"))
    engine.dispose()
    reader.dispose()
