"""gunicorn settings: gevent workers so hundreds of event streams never pin a worker each."""
import multiprocessing
import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = None  # request logs come from the app, with request ids and without query secrets
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    if worker_class == "gevent":
        # psycopg2 waits cooperatively under gevent; otherwise one slow query would stall every stream.
        from psycogreen.gevent import patch_psycopg
        patch_psycopg()

# No control socket: it lives at one path per user (~/.gunicorn), so a second copy would take over the
# first one's; nothing here uses gunicornc.
control_socket_disable = True
