"""Browser tests: the web client in Debian's Chromium against the full stack - gunicorn with the production
settings, PostgreSQL, Redis, moto's S3 server and a real Celery worker."""
from __future__ import annotations

import os
import signal

import pytest

from devkit.net import free_port
from tests.web import browser as b


@pytest.fixture(scope="session")
def web_url(worker):
    from tests.procs import start_web
    port = free_port()
    # A sign-in provider configured (never contacted: the tests only look at its button).
    proc = start_web(port, env={"PUBLIC_URL": f"http://127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
                                "OAUTH_GOOGLE_CLIENT_ID": "caseos-web-test"})
    yield f"http://127.0.0.1:{port}"
    proc.stop(signal.SIGINT)  # gunicorn's quick shutdown: open event streams are not waited for


@pytest.fixture()
def open_browser(web_url, tmp_path):
    if not b.available():
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are needed (scripts/bootstrap installs them)")
        pytest.skip("chromium and chromium-driver are not installed (scripts/bootstrap installs them)")
    opened = []

    def _open(size, label):
        downloads = tmp_path / f"downloads-{label}"
        downloads.mkdir()
        br = b.Browser(web_url, size, label, downloads)
        opened.append(br)
        return br
    yield _open
    for br in opened:
        br.close()


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests left their screenshots, for a person to look at."""
    if b.SCREENSHOTS.is_dir() and any(b.SCREENSHOTS.glob("*/*.png")):
        terminalreporter.write_line(f"web client screenshots: {b.SCREENSHOTS}/{{desktop,phone}}/*.png")
