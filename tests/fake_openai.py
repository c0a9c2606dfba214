"""A small OpenAI-compatible chat server for tests (stdlib only, 127.0.0.1, ephemeral port).

Each test scripts a queue of behaviours; every POST /v1/chat/completions takes
the next one (the ``default`` behaviour once the queue is empty). Non-streaming
requests get a ``chat.completion`` JSON body; ``"stream": true`` requests get
SSE ``data: {...}`` chunks, a usage chunk when ``stream_options.include_usage``
is asked for, and ``data: [DONE]``. Every request is recorded (path, headers,
JSON body) so tests can check what the client sent.

Use the ``fake_openai`` fixture (tests/conftest.py) with the behaviours here::

    from fake_openai import reply_json, error

    def test_x(fake_openai):
        fake_openai.script(error(429, retry_after_ms=10), reply_json({"answer": 1}))
        ... Settings(openai_base_url=fake_openai.base_url, ...) ...
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Content = str | Callable[[dict], str]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request."""

    status: int = 200
    content: Content = ""
    usage: tuple[int, int] = (120, 40)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    error_message: str = ""
    #: 400 when the request asks for JSON mode or streamed usage (an older local server).
    reject_extras: bool = False


def reply(content: Content, usage: tuple[int, int] = (120, 40)) -> Behaviour:
    """A 200 reply whose message content is ``content`` (or ``content(request_body)``)."""
    return Behaviour(content=content, usage=usage)


def reply_json(obj: object | Callable[[dict], object], usage: tuple[int, int] = (120, 40)) -> Behaviour:
    """A 200 reply whose content is ``obj`` as JSON (``obj`` may be a function of the request)."""
    if callable(obj):
        return reply(lambda body: json.dumps(obj(body)), usage)
    return reply(json.dumps(obj), usage)


def error(status: int, message: str = "", *, retry_after_ms: int | None = None) -> Behaviour:
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    return Behaviour(status=status, headers=headers, error_message=message or f"fake error {status}")


def slow(seconds: float, then: Behaviour) -> Behaviour:
    """``then``, but only after ``seconds`` (longer than the client's timeout)."""
    return replace(then, delay_s=seconds)


def rejecting_extras(then: Behaviour) -> Behaviour:
    """``then`` if the request has no ``response_format``/``stream_options``, else 400."""
    return replace(then, reject_extras=True)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def prompt(self) -> str:
        """All message contents of the request, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


_SPLIT = re.compile(r"(\s+)")


def _pieces(text: str) -> Iterator[str]:
    """Token-like chunks: each word with its following whitespace."""
    parts = _SPLIT.split(text)
    for i in range(0, len(parts), 2):
        piece = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
        if piece:
            yield piece


class FakeOpenAI:
    """The server; ``base_url`` is what a client's ``base_url`` setting should be."""

    def __init__(self, default: Behaviour | None = None):
        self.default = default or error(500, "fake server: no scripted reply left")
        self.requests: list[Recorded] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._server.server_port}/v1"

    def script(self, *behaviours: Behaviour) -> FakeOpenAI:
        with self._lock:
            self._queue.extend(behaviours)
        return self

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, recorded: Recorded) -> Behaviour:
        with self._lock:
            self.requests.append(recorded)
            return self._queue.popleft() if self._queue else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    """Serves one request the way the ``fake`` server's next behaviour says."""

    protocol_version = "HTTP/1.1"
    fake: FakeOpenAI

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            body = {}
        recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        behaviour = self.fake._next(recorded)
        if behaviour.delay_s and self.fake._stopping.wait(behaviour.delay_s):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self._respond(behaviour, body)

    def _respond(self, b: Behaviour, body: dict) -> None:
        if b.reject_extras and ("response_format" in body or "stream_options" in body):
            b = error(400, "response_format/stream_options are not supported")
        if b.status != 200:
            self._send_json(b.status, {"error": {"message": b.error_message, "type": "fake"}}, b.headers)
            return
        content = b.content(body) if callable(b.content) else b.content
        if body.get("stream"):
            self._stream(content, b.usage, body)
        else:
            self._send_json(200, _completion(body, content, b.usage), b.headers)

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        self.wfile.write(data)

    def _stream(self, content: str, usage: tuple[int, int], body: dict) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        model = body.get("model", "fake")
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        for piece in _pieces(content):
            self._event(_chunk(model, {"content": piece}))
        self._event(_chunk(model, {}, finish="stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**_chunk(model, {}), "choices": [], "usage": _usage(usage)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _usage(usage: tuple[int, int]) -> dict:
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}


def _completion(body: dict, content: str, usage: tuple[int, int]) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": _usage(usage),
    }


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
