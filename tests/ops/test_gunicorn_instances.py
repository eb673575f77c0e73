"""Two CaseOS web servers on one host (two checkouts, or one on two ports) each get their own gunicorn
control socket beside their data, never the shared ~/.gunicorn/gunicorn.ctl where the second would
take over the first's; and idle keep-alive outlasts a reverse proxy's own idle timeout."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from devkit.net import free_port
from tests.conftest import ROOT

APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"
PROXY_IDLE_TIMEOUT = 60  # nginx keepalive_timeout, AWS ALB idle timeout


def _start(tmp_path: Path, name: str, home: Path, port: int) -> tuple[subprocess.Popen, Path]:
    var = tmp_path / name
    env = dict(os.environ, HOME=str(home), CASEOS_VAR_DIR=str(var), GUNICORN_WORKER_CLASS="sync",
               WEB_CONCURRENCY="1", PYTHONPATH=f"{tmp_path}:{ROOT}")
    env.pop("XDG_RUNTIME_DIR", None)
    env.pop("GUNICORN_CONTROL_SOCKET", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "tinyapp:app", "-c", str(ROOT / "gunicorn.conf.py"),
                             "--bind", f"127.0.0.1:{port}"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / f"{name}.log", "wb"), start_new_session=True)
    return proc, var


def _control(sock: Path, command: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "gunicorn.ctl.cli", "-s", str(sock), "-c", command, "-j"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def test_two_instances_on_one_host_each_have_their_own_control_socket(tmp_path):
    (tmp_path / "tinyapp.py").write_text(APP)
    home = tmp_path / "home"
    home.mkdir()
    ports = free_port(), free_port()
    procs = [_start(tmp_path, f"site{i}", home, port) for i, port in enumerate(ports)]
    try:
        socks = []
        for proc, var in procs:
            log = tmp_path / f"{var.name}.log"
            deadline = time.time() + 60
            while "Control socket listening at" not in log.read_text() and time.time() < deadline:
                assert proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
            socks.append(Path(re.search(r"Control socket listening at (\S+)", log.read_text()).group(1)))
        assert socks[0] != socks[1] and all(s.exists() for s in socks)
        # Beside each deployment's data (or, when that path is too long for a socket, a per-path name in /tmp).
        for sock, (_, var) in zip(socks, procs):
            assert sock.parent == var / "run" or sock.name.startswith("caseos-gunicorn-")
        assert not (home / ".gunicorn" / "gunicorn.ctl").exists()
        # Each socket answers for its own server, not the other's.
        for (proc, _), sock in zip(procs, socks):
            assert str(proc.pid) in json.dumps(_control(sock, "show stats"))
    finally:
        for proc, _ in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in procs:
            proc.wait(30)


def test_idle_keep_alive_outlasts_a_reverse_proxys_idle_timeout(tmp_path, monkeypatch):
    from gunicorn.config import Config
    monkeypatch.setenv("CASEOS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GUNICORN_KEEPALIVE", raising=False)
    cfg = Config()
    namespace = {"__file__": str(ROOT / "gunicorn.conf.py"), "__name__": "__config__"}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for key in ("keepalive", "control_socket"):
        cfg.set(key, namespace[key])
    assert cfg.keepalive > PROXY_IDLE_TIMEOUT
    assert cfg.control_socket.startswith(str(tmp_path / "var"))
