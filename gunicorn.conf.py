"""gunicorn settings: gevent workers so hundreds of event streams never pin a worker each."""
import hashlib
import multiprocessing
import os
import re
import tempfile

from config import read_environment

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 30
# Idle keep-alive connections stay open longer than a reverse proxy's own idle timeout (nginx and
# AWS ALB: 60 s): otherwise gunicorn may close one just as the proxy sends on it, and the client gets
# a 502. gevent workers hold idle connections for almost nothing.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# The longest request line gunicorn takes (its default 4094 answered 414 to valid queries: 500
# characters of search text, percent-encoded, pass 4 KB). Every documented query fits in this
# (tests/attacks/test_bad_input.py); a longer one is 414, as the OpenAPI document says.
limit_request_line = 8190
accesslog = None  # request logs come from the app, with request ids and without query secrets
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _control_socket(bind: str) -> str:
    """One control socket per instance (gunicornc talks to it): beside this deployment's data, named
    by the address it serves, never the shared ~/.gunicorn/gunicorn.ctl that two CaseOS on one host
    (or a second copy on another port) would both claim. A Unix socket path stays under ~100 bytes."""
    run_dir = os.path.join(read_environment()["VAR_DIR"], "run")
    label = re.sub(r"[^A-Za-z0-9.-]+", "-", bind).strip("-") or "default"
    path = os.path.join(run_dir, f"gunicorn-{label}.ctl")
    if len(path.encode()) > 100:
        digest = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:16]
        return os.path.join(tempfile.gettempdir(), f"caseos-gunicorn-{digest}.ctl")
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    return path


control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or _control_socket(f"port-{read_environment()['PORT']}")
control_socket_mode = 0o600


def on_starting(server):
    # The bind is known only now (--bind on the command line); the control socket starts later.
    if not os.environ.get("GUNICORN_CONTROL_SOCKET"):
        server.cfg.set("control_socket", _control_socket(",".join(server.cfg.bind)))


def post_fork(server, worker):
    if worker_class == "gevent":
        # psycopg2 waits cooperatively under gevent; otherwise one slow query would stall every stream.
        from psycogreen.gevent import patch_psycopg
        patch_psycopg()
