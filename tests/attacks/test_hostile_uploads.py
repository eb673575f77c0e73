"""Hostile files through the API and the real worker (guarantee 13).

Every file of the hostile corpus (tests/fixtures/hostile/) and every generated one (PDF
JavaScript and launch actions, polyglots, pixel floods, a deflate bomb, deeply nested and
cyclic PDF objects) is uploaded under a hostile name. Each one ends refused (4xx) or as a
document that is FAILED with a known error code or PROCESSED (neutralised: nothing in it ran),
within a time bound, while no worker process ever holds 512 MB. Afterwards the worker still
processes a good document; stored keys hold ids only; downloads are safe (RFC 6266 names with
the real type's extension, nosniff, sandboxed).
"""
from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import unquote

import boto3
import psutil
import pytest

from app.documents.extraction import ERROR_CODES
from tests.attacks import hostile_gen
from tests.e2e.helpers import upload, wait_document
from tests.factories import ApiUser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
MEMORY_LIMIT = 512 * 1024 * 1024
PER_FILE_SECONDS = 150
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class MemoryWatch:
    """Peak resident memory of every process in the worker's tree, sampled every 0.1 s."""

    def __init__(self, pid):
        self.root = psutil.Process(pid)
        self.peaks: dict[int, tuple[int, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    name = " ".join(p.cmdline()[:4])[:120]
                except psutil.Error:
                    continue
                if rss > self.peaks.get(p.pid, (0, ""))[0]:
                    self.peaks[p.pid] = (rss, name)
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    @property
    def worst(self):
        return max(self.peaks.values(), default=(0, ""))


# The full corpus, when this checkout sits next to it, adds what the repository may not carry
# (signed_and_encrypted.pdf is GPL-licensed): it is read in place, never copied.
SHARED_CORPUS = Path(os.environ.get("CASEOS_HOSTILE_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus" / "hostile"))


def _files():
    corpus = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.iterdir()) if not p.name.endswith(".txt")]
    if SHARED_CORPUS.is_dir():
        have = {name for name, _ in corpus}
        corpus += [(p.name, p.read_bytes()) for p in sorted(SHARED_CORPUS.iterdir())
                   if p.is_file() and not p.name.endswith(".txt") and p.name not in have]
    generated = [(name, fn()) for name, fn in hostile_gen.GENERATED.items()]
    return corpus + generated


@pytest.fixture(scope="module")
def hostile_run(app, worker):
    """Upload everything at once (as an attacker would), then wait for every outcome."""
    owner = ApiUser.register(app, name="Hostile Uploader")
    case = owner.create_case(title="Hostile files")
    # (a CR/LF name cannot travel in a multipart header at all; it is tried on its own below)
    names = [n for n in hostile_gen.HOSTILE_NAMES if "\r" not in n and "\n" not in n]
    outcomes = {}
    with MemoryWatch(worker.pid) as watch:
        started = {}
        for i, (name, data) in enumerate(_files()):
            # every upload carries a hostile name; the file's own name stays in the title for the report
            filename = names[i % len(names)] if i % 2 else name
            r = upload(owner, case["id"], data, filename=filename, title=f"hostile {name}")
            body = r.get_json(silent=True) or {}
            outcomes[name] = {"upload": r.status_code, "body": body, "filename": filename}
            if r.status_code == 202:
                started[name] = (body["document"]["id"], time.monotonic())
        deadline = time.monotonic() + PER_FILE_SECONDS + 60
        pending = dict(started)
        while pending and time.monotonic() < deadline:
            for name, (doc_id, t0) in list(pending.items()):
                doc = owner.get(f"/api/v1/documents/{doc_id}").get_json()
                if doc["status"] in ("PROCESSED", "FAILED"):
                    outcomes[name].update(document=doc, seconds=time.monotonic() - t0)
                    del pending[name]
            time.sleep(0.5)
        for name, (doc_id, _) in pending.items():
            outcomes[name].update(document=owner.get(f"/api/v1/documents/{doc_id}").get_json(), seconds=None)
        # the worker is still healthy: a good document goes all the way
        r = upload(owner, case["id"], b"After the storm: a plain notice. Pay rent of $10.00 by May 1, 2031.\n",
                   filename="good.txt")
        good_id = r.get_json()["document"]["id"]
        t0 = time.monotonic()
        good = None
        while time.monotonic() - t0 < 90:
            good = owner.get(f"/api/v1/documents/{good_id}").get_json()
            if good["status"] in ("PROCESSED", "FAILED"):
                break
            time.sleep(0.3)
    return {"owner": owner, "case": case, "outcomes": outcomes, "memory": watch, "good": good}


