"""`scripts/run` on a port another process holds says so and how to pick another, before doing anything."""
from __future__ import annotations

import os
import socket
import subprocess

from tests.conftest import ROOT


def test_second_copy_on_a_taken_port_says_what_is_wrong_and_how_to_pick_another(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {**os.environ, "PORT": str(port), "CASEOS_VAR_DIR": str(tmp_path / "var")}
        run = subprocess.run([str(ROOT / "scripts/run")], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
    assert run.returncode == 1
    assert f"Port {port} is already in use" in run.stderr
    assert "PORT=5001 scripts/run" in run.stderr
    assert not (tmp_path / "var").exists()  # nothing installed, migrated or started
