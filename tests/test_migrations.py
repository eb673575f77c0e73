"""The same migrations upgrade an empty database on SQLite and on PostgreSQL, and match the models."""
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ADMIN_DB_URL, ROOT, _psql_admin


def _flask(env, *args):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_migrations_upgrade_an_empty_database_and_match_models(dialect, tmp_path):
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        name = f"caseos_mig_{uuid.uuid4().hex[:8]}"
        _psql_admin(f'CREATE DATABASE "{name}"')
        url = ADMIN_DB_URL.rsplit("/", 1)[0] + "/" + name
    try:
        env = {"DATABASE_URL": url}
        up = _flask(env, "upgrade")
        assert up.returncode == 0, up.stderr
        again = _flask(env, "upgrade")  # the release step is safe to run twice
        assert again.returncode == 0, again.stderr
        check = _flask(env, "check")
        assert check.returncode == 0, check.stdout + check.stderr
        down = _flask(env, "downgrade", "base")
        assert down.returncode == 0, down.stderr
    finally:
        if dialect == "postgresql":
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