def test_every_hostile_file_is_refused_or_neutralised_in_time(hostile_run):
    failures = []
    for name, out in sorted(hostile_run["outcomes"].items()):
        status = out["upload"]
        if name in hostile_gen.MUST_REFUSE and status != 415:
            failures.append(f"{name}: a polyglot/markup/archive must be refused with 415, got {status}")
            continue
        if 400 <= status < 500:
            problem = out["body"]
            if not problem.get("code") or problem.get("status") != status:
                failures.append(f"{name}: refusal {status} is not a problem document: {problem}")
            continue
        if status != 202:
            failures.append(f"{name}: upload answered {status}: {out['body']}")
            continue
        doc = out["document"]
        if out["seconds"] is None:
            failures.append(f"{name}: still {doc['status']} after {PER_FILE_SECONDS}s")
        elif doc["status"] == "FAILED":
            code = (doc.get("error") or {}).get("code")
            if code not in ERROR_CODES:
                failures.append(f"{name}: FAILED with {code!r}, not a known file error (a crash or a bug)")
    assert not failures, "\n".join(failures)


def test_expected_outcomes_for_the_worst_files(hostile_run):
    out = hostile_run["outcomes"]

    def code(name):
        return (out[name].get("document") or {}).get("error", {}) or {}
    assert out["empty_0_bytes.pdf"]["upload"] == 422
    assert code("encrypted_userpw_openpassword.pdf").get("code") == "pdf_encrypted"
    for bomb in ("content_stream_bomb.pdf", "page_tree_cycle.pdf", "reference_loop.pdf"):
        assert code(bomb).get("code") == "file_corrupt", (bomb, out[bomb])
    for flood in ("pixel_flood.png", "pixel_flood.jpg", "pixel_flood.tif"):
        assert code(flood).get("code") == "image_too_large", (flood, out[flood])
    js = out["javascript_actions.pdf"]["document"]
    assert js["status"] == "PROCESSED"  # read as text; its actions are never executed
    for bomb in ("deflate_bomb.docx", "entity_bomb.docx", "member_flood.docx", "nesting_bomb.eml",
                 "part_flood.eml"):
        assert code(bomb).get("code") in ("content_too_large", "file_corrupt"), (bomb, out[bomb])
    for flood in ("pixel_flood_54mp.heic", "pixel_flood_54mp.webp"):
        assert code(flood).get("code") == "image_too_large", (flood, out[flood])
    for read in ("active_content.html", "hostile_attachments.eml"):
        assert out[read]["document"]["status"] == "PROCESSED", (read, out[read])


def test_attachments_of_a_hostile_message_meet_their_own_guards(hostile_run):
    """Each attachment is a document that fails or is read like an upload of its own; the polyglot
    is not a document at all, and a message inside the attached message is not split again."""
    owner, case = hostile_run["owner"], hostile_run["case"]
    message = hostile_run["outcomes"]["hostile_attachments.eml"]["document"]
    docs = owner.get(f"/api/v1/cases/{case['id']}/documents?per_page=100").get_json()["items"]
    children = {d["filename"]: wait_document(owner, d["id"]) for d in docs if d.get("parent_document_id") == message["id"]}
    assert set(children) == {"flood.png", "bomb.docx", "forwarded.eml"}, sorted(children)
    assert children["flood.png"]["error"]["code"] == "image_too_large"
    assert children["bomb.docx"]["error"]["code"] == "content_too_large"
    assert children["forwarded.eml"]["status"] == "PROCESSED"
    assert not [d for d in docs if d.get("parent_document_id") == children["forwarded.eml"]["id"]]


def test_no_worker_process_went_over_512_mb(hostile_run):
    rss, who = hostile_run["memory"].worst
    assert hostile_run["memory"].peaks, "the memory watch saw no process"
    assert rss < MEMORY_LIMIT, f"{who} reached {rss / 2**20:.0f} MB"


def test_the_worker_still_processes_a_good_document(hostile_run):
    good = hostile_run["good"]
    assert good and good["status"] == "PROCESSED", good


