"""A small threaded TCP proxy for fault tests: put it between a process and PostgreSQL, Redis or
moto's S3 server, then cut it, partition it, slow it down or (for HTTP) make it answer 500.

    proxy = TcpProxy("127.0.0.1", 5432).start()     # listen on 127.0.0.1:proxy.port
    proxy.down()         # reset every open connection and every new one (a restarting server)
    proxy.heal()         # pass traffic again
    proxy.blackhole()    # accept and swallow, never answer (a network partition)
    proxy.latency = 0.5  # seconds added before every forwarded chunk

HTTP faults (the upstream speaks HTTP/1.1, e.g. moto) are rules matched per request:

    proxy.http_fault("error500", method="PUT", times=3)          # answer 500, forward nothing
    proxy.http_fault("forward_then_500", method="PUT")            # upstream stores it, client sees 500
    proxy.http_fault("cut_body", method="PUT", after_bytes=4096)  # forward part of the body, then reset

Only the standard library; every socket is closed by close().
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

_BUF = 64 * 1024


def _reset(sock: socket.socket | None):
    """Close with RST (SO_LINGER 0), as a crashed peer would. shutdown() first: closing a socket
    does not wake a thread blocked in recv() on it, and the connection would stay open."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


@dataclass
class HttpFault:
    action: str                       # error500 | forward_then_500 | cut_body
    method: str | None = None
    path_contains: str | None = None
    times: int | None = None          # None: every matching request
    after_bytes: int = 1024
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path_contains and self.path_contains not in path)


