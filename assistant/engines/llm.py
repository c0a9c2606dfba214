"""The OpenAI-compatible chat client: built from Settings, retried, metered, parsed.

``LLM`` wraps LangChain's ``ChatOpenAI`` for any OpenAI-compatible server
(OpenAI, Azure, vLLM, Ollama, LM Studio, llama.cpp server). It

- retries timeouts, dropped connections, 408/409/429 and 5xx with exponential
  backoff (``Settings.max_retries``), honouring ``Retry-After`` when sent;
- drops OpenAI-only request extras (JSON mode, streamed usage) once if a server
  rejects them with 400, so older local servers still work;
- records token usage from each response's usage metadata (never tiktoken);
- parses JSON replies into pydantic schemas, asking the model once more when a
  reply does not parse;
- turns every failure into ``LLMError`` whose ``reason`` is safe to show (the
  API key never appears in it, nor in any log line written here).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import openai
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr, ValidationError

from ..models import TokenUsage
from ..settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
V = TypeVar("V")

#: Sent when a base URL is set without a key: local servers ignore it.
PLACEHOLDER_KEY = "not-needed"
DEFAULT_ENDPOINT = "https://api.openai.com/v1"


class LLMError(Exception):
    """A model call that failed for good. ``reason`` is safe to show to a user."""

    def __init__(self, reason: str, usage: TokenUsage | None = None):
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or TokenUsage()


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff between retries; ``Retry-After`` wins when sent."""

    base_s: float = 0.5
    cap_s: float = 8.0

    def delay(self, attempt: int, error: Exception) -> float:
        retry_after = _retry_after_s(error)
        if retry_after is not None:
            return min(retry_after, self.cap_s)
        return min(self.base_s * 2**attempt, self.cap_s)


def endpoint_label(settings: Settings) -> str:
    """The endpoint as shown to users: no credentials, query or fragment."""
    url = settings.openai_base_url or DEFAULT_ENDPOINT
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")) or url


def build_chat_model(settings: Settings) -> ChatOpenAI:
    """A ``ChatOpenAI`` for the configured endpoint; retries are done by ``LLM``."""
    if not settings.openai_configured:
        raise LLMError("is not configured: set OPENAI_API_KEY and/or OPENAI_BASE_URL")
    key = settings.openai_api_key or SecretStr(PLACEHOLDER_KEY)
    try:
        return ChatOpenAI(
            model=settings.model,
            api_key=key,
            base_url=settings.openai_base_url,
            temperature=settings.temperature,
            timeout=settings.timeout_s,
            max_retries=0,
            use_responses_api=False,  # compatible servers implement Chat Completions only
        )
    except (ValueError, TypeError) as err:  # pydantic validation of the settings
        raise LLMError(f"is misconfigured ({type(err).__name__})") from None


def usage_of(message: BaseMessage) -> TokenUsage:
    """Token usage reported by the server for one response (zero when absent)."""
    meta = getattr(message, "usage_metadata", None) or {}
    return TokenUsage(
        prompt_tokens=int(meta.get("input_tokens") or 0),
        completion_tokens=int(meta.get("output_tokens") or 0),
    )


_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S | re.I)


def parse_json(text: str, schema: type[T]) -> T:
    """The JSON object in a model reply, validated into ``schema``.

    Tolerates what real servers add around JSON: reasoning ``<think>`` blocks,
    Markdown code fences and prose before or after the object. Raises
    ``ValueError`` saying what was wrong.
    """
    body = _THINK.sub("", text)
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the reply holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as err:
        raise ValueError(f"the JSON is malformed ({err.msg} at character {err.pos})") from None
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'object'}: {e['msg']}" for e in err.errors()[:3])
        raise ValueError(f"the JSON does not match the schema ({problems})") from None


