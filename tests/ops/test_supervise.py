"""The embedded supervisor (scripts/supervise, what scripts/run starts): a process that crashes or is
killed comes back while the others keep running; Ctrl-C/SIGTERM stops them all; a process that
cannot start at all stops everything instead of looping."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

SUPERVISE = ROOT / "scripts" / "supervise"


def _wait_for(predicate, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _starts(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _procfile(tmp_path, **lines) -> Path:
    path = tmp_path / "Procfile"
    path.write_text("".join(f"{name}: {cmd}\n" for name, cmd in lines.items()))
    return path


def _py(code: str) -> str:
    return f"{sys.executable} -c \"{code}\""


def test_a_crashed_or_killed_process_is_restarted_and_the_others_keep_running(tmp_path):
    steady, crashy = tmp_path / "steady.pids", tmp_path / "crashy.pids"
    record = "import os,time; open('{f}','a').write(str(os.getpid())+' ')"
    procfile = _procfile(
        tmp_path,
        steady=_py(record.format(f=steady) + "; time.sleep(600)"),
        # exits with an error twice (a crash), then stays up
        crashy=_py(record.format(f=crashy) + "; n=len(open('{f}').read().split()); "
                   "time.sleep(0.2); raise SystemExit(3 if n < 3 else 0) if n < 3 else time.sleep(600)".format(f=crashy)))
    sup = subprocess.Popen([sys.executable, str(SUPERVISE), "-f", str(procfile), "--stop-timeout", "5"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _wait_for(lambda: len(_starts(crashy)) >= 3), _starts(crashy)
        # SIGKILL, as the OOM killer or an operator would: it comes back too.
        victim = int(_starts(crashy)[-1])
        assert _wait_for(lambda: _alive(victim))
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(lambda: len(_starts(crashy)) >= 4), _starts(crashy)
        assert _wait_for(lambda: _alive(int(_starts(crashy)[-1])))
        # The steady process was never touched.
        assert len(_starts(steady)) == 1 and _alive(int(_starts(steady)[0]))
        children = [int(p) for p in _starts(steady)[:1] + _starts(crashy)[-1:]]

        sup.send_signal(signal.SIGTERM)
        assert sup.wait(20) == 0
        assert _wait_for(lambda: not any(_alive(p) for p in children), 10)
        out = sup.stdout.read().decode()
        assert "crashy exited with status 3; restarting" in out
    finally:
        if sup.poll() is None:
            os.killpg(sup.pid, signal.SIGKILL)


def test_a_process_that_cannot_start_stops_everything_instead_of_looping(tmp_path, monkeypatch):
    procfile = _procfile(tmp_path, broken=_py("raise SystemExit(2)"), steady=_py("import time; time.sleep(600)"))
    code = ("import runpy, sys; g = runpy.run_path(sys.argv[1]); "
            "g['Supervisor'].__init__.__globals__.update(MAX_QUICK=3, MAX_BACKOFF=0.2); "
            "sys.exit(g['main'](['-f', sys.argv[2], '--stop-timeout', '5']))")
    sup = subprocess.run([sys.executable, "-c", code, str(SUPERVISE), str(procfile)], capture_output=True, text=True,
                         timeout=60)
    assert sup.returncode == 1, sup.stdout + sup.stderr
    assert "broken exited 3 times" in sup.stdout and "giving up" in sup.stdout
    assert "stopping steady" in sup.stdout


def test_the_systemd_units_in_the_readme_are_valid(tmp_path):
    """docs/systemd/*: systemd itself parses them (only the install paths are missing here)."""
    import shutil
    import pytest
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    units = sorted(str(p) for p in (ROOT / "docs" / "systemd").iterdir())
    assert len(units) == 4
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
    problems = [line for line in (r.stdout + r.stderr).splitlines()
                if line.strip() and "is not executable: No such file or directory" not in line]
    assert problems == []
    for name in ("caseos-web.service", "caseos-worker.service", "caseos-beat.service"):
        assert "Restart=always" in (ROOT / "docs" / "systemd" / name).read_text()
