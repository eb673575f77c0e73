"""moto's S3-compatible server in a thread of this process (its ThreadedMotoServer)."""
from __future__ import annotations

import logging
from typing import Callable

from moto.server import ThreadedMotoServer


def start_s3() -> tuple[str, Callable[[], None]]:
    """Start the server on a free port of 127.0.0.1; returns (endpoint URL, stop)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not one line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}", server.stop
