"""A scriptable local HTTP server (pytest-httpserver) speaking just enough of the OpenAI and Anthropic APIs.

Used by tests to drive the *real* ``openai`` and ``anthropic`` SDKs without internet:

    with FakeLLMServer() as srv:
        srv.enqueue_openai(openai_chat_response(json.dumps(analysis)))
        cfg = ProviderConfig("openai", "gpt-test", "sk-test", srv.openai_base_url)
        ...
        body = srv.requests_for("openai")[0].json

Endpoints:

* ``POST /v1/chat/completions`` (OpenAI; base_url ``http://127.0.0.1:{port}/v1``):
  JSON, or SSE ``data: {chunk}\\n\\n`` ... ``data: [DONE]\\n\\n``.
* ``POST /v1/messages`` (Anthropic; base_url ``http://127.0.0.1:{port}``):
  JSON ``message`` with content blocks (text / tool_use), or SSE events
  ``message_start``, ``content_block_start``, ``content_block_delta``,
  ``content_block_stop``, ``message_delta``, ``message_stop``.

Every endpoint pops the next :class:`Canned` response from its own FIFO queue (an
entry may also be a callable ``(RecordedRequest) -> Canned``). When a queue is empty
the server answers 500 and records the miss in ``srv.unexpected``. Every request is
recorded in ``srv.requests`` (method, path, headers, raw body, parsed JSON).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
_ENDPOINTS = {OPENAI_PATH: "openai", ANTHROPIC_PATH: "anthropic"}


# --------------------------------------------------------------------------- data


@dataclass
class Canned:
    """One scripted response.

    ``body``: a dict/list (sent as JSON), str/bytes (sent as is), or None.
    ``sse``: when set, the response is an event stream; each item is
    ``(event_name_or_None, data)`` where data is a dict (JSON-encoded) or a str.
    ``delay``: seconds to sleep before answering (to provoke client timeouts).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    sse: list[tuple[str | None, Any]] | None = None
    delay: float = 0.0
    content_type: str | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    endpoint: str | None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.raw.decode("utf-8"))
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")


CannedLike = Union[Canned, Callable[[RecordedRequest], Canned]]


# ----------------------------------------------------------------- OpenAI shapes


def openai_chat_response(
    content: str | None,
    *,
    model: str = "gpt-test",
    finish_reason: str = "stop",
    refusal: str | None = None,
) -> Canned:
    """A non-streaming ``chat.completion`` whose single choice carries ``content``."""
    return Canned(
        body={
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
    )


def openai_stream_response(deltas: list[str], *, model: str = "gpt-test") -> Canned:
    """``stream: true`` chat completion: one chunk per delta, then ``[DONE]``."""
    cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    events: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""}))]
    events += [(None, chunk({"content": d})) for d in deltas]
    events.append((None, chunk({}, "stop")))
    events.append((None, "[DONE]"))
    return Canned(sse=events)


def openai_error(status: int, message: str = "error", *, retry_after: float | str | None = None,
                 err_type: str | None = None) -> Canned:
    headers = {}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    default_type = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
    return Canned(
        status=status,
        headers=headers,
        body={"error": {"message": message, "type": err_type or default_type, "param": None, "code": None}},
    )


# -------------------------------------------------------------- Anthropic shapes


def _anthropic_message(content: list[dict], *, model: str, stop_reason: str) -> dict:
    return {
        "id": f"msg_{uuid.uuid4().hex[:16]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def anthropic_tool_use_response(
    tool_input: Any, *, name: str = "record_analysis", model: str = "claude-test", preamble: str | None = None
) -> Canned:
    """A message whose content holds a ``tool_use`` block with ``tool_input``."""
    content: list[dict] = []
    if preamble:
        content.append({"type": "text", "text": preamble})
    content.append({"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:16]}", "name": name, "input": tool_input})
    return Canned(body=_anthropic_message(content, model=model, stop_reason="tool_use"))


def anthropic_text_response(text: str, *, model: str = "claude-test", stop_reason: str = "end_turn") -> Canned:
    return Canned(body=_anthropic_message([{"type": "text", "text": text}], model=model, stop_reason=stop_reason))