class LLM:
    """One configured endpoint: JSON completions and streamed text, with retries."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.endpoint = endpoint_label(settings)
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._chat: ChatOpenAI | None = None
        #: False once the server rejected JSON mode / streamed usage with a 400.
        self._extras = True

    @property
    def model_name(self) -> str:
        return self.settings.model

    def complete_json(
        self, messages: Sequence[BaseMessage], schema: type[T], *, retry: bool = True
    ) -> tuple[T, TokenUsage]:
        """Ask for a JSON object matching ``schema``; one corrective retry unless ``retry=False``."""
        usage = TokenUsage()
        history = list(messages)
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                reply = self._call(partial(self._invoke_json, history))
            except LLMError as err:
                raise LLMError(err.reason, usage + err.usage) from err
            usage += usage_of(reply)
            try:
                return parse_json(reply.text, schema), usage
            except ValueError as err:
                log.warning("model reply did not parse (attempt %d): %s", attempt + 1, err)
                problem = str(err)
            history += [
                AIMessage(content=reply.text),
                HumanMessage(
                    content=f"That reply could not be used: {problem}. "
                    "Reply again with only the JSON object described above, nothing else."
                ),
            ]
        raise LLMError(
            f"returned output that could not be parsed as the expected JSON"
            f"{' even after one retry' if retry else ''} ({problem})",
            usage,
        )

    def stream(self, messages: Sequence[BaseMessage]) -> Generator[str, None, TokenUsage]:
        """Text chunks as the model writes them; returns the ``TokenUsage``.

        Failures before the first chunk are retried; a failure mid-stream raises
        ``LLMError`` (the caller has already shown part of the text).
        """
        first, rest = self._call(lambda: self._open_stream(messages))
        usage = usage_of(first) if first is not None else TokenUsage()
        if first is not None and first.text:
            yield first.text
        try:
            for chunk in rest:
                usage += usage_of(chunk)
                if chunk.text:
                    yield chunk.text
        except (openai.APIError, ValueError, KeyError, TypeError) as err:
            raise LLMError(f"stopped answering mid-reply ({self._describe(err, 0)})", usage) from err
        return usage

    # -- calls -------------------------------------------------------------

    def _chat_model(self) -> ChatOpenAI:
        if self._chat is None:
            self._chat = build_chat_model(self.settings)
        return self._chat

    def _invoke_json(self, messages: list[BaseMessage]) -> AIMessage:
        extra: dict[str, Any] = {"response_format": {"type": "json_object"}} if self._extras else {}
        return self._chat_model().invoke(messages, **extra)

    def _open_stream(self, messages: Sequence[BaseMessage]) -> tuple[AIMessageChunk | None, Iterator[AIMessageChunk]]:
        chunks = iter(self._chat_model().stream(list(messages), stream_usage=self._extras))
        return next(chunks, None), chunks

    def _call(self, fn: Callable[[], V]) -> V:
        """``fn()`` with retries; any failure that remains becomes ``LLMError``."""
        attempt = 0
        while True:
            try:
                return fn()
            except openai.BadRequestError as err:
                if not self._extras:
                    raise LLMError(self._describe(err, attempt)) from err
                log.info("endpoint rejected a request with 400; retrying without JSON mode/stream usage")
                self._extras = False
            except openai.APIError as err:
                if attempt >= self.settings.max_retries or not _retryable(err):
                    raise LLMError(self._describe(err, attempt)) from err
                delay = self._backoff.delay(attempt, err)
                log.warning("model call failed (%s); retry %d in %.2f s", type(err).__name__, attempt + 1, delay)
                self._sleep(delay)
                attempt += 1
            except (ValueError, KeyError, TypeError) as err:  # a reply that is not a chat completion
                raise LLMError(
                    f"returned a response that is not an OpenAI-compatible chat completion ({type(err).__name__})"
                ) from err

    def _describe(self, err: Exception, retries: int) -> str:
        """Why a call failed, in words a user can act on (the key scrubbed out)."""
        reason = self._reason(err, retries)
        key = self.settings.openai_api_key
        if key is not None and key.get_secret_value():
            reason = reason.replace(key.get_secret_value(), "***")
        return reason

    def _reason(self, err: Exception, retries: int) -> str:
        after = f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""
        if isinstance(err, openai.APITimeoutError):
            return f"did not answer within {self.settings.timeout_s:g} s{after}"
        if isinstance(err, openai.APIConnectionError):
            return f"could not be reached ({_root_cause(err)}){after}"
        if isinstance(err, openai.AuthenticationError):
            return "rejected the API key (401 Unauthorized)"
        if isinstance(err, openai.PermissionDeniedError):
            return "refused access (403 Forbidden)"
        if isinstance(err, openai.NotFoundError):
            return f"returned 404 Not Found: check the model name ({self.settings.model}) and the base URL"
        if isinstance(err, openai.RateLimitError):
            return f"was still rate-limiting (429){after}"
        if isinstance(err, openai.APIStatusError):
            detail = "" if err.status_code >= 500 else f": {_short(err.message)}"
            return f"failed with HTTP {err.status_code}{detail}{after}"
        return f"failed ({type(err).__name__}){after}"


def _retryable(err: openai.APIError) -> bool:
    if isinstance(err, openai.APIConnectionError):  # includes timeouts
        return True
    return isinstance(err, openai.APIStatusError) and (err.status_code in (408, 409, 429) or err.status_code >= 500)


def _retry_after_s(err: Exception) -> float | None:
    response = getattr(err, "response", None)
    if response is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(header)
        try:
            seconds = float(value) / divisor if value is not None else None
        except ValueError:
            seconds = None
        if seconds is not None and seconds >= 0:
            return seconds
    return None


def _root_cause(err: BaseException) -> str:
    while err.__cause__ is not None:
        err = err.__cause__
    text = str(err)
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return "unknown host"
    return _short(text) or type(err).__name__


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
