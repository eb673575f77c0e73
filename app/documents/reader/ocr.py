"""tesseract on page images: several processes at a time, each with its own CPU limit and wall-clock
budget, orientation checked only on low confidence."""
from __future__ import annotations

import math
import os
import re
import selectors
import signal
import subprocess
import time
from collections import deque
from typing import Callable

from .common import ProcessingError


# -------------------------------------------------------------------------------------------- OCR


# Orientation: tesseract reads every page with --psm 3 (no orientation and script detection, which
# costs 15-20% on every page). A page read upside down or sideways comes back as garbage with a low
# mean confidence (about 40 against 90+ for the same page upright), so only pages under this
# confidence get an orientation check (--psm 0); when it finds a rotation the page is turned and
# read again, and the better of the two readings (by confidence) is kept.
OSD_BELOW_CONFIDENCE = 70.0
OSD_MIN_ORIENTATION_CONFIDENCE = 2.0
_TRANSPOSE_FOR_ROTATE = {90: "ROTATE_270", 180: "ROTATE_180", 270: "ROTATE_90"}  # tesseract: degrees clockwise


class _OcrPage:
    __slots__ = ("number", "image", "dpi", "stage", "first", "deadline", "proc", "out", "err", "open")

    def __init__(self, number: int, image: str | None, dpi: int):
        self.number, self.image, self.dpi = number, image, dpi
        self.stage = ""
        self.first: tuple[str, float] | None = None
        self.deadline = 0.0
        self.proc = None
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.open = 0


class _OcrEngine:
    """Runs tesseract on rendered pages, ``workers`` processes at a time, from one thread.

    Each page gets ``budget`` seconds of wall-clock time for all its tesseract runs (the first
    reading timing out is ``ocr_timeout``; an orientation retry timing out keeps the first reading)
    and, with ``rlimits`` (in the sandbox child, which is single-threaded so ``preexec_fn`` is safe),
    its own CPU limit; the address-space, core and file-size limits are the sandbox's, inherited.
    Pages are rendered lazily, at most one ahead of the running processes, so a 500-page document
    never has more than ``workers + 1`` page images on disk.
    """

    def __init__(self, lang: str, osd: bool, workers: int, budget: float, rlimits: bool):
        self.lang, self.osd, self.workers, self.budget = lang, osd, max(1, int(workers)), float(budget)
        self.preexec = _cpu_limiter(int(math.ceil(self.budget)) + 5) if rlimits else None
        self.selector = selectors.DefaultSelector()
        self.running: list[_OcrPage] = []

    def run(self, pages: list[int], render: Callable[[int], tuple[str, int] | None]):
        todo, ready = deque(pages), deque()
        try:
            while todo or ready or self.running:
                while len(self.running) < self.workers and (ready or todo):
                    page = ready.popleft() if ready else self._render(todo.popleft(), render)
                    if page.image is None:
                        yield [page.number, "", 0.0]
                    else:
                        page.deadline = time.monotonic() + self.budget
                        self._start(page, "ocr")
                if todo and not ready and self.running:  # render the next page while tesseract works
                    page = self._render(todo.popleft(), render)
                    if page.image is None:
                        yield [page.number, "", 0.0]
                    else:
                        ready.append(page)
                if not self.running:
                    continue
                timeout = max(0.0, min(p.deadline for p in self.running) - time.monotonic())
                for key, _ in self.selector.select(timeout):
                    self._read(key)
                now = time.monotonic()
                for page in list(self.running):
                    if page.open == 0:
                        rc = page.proc.wait()
                        self.running.remove(page)
                        result = self._advance(page, rc)
                    elif now >= page.deadline:
                        self._stop(page)
                        if page.stage == "ocr":
                            raise ProcessingError("ocr_timeout", f"Reading page {page.number} took longer "
                                                  f"than {self.budget:g} s.")
                        result = page.first
                    else:
                        continue
                    if result is not None:
                        _remove(page.image)
                        yield [page.number, result[0], result[1]]
        finally:
            for page in list(self.running):
                self._stop(page)
            self.selector.close()

    @staticmethod
    def _render(number: int, render) -> _OcrPage:
        rendered = render(number)
        if rendered is None:
            return _OcrPage(number, None, 0)
        return _OcrPage(number, rendered[0], rendered[1])

    def _start(self, page: _OcrPage, stage: str) -> None:
        cmd = ["tesseract", page.image, "stdout"]
        if stage == "osd":
            cmd += ["--psm", "0"]
        else:
            # No second pass looking for white-on-black text: court papers don't have it (~13%).
            cmd += ["-l", self.lang, "--psm", "3", "-c", "tessedit_do_invert=0"]
        if page.dpi:
            cmd += ["--dpi", str(int(page.dpi))]
        if stage != "osd":
            cmd.append("tsv")
        page.stage, page.out, page.err = stage, [], []
        page.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     close_fds=True, preexec_fn=self.preexec, env=_tesseract_env())
        for stream in (page.proc.stdout, page.proc.stderr):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, page)
        page.open = 2
        self.running.append(page)

    def _read(self, key) -> None:
        page, stream = key.data, key.fileobj
        try:
            chunk = os.read(stream.fileno(), 1 << 16)
        except BlockingIOError:
            return
        if chunk:
            (page.out if stream is page.proc.stdout else page.err).append(chunk)
            return
        self.selector.unregister(stream)
        stream.close()
        page.open -= 1

    def _stop(self, page: _OcrPage) -> None:
        if page in self.running:
            self.running.remove(page)
        proc = page.proc
        if proc is None:
            return
        for stream in (proc.stdout, proc.stderr):
            if stream is not None and not stream.closed:
                try:
                    self.selector.unregister(stream)
                except (KeyError, ValueError):
                    pass
                stream.close()
        page.open = 0
        if proc.poll() is None:
            try:
                proc.kill()
            except ProcessLookupError:  # pragma: no cover
                pass
            proc.wait()

    def _advance(self, page: _OcrPage, rc: int) -> tuple[str, float] | None:
        """The page's current tesseract run ended: its result, or None when another run started."""
        out = b"".join(page.out).decode("utf-8", "replace")
        if page.stage == "ocr":
            if rc != 0:
                raise _tesseract_error(rc, b"".join(page.err).decode("utf-8", "replace"))
            page.first = _assemble(_parse_tsv(out))
            if self.osd and page.first[1] < OSD_BELOW_CONFIDENCE and time.monotonic() < page.deadline:
                self._start(page, "osd")
                return None
            return page.first
        if page.stage == "osd":
            rotate = _osd_rotation(out) if rc == 0 else 0
            if rotate and time.monotonic() < page.deadline and _rotate_image(page.image, rotate):
                self._start(page, "ocr2")
                return None
            return page.first
        second = _assemble(_parse_tsv(out)) if rc == 0 else None
        if second is not None and second[1] > page.first[1]:
            return second
        return page.first


