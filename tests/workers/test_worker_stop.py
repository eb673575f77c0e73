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
