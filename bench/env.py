"""The stack the benchmarks run against: real processes started exactly as the Procfile starts them.

* its own PostgreSQL database (``caseos_bench_<random>``, dropped at the end), migrated with
  ``flask --app wsgi db upgrade`` in a subprocess, like the Procfile's release phase;
* Redis database 5 (``BENCH_REDIS_DB`` to change it) for the broker, pub/sub and rate limits;
* moto's S3-compatible server (``STORAGE_BACKEND=s3``);
* gunicorn with gunicorn.conf.py (gevent workers) and Celery workers with the Procfile's command line.

Nothing here imports the app: processes that need an app context run ``python -m bench.apptask``.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from devkit.net import free_port
from devkit.s3 import start_s3_process

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = os.environ.get("BENCH_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6379"))
DEFAULT_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "5"))
PASSWORD = "correct horse battery staple bench"
# Variables of the caller's environment that must not leak into the bench processes.
SCRUB = ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
         "CELERY_TASK_ALWAYS_EAGER", "STORAGE_BACKEND", "STORAGE_DIR", "S3_BUCKET", "S3_ENDPOINT_URL",
         "ENCRYPTION_OLD_KEYS", "SMTP_URL", "OCR_WORKERS", "WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS",
         "GUNICORN_WORKER_CONNECTIONS", "CASEOS_TEST_CONFIGURED", "RATELIMIT_STORAGE_URI", "AI_PROVIDER",
         "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MAX_PAGES", "MAX_PIXELS_PER_PAGE", "OCR_TIMEOUT_PER_PAGE",
         "JOB_LEASE_SECONDS", "OMP_THREAD_LIMIT", "PYTEST_CURRENT_TEST")


class Proc:
    """A process group started by the bench, its log in a file (never a pipe that could fill up)."""

    def __init__(self, name: str, popen: subprocess.Popen, log_path: str):
        self.name, self.popen, self.log_path = name, popen, log_path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self, tail: int = 4000) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20):
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(10)


@dataclass
class BenchUser:
    """A registered, signed-in user: bearer token, ids, and its personal organization."""

    email: str
    token: str
    user_id: str
    org_id: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class Stack:
    def __init__(self, quick: bool = False, redis_db: int | None = None, log=print):
        self.quick = quick
        self.redis_db = DEFAULT_REDIS_DB if redis_db is None else redis_db
        self.log = log
        self.var = tempfile.mkdtemp(prefix="caseos-bench-")
        self.dbname = f"caseos_bench_{uuid.uuid4().hex[:10]}"
        self.admin_db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.dbname
        self.db_url = self.admin_db_url  # what the app processes use (an application role once migrated)
        self.db_role: str | None = None
        self.procs: list[Proc] = []
        self.web: Proc | None = None
        self.web_url: str | None = None
        self.worker: Proc | None = None
        self._moto_stop = None
        self._lock_token = secrets.token_hex(8)
        self._redis = None
        self._servers: dict[tuple, Proc] = {}
        self.env: dict = {}

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self):
        import psycopg2
        import redis

        self._redis = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db)
        lock_key = "caseos-bench:lock"
        deadline = time.time() + 60
        while not self._redis.set(lock_key, self._lock_token, nx=True, ex=3600):
            if time.time() > deadline:
                raise RuntimeError(f"Redis db {self.redis_db} is in use by another bench run (key {lock_key}); "
                                   "set BENCH_REDIS_DB to another database")
            time.sleep(2)
        # Leftover Celery messages of an interrupted run would point at a dropped database.
        for key in self._redis.scan_iter(count=1000):
            if key != lock_key.encode():
                self._redis.delete(key)
        conn = psycopg2.connect(PG_ADMIN_URL)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.dbname}"')
        conn.close()
        sys.path.insert(0, str(ROOT))
        s3_url, self._moto_stop = start_s3_process()
        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k not in SCRUB}
        env.update({
            "CASEOS_ENV": "production",
            "CASEOS_VAR_DIR": self.var,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DATABASE_URL": self.admin_db_url,
            "BENCH_ADMIN_DATABASE_URL": self.admin_db_url,
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": s3_url, "S3_BUCKET": "caseos-bench",
            "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
            "MAX_UPLOAD_BYTES": str(300 * 1024 * 1024),
            "RATELIMIT_AUTH": "100000 per minute",
            "RATELIMIT_ORG_UPLOADS": "100000 per minute", "RATELIMIT_ORG_RESEARCH": "100000 per minute",
            "RATELIMIT_KEY_PREFIX": f"caseos-bench-{uuid.uuid4().hex[:8]}",
            "PORT": str(port), "PUBLIC_URL": self.web_url,
            "PYTHONPATH": str(ROOT),
        })
        self.env = env
        self.log(f"  stack: database {self.dbname}, redis db {self.redis_db}, s3 {s3_url}, var {self.var}")
        res = subprocess.run([PY, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"migrations failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
        self._use_app_role()

    def _use_app_role(self):
        """Run the app as production does: a login role that is a member of caseos_app and owns nothing,
        so row-level security applies (migration 0009). BENCH_DB_ROLE=owner keeps the superuser."""
        import psycopg2
        if os.environ.get("BENCH_DB_ROLE", "app") == "owner":
            self.log("  database role: postgres (BENCH_DB_ROLE=owner: row-level security not applied)")
            return
        conn = psycopg2.connect(self.admin_db_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'caseos_app'")
            if cur.fetchone() is None:
                self.log("  database role: postgres (no caseos_app role in this schema version)")
                conn.close()
                return
            role = f"caseos_bench_{uuid.uuid4().hex[:8]}"
            cur.execute(f'CREATE ROLE "{role}" LOGIN IN ROLE caseos_app')
            cur.execute(f'GRANT CONNECT ON DATABASE "{self.dbname}" TO "{role}"')
        conn.close()
        self.db_role = role
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.db_url = base.replace("postgres@", f"{role}@", 1) + "/" + self.dbname
        self.env["DATABASE_URL"] = self.db_url
        self.log(f"  database role: {role} (member of caseos_app: row-level security applies)")

    def close(self):
        for proc in reversed(self.procs):
            try:
                proc.stop()
            except Exception:
                pass
        self.procs.clear()
        if self._moto_stop:
            try:
                self._moto_stop()
            except Exception:
                pass
        try:
            import psycopg2
            conn = psycopg2.connect(PG_ADMIN_URL)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
                if self.db_role:
                    cur.execute(f'DROP ROLE IF EXISTS "{self.db_role}"')
            conn.close()
        except Exception as exc:  # pragma: no cover
            self.log(f"  could not drop {self.dbname}: {exc}")
        if self._redis is not None:
            try:
                for key in self._redis.scan_iter(count=1000):
                    if key != b"caseos-bench:lock":
                        self._redis.delete(key)
                if self._redis.get("caseos-bench:lock") == self._lock_token.encode():
                    self._redis.delete("caseos-bench:lock")
            except Exception:
                pass
        shutil.rmtree(self.var, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # --- processes -------------------------------------------------------------------------------

    def spawn(self, name: str, cmd: list[str], ready=None, timeout: float = 90, env: dict | None = None) -> Proc:
        log_path = os.path.join(self.var, f"{name}-{len(self.procs)}.log")
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        popen = subprocess.Popen(cmd, cwd=ROOT, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env=env or self.env, start_new_session=True)
        os.close(fd)
        proc = Proc(name, popen, log_path)
        self.procs.append(proc)
        if ready is not None:
            deadline = time.time() + timeout
            while time.time() < deadline:
                if (ready(proc) if callable(ready) else ready in proc.log(10**6)):
                    return proc
                if not proc.alive():
                    raise RuntimeError(f"{name} exited early:\n{proc.log()}")
                time.sleep(0.2)
            proc.stop()
            raise RuntimeError(f"{name} not ready in {timeout}s:\n{proc.log()}")
        return proc

    def start_web(self) -> Proc:
        """gunicorn exactly as the Procfile's web line (gunicorn.conf.py: gevent workers), on 127.0.0.1."""
        import httpx

        def ready(_proc):
            try:
                return httpx.get(self.web_url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        self.web = self.spawn("web", [PY, "-m", "gunicorn", "wsgi:app", "-c", "gunicorn.conf.py",
                                      "--bind", self.web_url.removeprefix("http://")], ready=ready)
        # Every worker has booted once /healthz answers from each of them.
        deadline = time.time() + 30
        while time.time() < deadline and len(self.web_worker_pids()) < self.expected_web_workers():
            time.sleep(0.2)
        return self.web

    def expected_web_workers(self) -> int:
        return int(self.env.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))

    def web_worker_pids(self) -> list[int]:
        import psutil
        if self.web is None:
            return []
        try:
            return [p.pid for p in psutil.Process(self.web.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def start_worker(self) -> Proc:
        """A Celery worker with the Procfile's command line (default concurrency: one process per core)."""
        if self.worker is not None and self.worker.alive():
            return self.worker
        self.worker = self.spawn("worker", [PY, "-m", "celery", "-A", "workers", "worker", "-Q", "default,ocr,ai",
                                            "--loglevel", "INFO", "-n", f"bench-{os.getpid()}@%h"],
                                 ready=" ready.", timeout=120)
        return self.worker

    def stop_worker(self):
        if self.worker is not None:
            self.worker.stop()
            self.procs.remove(self.worker)
            self.worker = None

    def purge_queues(self):
        """Drop queued Celery messages (e.g. pipeline jobs of uploads made while no worker ran)."""
        for key in self._redis.scan_iter(count=1000):
            k = key.decode(errors="replace")
            if k in ("default", "ocr", "ai") or k.startswith("unacked") or k.startswith("_kombu"):
                self._redis.delete(key)

    # --- data ----------------------------------------------------------------------------------

    def connect(self):
        """A superuser connection to the bench database (bulk data, statistics): no row-level security."""
        import psycopg2
        conn = psycopg2.connect(self.admin_db_url)
        conn.autocommit = True
        return conn

    def sql(self, query: str, params=None, fetch: bool = False):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if fetch else None
        finally:
            conn.close()

    def new_user(self, name: str = "Bench User") -> BenchUser:
        import httpx
        email = f"bench-{uuid.uuid4().hex[:12]}@example.test"
        with httpx.Client(base_url=self.web_url, timeout=30) as client:
            r = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name,
                                                           "user_type": "ATTORNEY"})
            r.raise_for_status()
            r = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            r.raise_for_status()
            body = r.json()
            me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"}).json()
        org = next(o["id"] for o in me["organizations"] if o["personal"])
        return BenchUser(email=email, token=body["token"], user_id=body["user"]["id"], org_id=org)

    def create_case(self, user: BenchUser, title: str = "Bench case") -> str:
        import httpx
        r = httpx.post(self.web_url + "/api/v1/cases", headers=user.headers, timeout=30,
                       json={"title": title, "case_type": "CIVIL_LITIGATION", "court_type": "STATE_TRIAL",
                             "jurisdiction": "US-WV", "county": "Kanawha"})
        r.raise_for_status()
        return r.json()["case"]["id"]

    def app_task(self, name: str, timeout: float = 1800, as_owner: bool = False, **kwargs):
        """Run ``bench.apptask.<name>(**kwargs)`` in a process of its own with the bench environment (forked
        by an app-task server that imported the app once); its JSON result.
        as_owner: connect as the superuser instead of the application role (no row-level security)."""
        env = dict(self.env, DATABASE_URL=self.admin_db_url) if as_owner else self.env
        server = self._app_task_server(env)
        server.popen.stdin.write(json.dumps({"name": name, "kwargs": kwargs}) + "\n")
        server.popen.stdin.flush()
        ready, _, _ = select.select([server.popen.stdout], [], [], timeout)
        line = server.popen.stdout.readline() if ready else ""
        if not line:
            server.stop()
            self._servers.pop(self._server_key(env), None)
            raise RuntimeError(f"apptask {name} gave no answer in {timeout:.0f}s:\n{server.log()}")
        res = json.loads(line)
        if res["rc"] != 0:
            raise RuntimeError(f"apptask {name} failed ({res['rc']}):\n{res['stderr'][-4000:]}")
        lines = [ln for ln in res["stdout"].splitlines() if ln.startswith("RESULT ")]
        if not lines:
            raise RuntimeError(f"apptask {name} printed no result:\n{res['stdout'][-2000:]}\n{res['stderr'][-2000:]}")
        return json.loads(lines[-1][len("RESULT "):])

    @staticmethod
    def _server_key(env: dict) -> tuple:
        return tuple(sorted(env.items()))

    def _app_task_server(self, env: dict) -> Proc:
        """The app-task server for this environment (one per environment: the app role, the superuser)."""
        key = self._server_key(env)
        server = self._servers.get(key)
        if server is None or not server.alive():
            log_path = os.path.join(self.var, f"apptask-server-{len(self.procs)}.log")
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            popen = subprocess.Popen([PY, "-m", "bench.apptask", "--serve"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=fd, text=True, start_new_session=True)
            os.close(fd)
            server = self._servers[key] = Proc("apptask-server", popen, log_path)
            self.procs.append(server)
        return server

    def popen_app_task(self, name: str, **kwargs) -> subprocess.Popen:
        """Start ``bench.apptask.<name>`` without waiting (stdin carries the arguments, stdout the result)."""
        proc = subprocess.Popen([PY, "-m", "bench.apptask", name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=ROOT, env=self.env, text=True)
        proc.stdin.write(json.dumps(kwargs))
        proc.stdin.close()
        return proc


def machine_info() -> dict:
    import platform

    import psutil
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except Exception:
            return None
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "tesseract": version(["tesseract", "--version"]), "ocrmypdf": version(["ocrmypdf", "--version"]),
        "wrk": version(["wrk", "--version"]),
        "postgres": version(["psql", "--version"]),
        "loadavg_at_start": list(os.getloadavg()),
    }
