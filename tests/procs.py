"""Real CaseOS processes (worker, beat, web) started for tests with the test environment."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELERY = [sys.executable, "-m", "celery", "-A", "workers"]


class Proc:
    ready_marker = None   # a line the process logs once ready
    ready_check = None    # or a callable that says it is ready

    def __init__(self, popen, log_path, spawn=None):
        self.popen, self.log_path = popen, log_path
        self._spawn = spawn  # how to start it again (restart)

    @property
    def pid(self):
        return self.popen.pid

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)

    def kill(self):
        self.stop(signal.SIGKILL, timeout=10)

    def signal(self, sig, group=False):
        """Send a signal to the main process only (group=False) or to its whole process group."""
        try:
            if group:
                os.killpg(self.popen.pid, sig)
            else:
                os.kill(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout) -> int | None:
        """The exit code, or None if still running after timeout seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def children(self) -> list[int]:
        """Pids of the direct children (a Celery worker's pool processes)."""
        try:
            out = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in out.split()]

    def restart(self) -> "Proc":
        """Stop it if running and start the same command again (same object, new process and log)."""
        self.stop()
        fresh = self._spawn()
        self.popen, self.log_path = fresh.popen, fresh.log_path
        return self

    def wait_ready(self, timeout=60) -> "Proc":
        """Block until the process is ready (start several with wait=False, then wait for each)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if (self.ready_marker and self.ready_marker in self.log()) or (self.ready_check and self.ready_check()):
                return self
            if not self.alive():
                raise RuntimeError(f"process exited early:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"process not ready in {timeout}s:\n{self.log()[-3000:]}")


def _spawn(cmd, ready_marker=None, timeout=60, env=None, ready=None, wait=True) -> Proc:
    fd, log_path = tempfile.mkstemp(prefix="caseos-proc-", suffix=".log")
    popen = subprocess.Popen(cmd, cwd=ROOT, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, **(env or {})), start_new_session=True)
    os.close(fd)
    proc = Proc(popen, log_path, spawn=lambda: _spawn(cmd, ready_marker, timeout, env, ready, wait=True))
    proc.ready_marker, proc.ready_check = ready_marker, ready
    if wait and (ready_marker or ready):
        proc.wait_ready(timeout)
    return proc


SUPERVISOR_MARK = "[supervisor] worker exited with"

# The session-wide worker (tests/conftest.py `worker`), once started. A suite that needs to be the
# only consumer of the test queues (its worker runs with other settings) pauses it meanwhile.
SHARED: dict[str, Proc] = {}


class shared_worker_paused:
    """Stop the session-wide worker for the duration of the block, and start it again after."""

    def __enter__(self):
        self.proc = SHARED.get("worker")
        if self.proc is not None and self.proc.alive():
            self.proc.stop()
        else:
            self.proc = None
        return self

    def __exit__(self, *exc):
        if self.proc is not None:
            self.proc.restart()


def start_worker(name="test", concurrency=2, queues="default,ocr,ai", extra=(), env=None, app="workers",
                 wait=True, supervised=False) -> Proc:
    """A Celery worker. supervised=True restarts it whenever it exits, as systemd (Restart=always) or a
    platform's process manager would; each exit is logged with SUPERVISOR_MARK."""
    cmd = [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues, "-c", str(concurrency),
           "-n", f"{name}-{os.getpid()}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle", *extra]
    if supervised:
        cmd = ["sh", "-c", f'while :; do "$@"; echo "{SUPERVISOR_MARK} $?; restarting"; sleep 1; done', "sh", *cmd]
    return _spawn(cmd, ready_marker=" ready.", env=env, wait=wait)


def start_beat(name="beat", env=None, schedule=None, app="workers", wait=True) -> Proc:
    schedule = schedule or tempfile.mktemp(prefix="caseos-beat-")
    cmd = [sys.executable, "-m", "celery", "-A", app, "beat", "--loglevel", "INFO", "-s", schedule]
    return _spawn(cmd, ready_marker="beat: Starting", env=env, wait=wait)


def start_web(port: int, env=None, app="wsgi:app", workers=1, timeout=60, wait=True) -> Proc:
    """gunicorn with the production settings (gevent workers) on 127.0.0.1:port; ready once /healthz answers."""
    import urllib.request

    def answers():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False
    cmd = [sys.executable, "-m", "gunicorn", app, "-c", str(ROOT / "gunicorn.conf.py"),
           "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    return _spawn(cmd, env=env, ready=answers, timeout=timeout, wait=wait)


def start_redis(port: int, directory: str) -> Proc:
    """A private redis-server (no persistence) on 127.0.0.1:port, for tests that kill or restart it."""
    import socket

    def answers():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", directory, "--daemonize", "no"]
    return _spawn(cmd, ready=answers, timeout=20)
