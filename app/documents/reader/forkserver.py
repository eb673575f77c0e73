"""The warm sandbox: a fork server that has the readers (PDFium, Pillow) loaded and forks one fresh
child per request (``python -I app/documents/reader/child.py --sandbox-forkserver FD``).

A request arrives on the control socket (``FD``, a SOCK_SEQPACKET Unix socket to the process that
started the server) as a JSON header (the child's working folder and environment) with four file
descriptors: the child's stdin, stdout and stderr and a status pipe. The server forks; the child
takes those three as 0/1/2, starts its own session, closes every other descriptor, moves into its
folder, replaces its environment and then runs exactly what a cold sandbox child runs
(``ops._child_main``: reads the request from stdin, sets its rlimits, streams the answer). The server
answers with the child's pid and, once it has reaped the child, writes its exit status (as
``Popen.returncode`` reads: negative for a signal) to the status pipe and closes it.

The server parses nothing itself, so nothing a document does can reach it: each document is read
by a process of its own, with its own limits, that exits when it is done; a crash or a kill ends
that child only. The server exits when its control socket closes (the starting process ended).
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import tempfile

from . import ops

MAX_HEADER = 1 << 16


def preload() -> None:
    """Import and initialise what reading a document needs, so a forked child starts warm (``ops``
    has imported the readers: pdf, images, ocr, markup, word, layout)."""
    import pypdfium2  # noqa: F401  (PDFium is initialised on import)
    from PIL import Image

    Image.preinit()  # the common formats (PNM, PNG, JPEG...); the rest load in the child that needs them


def serve(ctrl_fd: int) -> None:  # pragma: no cover - exercised through subprocesses
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    preload()
    ctrl = socket.socket(fileno=ctrl_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    status_fds: dict[int, int] = {}
    ctrl.send(b"ready")
    while True:
        try:
            ready, _, _ = select.select([ctrl, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
        _reap(status_fds)
        if ctrl not in ready:
            continue
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, MAX_HEADER, 4)
        except InterruptedError:
            continue
        if not data:  # the process that started us is gone
            return
        pid = _fork_child(ctrl, wake_r, wake_w, status_fds, json.loads(data), fds)
        ctrl.send(str(pid).encode())


def _fork_child(ctrl, wake_r: int, wake_w: int, status_fds: dict, header: dict, fds: list[int]) -> int:
    stdin, stdout, stderr, status = fds
    try:
        pid = os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        return -1
    if pid == 0:  # the child: never returns into the server's loop
        code = 1
        try:
            _become_child(header, stdin, stdout, stderr)
            ops._child_main()
            code = 0
        finally:
            os._exit(code)
    for fd in (stdin, stdout, stderr):
        os.close(fd)
    status_fds[pid] = status
    return pid


def _become_child(header: dict, stdin: int, stdout: int, stderr: int) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)
    os.chdir(header["cwd"])
    os.environ.clear()
    os.environ.update(header["env"])
    tempfile.tempdir = None  # found again from the child's own TMPDIR
    sys.stdin = open(0, encoding="utf-8", closefd=False)


def _reap(status_fds: dict) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = status_fds.pop(pid, None)
        if fd is None:
            continue
        try:
            os.write(fd, str(os.waitstatus_to_exitcode(status)).encode())
        except OSError:
            pass
        os.close(fd)
