"""Helpers for end-to-end tests through the API with a real worker."""
from __future__ import annotations

import re
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FINAL = ("PROCESSED", "FAILED")


def upload(user, case_id, path_or_bytes, filename=None, **form):
    import io
    if isinstance(path_or_bytes, (str, Path)):
        data = Path(path_or_bytes).read_bytes()
        filename = filename or Path(path_or_bytes).name
    else:
        data = path_or_bytes
    body = {"file": (io.BytesIO(data), filename or "upload.bin"), **form}
    return user.post(f"/api/v1/cases/{case_id}/documents", data=body, content_type="multipart/form-data")


def wait_document(user, doc_id, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        doc = user.get(f"/api/v1/documents/{doc_id}").get_json()
        if doc.get("status") in FINAL:
            return doc
        time.sleep(0.3)
    raise AssertionError(f"document {doc_id} not final after {timeout}s: {doc}")


def word_recall(expected: str, got: str) -> float:
    words = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", expected)]
    have = set(w.lower() for w in re.findall(r"[A-Za-z]{4,}", got))
    return sum(1 for w in words if w in have) / max(len(words), 1)