@dataclass(eq=False)
class _Pair:
    client: socket.socket
    upstream: socket.socket | None = None
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self, graceful: bool = False):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        if graceful:  # FIN after everything sent: the peer reads all of it
            for sock in (self.client, self.upstream):
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
            time.sleep(0.2)
        _reset(self.client)
        _reset(self.upstream)


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, listen_host: str = "127.0.0.1",
                 listen_port: int = 0, http: bool = False):
        self.upstream = (upstream_host, upstream_port)
        self.http = http
        self.state = "up"           # up | refuse | blackhole
        self.latency = 0.0
        self.accepted = 0
        self.http_requests: list[tuple[str, str, str]] = []   # (method, path, outcome)
        self._faults: list[HttpFault] = []
        self._pairs: set[_Pair] = set()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((listen_host, listen_port))
        self._sock.listen(256)
        self.host, self.port = self._sock.getsockname()
        self._closing = False
        self._thread = threading.Thread(target=self._accept_loop, name=f"tcpproxy-{self.port}", daemon=True)

    # -- control ---------------------------------------------------------------------------

    def start(self) -> "TcpProxy":
        self._thread.start()
        return self

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def cut(self):
        """Reset every open connection (new ones still pass unless refused)."""
        with self._lock:
            pairs = list(self._pairs)
        for p in pairs:
            p.close()

    def refuse(self):
        self.state = "refuse"

    def down(self):
        """A dead or restarting server: open connections reset, new ones reset at once."""
        self.state = "refuse"
        self.cut()

    def blackhole(self):
        """A partition: connections are accepted (or kept) but nothing gets through either way."""
        self.state = "blackhole"

    def heal(self):
        self.state = "up"
        self.latency = 0.0

    def http_fault(self, action: str, *, method: str | None = None, path_contains: str | None = None,
                   times: int | None = None, after_bytes: int = 1024) -> HttpFault:
        if not self.http:
            raise ValueError("http faults need TcpProxy(..., http=True)")
        if action not in ("error500", "forward_then_500", "cut_body"):
            raise ValueError(action)
        fault = HttpFault(action, method, path_contains, times, after_bytes)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def active_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def close(self):
        self._closing = True
        _reset(self._sock)
        self.cut()

    # -- plumbing ----------------------------------------------------------------------------

    def _accept_loop(self):
        while not self._closing:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            self.accepted += 1
            if self.state == "refuse":
                _reset(client)
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = _Pair(client)
            with self._lock:
                self._pairs.add(pair)
            if self.state == "refuse":  # down() ran between the check above and the add
                pair.close()
                with self._lock:
                    self._pairs.discard(pair)
                continue
            target = self._serve_http if self.http else self._serve_tcp
            threading.Thread(target=self._run, args=(target, pair), daemon=True).start()

    def _run(self, target, pair: _Pair):
        graceful = False
        try:
            graceful = target(pair) == "graceful"
        except OSError:
            pass
        finally:
            pair.close(graceful=graceful)
            with self._lock:
                self._pairs.discard(pair)

    def _connect_upstream(self, pair: _Pair) -> socket.socket:
        up = socket.create_connection(self.upstream, timeout=10)
        up.settimeout(None)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair.upstream = up
        if pair.closed:  # cut while connecting
            _reset(up)
            raise OSError("cut")
        return up

    def _forward(self, data: bytes, dst: socket.socket):
        """Send one chunk on, honouring the current fault state."""
        while self.state == "blackhole":
            time.sleep(0.05)  # hold the data: nothing gets through during a partition
        if self.latency:
            time.sleep(self.latency)
        dst.sendall(data)

    def _pump(self, src: socket.socket, dst: socket.socket, pair: _Pair):
        try:
            while not pair.closed:
                data = src.recv(_BUF)
                if not data:  # orderly close: pass the FIN on, let the other direction finish
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                self._forward(data, dst)
        except OSError:
            pair.close()

    def _serve_tcp(self, pair: _Pair):
        while self.state == "blackhole" and not pair.closed:
            time.sleep(0.05)  # a partitioned server never answers the handshake either
        if pair.closed:
            return None
        up = self._connect_upstream(pair)
        t = threading.Thread(target=self._pump, args=(up, pair.client, pair), daemon=True)
        t.start()
        self._pump(pair.client, up, pair)
        t.join()
        return "graceful"

    # -- HTTP/1.1, just enough for an S3 client and server -------------------------------------

    def _serve_http(self, pair: _Pair):
        reader = _Reader(pair.client)
        up = None
        while not pair.closed:
            head = reader.read_head()
            if head is None:
                return "graceful"
            request_line, headers = _parse_head(head)
            method, path = request_line.split(" ")[:2]
            expect = headers.get("expect", "").lower() == "100-continue"
            with self._lock:
                fault = next((f for f in self._faults if f.matches(method, path)), None)
                if fault:
                    fault.hits += 1
            if fault and fault.action == "error500":
                self.http_requests.append((method, path, "error500"))
                return self._answer_500(pair.client)  # Connection: close; the client reconnects
            if expect:
                pair.client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            head_out = _strip_expect(head)
            # A fresh upstream connection per request: the server may close an idle keep-alive one.
            _reset(up)
            up = self._connect_upstream(pair)
            up_reader = _Reader(up)
            if fault and fault.action == "cut_body":
                self.http_requests.append((method, path, "cut_body"))
                self._forward(head_out, up)
                length = int(headers.get("content-length", "0") or 0)
                part = reader.read_exact(min(fault.after_bytes, length))
                if part:
                    self._forward(part, up)
                time.sleep(0.05)
                pair.close()
                return
            body = reader.read_body(headers)
            self._forward(head_out + body, up)
            resp_head = up_reader.read_head()
            if resp_head is None:
                return
            status_line, resp_headers = _parse_head(resp_head)
            resp_body = b"" if method.upper() == "HEAD" else up_reader.read_body(resp_headers, response=True,
                                                                               status_line=status_line)
            if fault and fault.action == "forward_then_500":
                self.http_requests.append((method, path, "forward_then_500"))
                return self._answer_500(pair.client)
            self.http_requests.append((method, path, status_line.split(" ")[1]))
            self._forward(resp_head + resp_body, pair.client)
            if resp_headers.get("connection", "").lower() == "close":
                return "graceful"

    def _answer_500(self, client: socket.socket):
        body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
                b"<Message>injected by tcpproxy</Message></Error>")
        client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                       b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        return "graceful"


class _Reader:
    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def _fill(self) -> bool:
        data = self.sock.recv(_BUF)
        if not data:
            return False
        self.buf += data
        return True

    def read_head(self) -> bytes | None:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head + b"\r\n\r\n"

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                break
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_until_close(self) -> bytes:
        while self._fill():
            pass
        out, self.buf = self.buf, b""
        return out

    def read_body(self, headers: dict, response: bool = False, status_line: str = "") -> bytes:
        if response:
            code = int(status_line.split(" ")[1])
            if code in (204, 304) or 100 <= code < 200:
                return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            out = b""
            while True:
                while b"\r\n" not in self.buf:
                    if not self._fill():
                        return out
                line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(line.split(b";")[0], 16)
                out += line + b"\r\n"
                chunk = self.read_exact(size + 2)
                out += chunk
                if size == 0:
                    # trailers end with an empty line; read_exact(2) consumed it when there are none
                    return out
        if "content-length" in headers:
            return self.read_exact(int(headers["content-length"]))
        return self.read_until_close() if response else b""


def _parse_head(head: bytes) -> tuple[str, dict]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


def _strip_expect(head: bytes) -> bytes:
    lines = head.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.lower().startswith(b"expect:"))
