"""Start moto's standalone S3-compatible server in a subprocess for storage tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Callable


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        # Any HTTP answer (even 4xx) means the server is up.
        return True
    except OSError:
        return False


def start_moto_server(timeout: float = 30.0) -> tuple[str, Callable[[], None]]:
    """Launch `python -m moto.server` on a free port; return (endpoint_url, stop_fn) once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A file, not a pipe: a chatty server must never block on a full pipe buffer.
    log = tempfile.TemporaryFile()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port), "-H", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            output = log.read().decode("utf-8", "replace")[-2000:]
            stop()
            raise RuntimeError(f"moto server exited with {proc.returncode}: {output}")
        if _answers(url + "/moto-api/"):
            return url, stop
        time.sleep(0.1)
    stop()
    raise RuntimeError(f"moto server did not answer on {url} within {timeout}s")
