"""The app draws the Chat page while the reports load in the background (``state.start_loading``)."""

from __future__ import annotations

import threading
import time

from app_helpers import ask, new_app

from assistant.app import state


def test_the_chat_page_is_drawn_in_full_when_the_reports_load_slowly(app_settings, monkeypatch):
    release = threading.Event()
    real = state._build

    def slow(settings, activity, alive):
        release.wait(timeout=30)
        return real(settings, activity, alive)

    monkeypatch.setattr(state, "_build", slow)
    threading.Timer(0.5, release.set).start()
    at = new_app()
    assert not at.exception
    assert at.chat_input, "the chat input is drawn"
    assert "Gloucestershire" in at.info[0].value, "the tip names the authorities once loaded"
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "2 reports from 2 councils loaded" in captions
    ask(at, "What are the main shortfalls for Durham?")
    assert "Durham" in at.chat_message[-1].markdown[0].value


def test_a_failed_load_is_a_clear_message_and_the_next_run_tries_again(app_settings, monkeypatch):
    real = state._build
    calls: list[int] = []

    def failing_once(settings, activity, alive):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("the reports folder could not be read")
        return real(settings, activity, alive)

    monkeypatch.setattr(state, "_build", failing_once)
    at = new_app()
    assert any("could not start" in e.value and "could not be read" in e.value for e in at.error)
    at.run()
    assert not at.error and len(calls) == 2
    assert at.chat_input


def test_the_warm_up_waits_for_a_quiet_moment():
    activity = state._Activity()
    start = time.monotonic()
    activity.wait_quiet(0.3, 5.0)
    assert time.monotonic() - start >= 0.29, "a page ran just now: wait"
    activity.last = time.monotonic() + 60  # a page keeps running
    start = time.monotonic()
    activity.wait_quiet(0.3, 0.4)
    assert 0.35 <= time.monotonic() - start < 2, "never longer than the longest wait"
