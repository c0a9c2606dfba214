"""The OpenAI-compatible client (assistant.engines.llm) against the fake OpenAI server."""

from __future__ import annotations

import logging
import socket

import pytest
from fake_openai import error, rejecting_extras, reply, reply_json, slow
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, SecretStr

from assistant.engines.answer_stream import collect
from assistant.engines.llm import LLM, PLACEHOLDER_KEY, Backoff, LLMError, build_chat_model, endpoint_label, parse_json
from assistant.models import TokenUsage

KEY = "sk-test-very-secret-key-123"
MESSAGES = [SystemMessage(content="You reply in JSON."), HumanMessage(content="Give me a number.")]


class Number(BaseModel):
    value: int


@pytest.fixture
def llm_settings(settings, fake_openai):
    return settings.model_copy(
        update={
            "engine": "openai",
            "model": "test-model",
            "openai_base_url": fake_openai.base_url,
            "openai_api_key": SecretStr(KEY),
            "timeout_s": 5.0,
            "max_retries": 2,
        }
    )


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def llm(llm_settings, sleeps):
    return LLM(llm_settings, backoff=Backoff(base_s=0.01, cap_s=0.05), sleep=lambda s: sleeps.append(s))


def dead_url() -> str:
    """A local URL where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# -- building the client -------------------------------------------------------


def test_base_url_without_key_sends_placeholder(settings, fake_openai):
    fake_openai.script(reply_json({"value": 1}))
    s = settings.model_copy(update={"openai_base_url": fake_openai.base_url, "openai_api_key": None})
    result, _ = LLM(s).complete_json(MESSAGES, Number)
    assert result.value == 1
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


def test_client_takes_model_temperature_and_timeout_from_settings(llm_settings):
    chat = build_chat_model(llm_settings.model_copy(update={"temperature": 0.3}))
    assert (chat.model_name, chat.temperature, chat.request_timeout, chat.max_retries) == ("test-model", 0.3, 5.0, 0)


def test_unconfigured_endpoint_is_a_clear_error(settings):
    with pytest.raises(LLMError, match="not configured"):
        LLM(settings).complete_json(MESSAGES, Number)


def test_endpoint_label_hides_credentials_and_query(settings):
    s = settings.model_copy(update={"openai_base_url": "https://user:pw@llm.example:8443/v1/?key=abc"})
    assert endpoint_label(s) == "https://llm.example:8443/v1"
    assert endpoint_label(settings) == "https://api.openai.com/v1"


# -- JSON replies --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"value": 7}',
        'Sure! ```json\n{"value": 7}\n``` Hope that helps.',
        '<think>The user wants {a number}.</think>{"value": 7}',
    ],
)
def test_parse_json_tolerates_wrapping(text):
    assert parse_json(text, Number).value == 7


@pytest.mark.parametrize(
    "text, problem",
    [
        ("no json here", "no JSON object"),
        ('{"value": 7,,}', "malformed"),
        ('{"value": "seven"}', "does not match the schema"),
    ],
)
def test_parse_json_says_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_json(text, Number)


def test_json_mode_reply_is_parsed_and_usage_recorded(llm, fake_openai):
    fake_openai.script(reply_json({"value": 42}, usage=(100, 7)))
    result, usage = llm.complete_json(MESSAGES, Number)
    assert result == Number(value=42)
    assert usage == TokenUsage(prompt_tokens=100, completion_tokens=7)
    body = fake_openai.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["model"] == "test-model" and body["temperature"] == 0.0


def test_malformed_output_is_retried_once_with_the_problem(llm, fake_openai):
    fake_openai.script(reply('{"value": '), reply_json({"value": 3}))
    result, usage = llm.complete_json(MESSAGES, Number)
    assert result.value == 3
    assert usage.prompt_tokens == 240  # both calls counted
    retry_prompt = fake_openai.requests[1].body["messages"]
    assert retry_prompt[-2]["role"] == "assistant" and "could not be used" in retry_prompt[-1]["content"]


def test_malformed_output_twice_is_an_error(llm, fake_openai):
    fake_openai.script(reply("not json"), reply('{"value": "x"}'))
    with pytest.raises(LLMError, match="could not be parsed .* even after one retry") as info:
        llm.complete_json(MESSAGES, Number)
    assert info.value.usage.completion_tokens == 80
    assert len(fake_openai.requests) == 2


def test_server_rejecting_json_mode_is_asked_again_without_it(llm, fake_openai):
    fake_openai.script(
        rejecting_extras(reply_json({"value": 1})),
        rejecting_extras(reply_json({"value": 2})),
        rejecting_extras(reply("a b c")),
    )
    assert llm.complete_json(MESSAGES, Number)[0].value == 2
    assert "response_format" not in fake_openai.requests[1].body
    assert collect(llm.stream(MESSAGES))[0]  # stays off for streams too
    assert "stream_options" not in fake_openai.requests[2].body


# -- retries and failures ------------------------------------------------------


def test_429_is_retried_honouring_retry_after(llm, fake_openai, sleeps):
    fake_openai.script(error(429, retry_after_ms=20), reply_json({"value": 5}))
    assert llm.complete_json(MESSAGES, Number)[0].value == 5
    assert sleeps == [0.02]


def test_500_forever_gives_up_after_max_retries_with_backoff(llm, fake_openai, sleeps):
    fake_openai.default = error(500)
    with pytest.raises(LLMError, match=r"failed with HTTP 500 after 2 retries"):
        llm.complete_json(MESSAGES, Number)
    assert len(fake_openai.requests) == 3
    assert sleeps == [0.01, 0.02]


def test_timeout_is_retried_then_reported(llm_settings, fake_openai, sleeps):
    fake_openai.default = slow(2.0, reply_json({"value": 1}))
    quick = LLM(
        llm_settings.model_copy(update={"max_retries": 1, "timeout_s": 0.4}), backoff=Backoff(0.01), sleep=sleeps.append
    )
    with pytest.raises(LLMError, match=r"did not answer within 0.4 s after 1 retry"):
        quick.complete_json(MESSAGES, Number)
    assert len(fake_openai.requests) == 2


def test_bad_key_is_not_retried(llm, fake_openai):
    fake_openai.script(error(401, "Incorrect API key provided"))
    with pytest.raises(LLMError, match=r"rejected the API key \(401"):
        llm.complete_json(MESSAGES, Number)
    assert len(fake_openai.requests) == 1


def test_unknown_model_names_the_setting(llm, fake_openai):
    fake_openai.script(error(404, "model not found"))
    with pytest.raises(LLMError, match=r"404 Not Found: check the model name \(test-model\)"):
        llm.complete_json(MESSAGES, Number)


def test_dead_endpoint_is_reported_as_unreachable(llm_settings, sleeps):
    dead = LLM(
        llm_settings.model_copy(update={"openai_base_url": dead_url(), "max_retries": 1}),
        backoff=Backoff(0.01),
        sleep=sleeps.append,
    )
    with pytest.raises(LLMError, match=r"could not be reached \(connection refused\)"):
        dead.complete_json(MESSAGES, Number)
    with pytest.raises(LLMError, match="could not be reached"):
        list(dead.stream(MESSAGES))


# -- streaming -----------------------------------------------------------------


def test_stream_yields_text_chunks_and_returns_usage(llm, fake_openai):
    fake_openai.script(reply("Partners worked well together, mostly.", usage=(50, 9)))
    chunks, usage = collect(llm.stream(MESSAGES))
    assert len(chunks) > 3 and all(isinstance(c, str) for c in chunks)
    assert "".join(chunks) == "Partners worked well together, mostly."
    assert usage == TokenUsage(prompt_tokens=50, completion_tokens=9)
    assert fake_openai.requests[0].body["stream"] is True
    assert fake_openai.requests[0].body["stream_options"] == {"include_usage": True}


def test_stream_retries_before_the_first_chunk(llm, fake_openai, sleeps):
    fake_openai.script(error(503), reply("ok then"))
    assert "".join(llm.stream(MESSAGES)) == "ok then"
    assert len(sleeps) == 1


# -- secrets and tiktoken ------------------------------------------------------


def test_key_is_sent_but_never_logged_or_reported(llm, fake_openai, caplog):
    caplog.set_level(logging.DEBUG)
    fake_openai.script(reply("garbage"), reply("garbage"), error(401, f"bad key {KEY}"))
    for _ in range(2):
        with pytest.raises(LLMError) as info:
            llm.complete_json(MESSAGES, Number)
        assert KEY not in info.value.reason
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert caplog.records and KEY not in caplog.text
    assert KEY not in repr(llm.settings) and KEY not in str(llm.settings.public_summary())


def test_no_tiktoken_on_this_path(llm, fake_openai, monkeypatch):
    tiktoken = pytest.importorskip("tiktoken")

    def refuse(*args, **kwargs):
        raise AssertionError("tiktoken must not be called (it downloads encodings)")

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    monkeypatch.setattr(tiktoken, "encoding_for_model", refuse)
    fake_openai.script(reply_json({"value": 1}), reply("streamed words"))
    assert llm.complete_json(MESSAGES, Number)[0].value == 1
    assert collect(llm.stream(MESSAGES))[1].total_tokens == 160