def test_stored_keys_are_built_from_ids_only(app, hostile_run):
    owner = hostile_run["owner"]
    s3 = boto3.client("s3", endpoint_url=app.config["S3_ENDPOINT_URL"], aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")
    keys, token = [], None
    while True:
        kw = {"Bucket": app.config["S3_BUCKET"], "Prefix": f"orgs/{owner.org_id}/"}
        if token:
            kw["ContinuationToken"] = token
        page = s3.list_objects_v2(**kw)
        keys += [o["Key"] for o in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not token:
            break
    assert keys
    pattern = re.compile(rf"^orgs/{UUID}/documents/{UUID}/[a-z0-9][a-z0-9_.-]*$")
    bad = [k for k in keys if not pattern.match(k)]
    assert not bad, bad
    from tests.attacks.conftest import pg
    with pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT storage_key FROM documents WHERE organization_id = %s", (owner.org_id,))
        stored = [r[0] for r in cur.fetchall()]
    assert stored and all(pattern.match(k) for k in stored)
    for name in hostile_gen.HOSTILE_NAMES:
        fragment = re.sub(r"[^A-Za-z0-9]", "", name)[:8]
        assert not fragment or all(fragment not in k for k in keys + stored), name


_TOKEN = r"[!#$&+\-.^_`|~0-9A-Za-z]"
_CD = re.compile(rf"^attachment; filename=\"([\x20\x21\x23-\x5b\x5d-\x7e]*)\"; filename\*=UTF-8''((?:%[0-9A-F]{{2}}|{_TOKEN})+)$")


def _check_download(resp, content_type) -> list[str]:
    problems = []
    cd = resp.headers.get("Content-Disposition", "")
    m = _CD.match(cd)
    if not m:
        return [f"Content-Disposition not RFC 6266 shaped: {cd!r}"]
    fallback, encoded = m.group(1), unquote(m.group(2), encoding="utf-8", errors="strict")
    from app.documents.filetypes import extension_for
    for label, name in (("filename", fallback), ("filename*", encoded)):
        if any(ch in name for ch in '/\\"\r\n\x00') or name.startswith(".") or name in ("", ".", ".."):
            problems.append(f"{label} unsafe: {name!r}")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
            problems.append(f"{label} has control or bidi characters: {name!r}")
        if not name.lower().endswith(extension_for(content_type)) and not (
                content_type == "image/jpeg" and name.lower().endswith((".jpeg", ".jpe"))):
            problems.append(f"{label} {name!r} does not end like a {content_type}")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if "sandbox" not in resp.headers.get("Content-Security-Policy", ""):
        problems.append("not sandboxed")
    if not resp.headers.get("Content-Type", "").startswith(content_type):
        problems.append(f"served as {resp.headers.get('Content-Type')}")
    return problems


def test_downloads_of_hostile_names_are_safe(hostile_run):
    owner = hostile_run["owner"]
    failures = []
    checked = 0
    for name, out in hostile_run["outcomes"].items():
        if out["upload"] != 202:
            continue
        doc = out["document"]
        r = owner.get(f"/api/v1/documents/{doc['id']}/content")
        r.close()
        if r.status_code != 200:
            failures.append(f"{name}: content {r.status_code}")
            continue
        checked += 1
        failures += [f"{name} as {out['filename']!r}: {p}" for p in _check_download(r, doc["content_type"])]
    assert checked >= 10
    assert not failures, "\n".join(failures)


def test_every_hostile_name_is_stored_and_served_safely(app, worker):
    """Each hostile name on a harmless text file: stored name and download header are safe."""
    owner = ApiUser.register(app, name="Name Tester")
    case = owner.create_case(title="Names")
    failures = []
    for i, name in enumerate(hostile_gen.HOSTILE_NAMES):
        r = upload(owner, case["id"], f"Plain notice number {i} {uuid.uuid4()}\n".encode(), filename=name)
        if 400 <= r.status_code < 500 and (r.get_json() or {}).get("code"):
            continue  # refused (a CR/LF breaks the multipart header itself): fine
        if r.status_code != 202:
            failures.append(f"{name!r}: upload {r.status_code} {r.get_json()}")
            continue
        doc = r.get_json()["document"]
        stored = doc["filename"]
        if any(ch in stored for ch in "/\\\r\n\x00\"") or stored.startswith(".") or len(stored) > 150:
            failures.append(f"{name!r}: stored as {stored!r}")
        resp = owner.get(f"/api/v1/documents/{doc['id']}/content")
        resp.close()
        failures += [f"{name!r}: {p}" for p in _check_download(resp, "text/plain")]
    assert not failures, "\n".join(failures)


def test_report(hostile_run, capsys):
    """Not an assertion: the outcome table, for the CI log (pytest -rA shows it)."""
    rows = []
    for name, out in sorted(hostile_run["outcomes"].items()):
        doc = out.get("document") or {}
        rows.append(f"{name:40s} upload={out['upload']} status={doc.get('status', '-'):9s} "
                    f"error={(doc.get('error') or {}).get('code', out['body'].get('code', '-'))} "
                    f"seconds={out.get('seconds') and round(out['seconds'], 1)}")
    for rss, who in sorted(hostile_run["memory"].peaks.values(), reverse=True)[:5]:
        rows.append(f"peak RSS {rss / 2**20:.0f} MB in {who}")
    print("\n".join(rows))