def _cpu_limiter(seconds: int):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    new_hard = seconds + 5 if hard == resource.RLIM_INFINITY else min(hard, seconds + 5)
    limit = (min(seconds, new_hard), new_hard)

    def apply():  # runs between fork and exec: nothing but the system call
        resource.setrlimit(resource.RLIMIT_CPU, limit)
    return apply


def _tesseract_error(rc: int, err: str) -> ProcessingError:
    if rc == -signal.SIGXCPU:
        return ProcessingError("ocr_timeout", "Reading the page used too much processing time.")
    message = err.strip()[-300:]
    if "alloc" in message.lower() or "memory" in message.lower() or rc == -signal.SIGKILL:
        return ProcessingError("image_too_large", "The page needs too much memory to read.")
    return ProcessingError("file_corrupt", f"The page could not be read by OCR: {message or f'status {rc}'}")


def _osd_rotation(out: str) -> int:
    """Clockwise rotation that makes the page upright, from tesseract --psm 0 output (0 if unsure)."""
    m = re.search(r"^Rotate:\s*(\d+)", out, re.M)
    c = re.search(r"^Orientation confidence:\s*([\d.]+)", out, re.M)
    if not m or not c:
        return 0
    rotate = int(m.group(1)) % 360
    try:
        confidence = float(c.group(1))
    except ValueError:
        return 0
    return rotate if rotate in _TRANSPOSE_FOR_ROTATE and confidence >= OSD_MIN_ORIENTATION_CONFIDENCE else 0


def _rotate_image(path: str, rotate: int) -> bool:
    from PIL import Image

    try:
        with Image.open(path, formats=["PPM"]) as img:
            turned = img.transpose(getattr(Image.Transpose, _TRANSPOSE_FOR_ROTATE[rotate]))
        turned.save(path, format="PPM")
        return True
    except Exception:  # keep the first reading
        return False


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _parse_tsv(out: str) -> dict:
    """tesseract's TSV output as columns (the shape pytesseract.image_to_data returns)."""
    keys = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
            "height", "conf", "text")
    data: dict[str, list] = {k: [] for k in keys}
    for row in out.splitlines()[1:]:
        parts = row.split("\t", 11)
        if len(parts) < 11 or not parts[0].isdigit():
            continue
        parts += [""] * (12 - len(parts))
        for key, value in zip(keys, parts):
            data[key].append(value)
    return data


def _assemble(data: dict) -> tuple[str, float]:
    lines: list[str] = []
    confs: list[float] = []
    current_key = None
    current_block = None
    words: list[str] = []
    n = len(data.get("text", []))
    for i in range(n):
        if int(data["level"][i]) != 5:
            continue
        word = str(data["text"][i]).strip()
        if not word:
            continue
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if conf >= 0:
            confs.append(conf)
        key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current_key:
            if words:
                lines.append(" ".join(words))
            words = []
            block = key[:2]
            if current_block is not None and block != current_block:
                lines.append("")  # blank line between blocks
            current_block = block
            current_key = key
        words.append(word)
    if words:
        lines.append(" ".join(words))
    text = "\n".join(lines).strip()
    confidence = round(sum(confs) / len(confs), 2) if confs else 0.0
    return text, confidence


def _tesseract_env() -> dict:
    """The process's environment (PATH, TESSDATA_PREFIX...) with one OpenMP thread per tesseract."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}
