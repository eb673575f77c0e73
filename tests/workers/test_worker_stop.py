"""A normal stop (SIGTERM to the worker's whole process group, as honcho, systemd and container
runtimes send it) ends the worker with status 0 and no error line."""
from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.procs import shared_worker_paused, start_worker


def _catches_sigterm(pid: int) -> bool:
    """The process installed a SIGTERM handler (billiard's, once the pool process finished starting)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def test_sigterm_to_the_process_group_stops_the_worker_without_an_error_line(tmp_path):
    # The embedded default's broker (scripts/run), where a stop logged an error per pool process.
    with shared_worker_paused():
        proc = start_worker(name="stopping", concurrency=2,
                            env={"CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}"})
        deadline = time.time() + 60
        while time.time() < deadline and not (len(proc.children()) == 2
                                              and all(_catches_sigterm(p) for p in proc.children())):
            time.sleep(0.2)
        started = len(proc.children()) == 2 and all(_catches_sigterm(p) for p in proc.children())
        proc.stop()
        log = proc.log()
    assert started, "the pool processes never finished starting:\n" + log[-2000:]
    assert proc.popen.returncode == 0, log[-2000:]
    assert "Warm shutdown" in log
    assert "ERROR" not in log, log[-2000:]
    assert "stopped by 'signal 15 (SIGTERM)' (a normal stop)" in log


def test_the_pool_finishes_when_a_stopped_pool_process_kept_the_task_pipe_locked():
    # The embedded broker runs billiard's blocking pool; a pool process ended by SIGTERM while reading
    # its next task can leave the task pipe's lock held, and the stop then waited for it forever.
    import os
    import threading

    from billiard import get_context

    from workers.prefork import _BlockingPool

    queue = get_context().SimpleQueue()
    child = os.fork()
    if child == 0:  # a pool process that takes the lock and is killed holding it
        queue._rlock.acquire()
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(child, 0)
    finished = threading.Event()
    handler = threading.Thread(target=time.sleep, args=(0,))
    handler.start()
    handler.join()

    def finish():
        _BlockingPool._help_stuff_finish(queue, handler, [])
        finished.set()
    threading.Thread(target=finish, daemon=True).start()
    assert finished.wait(30), "finishing the pool waited for a lock no live process holds"
