"""Upload latency (10 MB: 202 p50) and web-process memory while a 200 MB upload streams in.

No worker runs during this benchmark (the web process alone is measured); the queued pipeline
messages are purged afterwards. Every upload has distinct bytes (a PDF header, then random data)
so none is answered as a duplicate. The 200 MB body is streamed from a generator with chunked
transfer encoding, so neither side ever holds it whole; the RSS of every gunicorn worker is sampled
every 10 ms with psutil and the growth over its RSS just before the upload is reported.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

import httpx
import psutil

from bench.report import Figure, summary_ms, under

MB = 1024 * 1024


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int], interval: float = 0.01):
        super().__init__(daemon=True)
        self.procs = [psutil.Process(p) for p in pids]
        self.interval = interval
        self.base = {p.pid: p.memory_info().rss for p in self.procs}
        self.peak = dict(self.base)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for p in self.procs:
                try:
                    rss = p.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                if rss > self.peak[p.pid]:
                    self.peak[p.pid] = rss
            time.sleep(self.interval)

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        growth = {pid: self.peak[pid] - self.base[pid] for pid in self.base}
        return {"growth_mb": max(growth.values()) / MB, "per_worker_growth_mb": {str(k): round(v / MB, 1) for k, v in growth.items()},
                "base_rss_mb": {str(k): round(v / MB, 1) for k, v in self.base.items()}}


def pdf_like(size: int, seed: bytes) -> bytes:
    head = b"%PDF-1.4\n%bench " + seed + b"\n"
    return head + os.urandom(size - len(head))


def multipart_stream(size: int, boundary: str, chunk: int = MB):
    """A multipart/form-data body with one file part of `size` bytes, produced chunk by chunk."""
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
           f"Content-Type: application/pdf\r\n\r\n").encode()
    block = os.urandom(chunk)
    head = b"%PDF-1.4\n%bench " + uuid.uuid4().hex.encode() + b"\n"
    sent = 0
    first = True
    while sent < size:
        n = min(chunk, size - sent)
        data = (head + block[len(head):n]) if first else block[:n]
        if not first:
            data = sent.to_bytes(8, "big") + data[8:]  # no two chunks alike
        first = False
        sent += n
        yield data
    yield f"\r\n--{boundary}--\r\n".encode()


def raw_s3_put_ms(stack, size: int, n: int) -> dict:
    """The storage share of an upload: single PUTs of `size` bytes to the same S3 server, from this process."""
    import boto3
    client = boto3.client("s3", endpoint_url=stack.env["S3_ENDPOINT_URL"], aws_access_key_id="bench",
                          aws_secret_access_key="bench", region_name="us-east-1")
    body = os.urandom(size)
    client.put_object(Bucket=stack.env["S3_BUCKET"], Key="bench/warm", Body=body[:1024])
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        client.put_object(Bucket=stack.env["S3_BUCKET"], Key=f"bench/raw-{i}", Body=body)
        times.append(time.perf_counter() - t0)
    return summary_ms(times)


def run(stack, quick: bool, workdir, log=print) -> list[Figure]:
    stack.stop_worker()
    user = stack.new_user("Upload bench")
    case_id = stack.create_case(user, "Upload bench")
    url = f"/api/v1/cases/{case_id}/documents"
    n_small = 3 if quick else 25
    big_mb = 20 if quick else 200
    lat = []
    with httpx.Client(base_url=stack.web_url, timeout=300) as client:
        for i in range(2 * len(stack.web_worker_pids()) + 2):  # warm both workers (storage client, key ring)
            r = client.post(url, headers=user.headers, files={"file": ("warm.pdf", pdf_like(256 * 1024, b"%d" % i))})
            assert r.status_code == 202, (r.status_code, r.text[:300])
        bodies = [pdf_like(10 * MB, uuid.uuid4().hex.encode()) for _ in range(n_small)]
        sampler = RssSampler(stack.web_worker_pids())
        sampler.start()
        for body in bodies:
            t0 = time.perf_counter()
            r = client.post(url, headers=user.headers, files={"file": ("ten.pdf", body, "application/pdf")})
            lat.append(time.perf_counter() - t0)
            if r.status_code != 202:
                raise RuntimeError(f"10 MB upload answered {r.status_code}: {r.text[:300]}")
        small_mem = sampler.stop()
        log(f"  10 MB x {n_small}: {summary_ms(lat)}")
        del bodies
        time.sleep(1)
        sampler = RssSampler(stack.web_worker_pids())
        sampler.start()
        boundary = uuid.uuid4().hex
        t0 = time.perf_counter()
        r = client.post(url, headers={**user.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
                        content=multipart_stream(big_mb * MB, boundary))
        big_s = time.perf_counter() - t0
        big_mem = sampler.stop()
        if r.status_code != 202:
            raise RuntimeError(f"{big_mb} MB upload answered {r.status_code}: {r.text[:300]}")
        log(f"  {big_mb} MB streamed: {big_s:.1f}s, web worker RSS growth {big_mem['growth_mb']:.1f} MB")
    stack.purge_queues()
    s3 = raw_s3_put_ms(stack, 10 * MB, n_small)
    log(f"  reference: the same 10 MB PUT straight to the S3 server with boto3: p50 {s3['p50']} ms")
    s = summary_ms(lat)
    lat_fig = under("upload_10mb_p50", "upload 10 MB: time to 202, p50", s["p50"], "ms", 150,
                    notes=(f"{n_small} sequential uploads; p95 {s['p95']} ms; one PUT of the same bytes straight to the "
                           f"S3 server (moto) takes p50 {s3['p50']} ms"),
                    details={"latency_ms": s, "rss_growth_mb_during_10mb": round(small_mem["growth_mb"], 1),
                             "raw_s3_put_10mb_ms": s3})
    mem_fig = under("upload_200mb_rss", f"upload {big_mb} MB (streamed, chunked): web worker RSS growth",
                    round(big_mem["growth_mb"], 1), "MB", 30,
                    notes=f"upload took {big_s:.1f}s ({big_mb / big_s:.0f} MB/s); RSS sampled every 10 ms",
                    details={"size_mb": big_mb, "seconds": round(big_s, 2), **big_mem})
    return [lat_fig, mem_fig]
