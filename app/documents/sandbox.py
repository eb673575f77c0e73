"""The warm sandbox's client: starts the fork server (reader/forkserver.py) on first use and asks it
for one fresh child per document, instead of starting a new Python interpreter that imports PDFium
each time (~0.14 CPU-s a document).

The child is the same as a cold one (``python -I child.py --sandbox-child``): its own session, a
private folder, the minimal environment, and the rlimits it sets from the request; extraction.py
drives it through the same pipes. Only the start differs: a fork of a process that has the readers
loaded. ``ForkedChild`` offers the part of ``subprocess.Popen`` extraction.py uses (``pid``,
``stdin``, ``stdout``, ``returncode``, ``wait``, ``kill``).

One server per process that reads documents (a Celery pool process), started lazily and again after
a fork or when it has died (killed, crashed): a request that finds it gone starts a new one; if that
fails too, the caller falls back to a cold child. The server ends when this process closes its end
of the control socket (at exit).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

START_TIMEOUT = 30.0


class ForkedChild:
    """A sandbox child forked by the server; its exit status arrives on a pipe from the server."""

    def __init__(self, pid: int, stdin_fd: int, stdout_fd: int, status_fd: int):
        self.pid = pid
        self.stdin = os.fdopen(stdin_fd, "wb")
        self.stdout = os.fdopen(stdout_fd, "rb", buffering=0)
        self._status_fd = status_fd
        self._status = b""
        self.returncode: int | None = None

    def poll(self) -> int | None:
        self._read_status(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired(f"sandbox child {self.pid}", timeout)
            self._read_status(remaining)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass

    def _read_status(self, timeout: float | None) -> None:
        if self._status_fd < 0:
            return
        ready, _, _ = select.select([self._status_fd], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self._status_fd, 64)
        if chunk:
            self._status += chunk
            return
        os.close(self._status_fd)
        self._status_fd = -1
        try:
            self.returncode = int(self._status)
        except ValueError:  # the server died before it reaped the child: treat as killed
            self.returncode = -9

    def __del__(self):
        if self._status_fd >= 0:
            os.close(self._status_fd)


class ForkServer:
    """Lazily started fork server for this process (see the module docstring)."""

    def __init__(self, script: str, env_for):
        self._script, self._env_for = script, env_for
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._owner = 0
        self._home: str | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._owner == os.getpid() else None

    def spawn(self, cwd: str, env: dict, stderr_fd: int) -> ForkedChild | None:
        """A fresh child in ``cwd`` with ``env`` and stderr on ``stderr_fd``, or None when no server
        can be had (the caller then starts a cold child)."""
        with self._lock:
            for _attempt in range(2):
                try:
                    self._ensure_started()
                    return self._request(cwd, env, stderr_fd)
                except (OSError, ValueError, RuntimeError):
                    self._stop()
            return None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _request(self, cwd: str, env: dict, stderr_fd: int) -> ForkedChild:
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            header = json.dumps({"cwd": cwd, "env": env}).encode()
            socket.send_fds(self._sock, [header], [stdin_r, stdout_w, stderr_fd, status_w])
            self._sock.settimeout(START_TIMEOUT)
            answer = self._sock.recv(64)
        except BaseException:
            for fd in (stdin_w, stdout_r, status_r):
                os.close(fd)
            raise
        finally:
            for fd in (stdin_r, stdout_w, status_w):
                os.close(fd)
        pid = int(answer or b"-1")
        if pid <= 0:
            for fd in (stdin_w, stdout_r, status_r):
                os.close(fd)
            raise RuntimeError("the sandbox fork server could not fork")
        return ForkedChild(pid, stdin_w, stdout_r, status_r)

    def _ensure_started(self) -> None:
        if self._owner != os.getpid():  # forked from the process that started it: not ours to use
            self._proc = self._sock = self._home = None
        if self._proc is not None and self._proc.poll() is None:
            return
        self._stop()
        self._home = tempfile.mkdtemp(prefix="caseos-sandbox-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", self._script, "--sandbox-forkserver", str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=self._home, env=self._env_for(self._home), start_new_session=True,
                pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self._sock, self._owner = ours, os.getpid()
        ours.settimeout(START_TIMEOUT)
        if ours.recv(16) != b"ready":
            raise RuntimeError("the sandbox fork server did not start")

    def _stop(self) -> None:
        if self._owner == os.getpid():
            if self._sock is not None:
                self._sock.close()  # the server exits when it reads the end of its socket
            if self._proc is not None and self._proc.poll() is None:
                try:
                    self._proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            if self._home:
                shutil.rmtree(self._home, ignore_errors=True)
        self._proc = self._sock = self._home = None


def at_exit(server: ForkServer) -> None:
    atexit.register(server.close)