def anthropic_stream_response(deltas: list[str], *, model: str = "claude-test") -> Canned:
    """``stream: true`` message: the full SSE event sequence for one text block."""
    start = _anthropic_message([], model=model, stop_reason=None)  # type: ignore[arg-type]
    start["usage"] = {"input_tokens": 10, "output_tokens": 1}
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
    ]
    for d in deltas:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                               "delta": {"type": "text_delta", "text": d}}))
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": max(1, len(deltas))}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return Canned(sse=events)


def anthropic_error(status: int, message: str = "error", *, retry_after: float | str | None = None,
                    err_type: str | None = None) -> Canned:
    headers = {}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    default_type = {
        400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
        404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error",
    }.get(status, "api_error")
    return Canned(
        status=status,
        headers=headers,
        body={"type": "error", "error": {"type": err_type or default_type, "message": message}},
    )


# ------------------------------------------------------------------------ server


def _response(canned: Canned) -> Response:
    """The werkzeug response for one scripted answer (an event stream is written frame by frame)."""
    if canned.sse is not None:
        def frames():
            for event, data in canned.sse:
                payload = data if isinstance(data, str) else json.dumps(data)
                yield (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"
        return Response(frames(), status=canned.status, headers={"Cache-Control": "no-cache", **canned.headers},
                        content_type="text/event-stream; charset=utf-8")
    body = canned.body
    if isinstance(body, (dict, list)):
        data, ctype = json.dumps(body).encode("utf-8"), "application/json"
    elif isinstance(body, str):
        data, ctype = body.encode("utf-8"), "text/plain; charset=utf-8"
    elif isinstance(body, bytes):
        data, ctype = body, "application/octet-stream"
    else:
        data, ctype = b"", "application/json"
    return Response(data, status=canned.status, headers=canned.headers, content_type=canned.content_type or ctype)


class FakeLLMServer:
    """pytest-httpserver's threaded server with one handler that answers from the FIFO queues;
    use as a context manager or call start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._http = HTTPServer(host=host, port=port, threaded=True)
        self._http.expect_request(re.compile(".*")).respond_with_handler(self._answer)
        self._lock = threading.Lock()
        self._queues: dict[str, deque[CannedLike]] = {"openai": deque(), "anthropic": deque()}
        self.requests: list[RecordedRequest] = []
        self.unexpected: list[RecordedRequest] = []

    # -- lifecycle
    def start(self) -> "FakeLLMServer":
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http.is_running():
            self._http.stop()

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- addresses
    @property
    def port(self) -> int:
        assert self._http.is_running(), "server not started"
        return self._http.port

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting
    def enqueue(self, endpoint: str, *responses: CannedLike) -> None:
        if endpoint not in self._queues:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._lock:
            self._queues[endpoint].extend(responses)

    def enqueue_openai(self, *responses: CannedLike) -> None:
        self.enqueue("openai", *responses)

    def enqueue_anthropic(self, *responses: CannedLike) -> None:
        self.enqueue("anthropic", *responses)

    def pending(self, endpoint: str) -> int:
        with self._lock:
            return len(self._queues[endpoint])

    def reset(self) -> None:
        with self._lock:
            for q in self._queues.values():
                q.clear()
            self.requests.clear()
            self.unexpected.clear()

    def requests_for(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # -- serving (in the server's threads)
    def _answer(self, request: Request) -> Response:
        req = RecordedRequest(method=request.method, path=request.path,
                              headers={k.lower(): v for k, v in request.headers.items()}, raw=request.get_data(),
                              endpoint=_ENDPOINTS.get(request.path))
        canned = self._next(req)
        if canned.delay:
            time.sleep(canned.delay)
        return _response(canned)

    def _next(self, req: RecordedRequest) -> Canned:
        with self._lock:
            self.requests.append(req)
            queue = self._queues.get(req.endpoint or "")
            item = queue.popleft() if queue else None
            if item is None:
                self.unexpected.append(req)
        if item is None:
            if req.endpoint is None:
                return Canned(status=404, body={"error": {"message": f"no route {req.path}", "type": "not_found"}})
            return Canned(status=500, body={"error": {"message": "fake server: no canned response queued",
                                                      "type": "server_error"}})
        return item(req) if callable(item) else item
