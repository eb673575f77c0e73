"""moto's S3-compatible server (its ThreadedMotoServer), in a thread of this process or in a process of its own.

    python -m devkit.s3     serves on a free port of 127.0.0.1 and prints its URL, until stopped
"""
from __future__ import annotations

import logging
import subprocess
import sys
import time
from typing import Callable

from moto.server import ThreadedMotoServer


def start_s3() -> tuple[str, Callable[[], None]]:
    """Start the server in a thread on a free port of 127.0.0.1; returns (endpoint URL, stop)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not one line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}", server.stop


def start_s3_process() -> tuple[str, Callable[[], None]]:
    """The same server in a process of its own (benchmarks: it must not share this process's CPU)."""
    proc = subprocess.Popen([sys.executable, "-m", "devkit.s3"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise RuntimeError(f"the S3 server did not start (exit status {proc.wait()})")

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return url, stop


if __name__ == "__main__":
    endpoint, _stop = start_s3()
    print(endpoint, flush=True)
    while True:
        time.sleep(3600)
