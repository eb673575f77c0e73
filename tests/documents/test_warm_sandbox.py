"""The warm sandbox: documents are read by children forked from a fork server that has the readers
loaded. Each document still gets a process of its own with the same limits; a child that crashes or
hangs ends alone, and a fork server that dies is replaced on the next document."""
from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import psutil
import pytest

from app.documents.extraction import (
    Limits,
    ProcessingError,
    extract_text_layer,
    iter_ocr_pages,
    sandbox_server_pid,
    warm_up,
)
from devkit.docgen import make_scanned_pdf, make_text_pdf

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PDF = "application/pdf"
NOTICE = FIX / "born_digital" / "ca2_clerk_notice_1-1.pdf"


def outcome(fn, *args):
    try:
        return fn(*args)
    except ProcessingError as exc:
        return exc.code


@pytest.mark.parametrize("name", sorted(p.name for p in (FIX / "hostile").glob("*.pdf")))
def test_warm_and_cold_children_read_every_file_alike(name):
    path = FIX / "hostile" / name
    warm = outcome(extract_text_layer, path, PDF, Limits(warm=True))
    cold = outcome(extract_text_layer, path, PDF, Limits(warm=False))
    assert warm == cold
    assert sandbox_server_pid() is not None


def test_each_document_is_read_by_a_fresh_child_with_the_limits(tmp_path):
    long = tmp_path / "long.pdf"  # 400 pages of text: far more than 10 ms of reading
    make_text_pdf(long, [f"Page {n} of the record.\n" + "The tenant shall answer. " * 40 for n in range(400)])
    warm_up()
    server = psutil.Process(sandbox_server_pid())
    assert extract_text_layer(NOTICE, PDF)[0].text
    assert server.children() == []  # the child that read it is gone
    with pytest.raises(ProcessingError) as exc:  # the wall-clock limit kills the child, not the server
        extract_text_layer(long, PDF, Limits(parse_timeout=0.01))
    assert exc.value.code == "file_corrupt"
    with pytest.raises(ProcessingError) as exc:  # the address-space limit is the child's own
        extract_text_layer(FIX / "hostile" / "pixel_flood_54mp.webp", "image/webp",
                           Limits(memory_limit_mb=64, max_pixels_per_page=10**9))
    assert exc.value.code in ("image_too_large", "file_corrupt")
    assert sandbox_server_pid() == server.pid and server.is_running()
    assert extract_text_layer(NOTICE, PDF)[0].text


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_a_child_that_crashes_is_a_damaged_file_and_the_next_document_is_read(tmp_path):
    path = tmp_path / "scan.pdf"
    make_scanned_pdf(path, ["First page of the scan.", "Second page of the scan.", "Third page."])
    warm_up()
    server = psutil.Process(sandbox_server_pid())
    rows = iter_ocr_pages(path, PDF, [1, 2, 3], workers=1)
    with pytest.raises(ProcessingError) as exc:
        next(rows)
        children = server.children()
        assert len(children) == 1
        os.kill(children[0].pid, signal.SIGSEGV)
        list(rows)
    assert exc.value.code == "file_corrupt"
    assert "SIGSEGV" in exc.value.message
    assert extract_text_layer(NOTICE, PDF)[0].text
    assert sandbox_server_pid() == server.pid


def test_a_fork_server_that_died_is_replaced():
    warm_up()
    first = sandbox_server_pid()
    os.kill(first, signal.SIGKILL)
    assert extract_text_layer(NOTICE, PDF)[0].text
    second = sandbox_server_pid()
    assert second is not None and second != first
    assert not psutil.pid_exists(first)  # reaped, not left a zombie
