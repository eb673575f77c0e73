"""A step commits and then enqueues the next step; SIGTERM between the two must wait for the enqueue
(the group-kill case of tests/faults/test_shutdown.py depends on it)."""
import signal
import subprocess
import sys

from tests.conftest import ROOT

CHILD = r'''
import os, signal, time
from app.platform.engine import SigtermHold
hold = SigtermHold()
hold.start()
os.kill(os.getpid(), signal.SIGTERM)        # arrives inside the commit -> enqueue window
time.sleep(0.3)
print("enqueued the next step", flush=True)  # still alive: the hand-on completes
hold.release()                               # and now the SIGTERM takes effect
time.sleep(2)
print("still running after release", flush=True)
'''


def test_sigterm_inside_the_hand_on_window_waits_for_it_then_stops_the_process():
    p = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "enqueued the next step" in p.stdout, p.stderr[-2000:]
    assert "still running after release" not in p.stdout
    assert p.returncode == -signal.SIGTERM
