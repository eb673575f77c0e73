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
    def __init__(self, popen, log_path):
        self.popen, self.log_path = popen, log_path

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


def _spawn(cmd, ready_marker=None, timeout=60, env=None) -> Proc:
    fd, log_path = tempfile.mkstemp(prefix="caseos-proc-", suffix=".log")
    popen = subprocess.Popen(cmd, cwd=ROOT, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, **(env or {})), start_new_session=True)
    os.close(fd)
    proc = Proc(popen, log_path)
    if ready_marker:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready_marker in proc.log():
                return proc
            if not proc.alive():
                raise RuntimeError(f"process exited early:\n{proc.log()[-3000:]}")
            time.sleep(0.2)
        proc.kill()
        raise RuntimeError(f"process not ready in {timeout}s:\n{proc.log()[-3000:]}")
    return proc


def start_worker(name="test", concurrency=2, queues="default,ocr,ai", extra=(), env=None) -> Proc:
    cmd = CELERY + ["worker", "-Q", queues, "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h",
                    "--loglevel", "INFO", "--without-gossip", "--without-mingle", *extra]
    return _spawn(cmd, ready_marker=" ready.", env=env)


def start_beat(name="beat", env=None, schedule=None) -> Proc:
    schedule = schedule or tempfile.mktemp(prefix="caseos-beat-")
    cmd = CELERY + ["beat", "--loglevel", "INFO", "-s", schedule]
    return _spawn(cmd, ready_marker="beat: Starting", env=env)
