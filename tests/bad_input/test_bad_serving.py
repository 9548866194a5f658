"""Serving: an unresolvable host is one line; what a user types wrong in the page (a message too
long, none at all, seed 2**70) comes back as a message in the page, logged without a traceback;
gradio's analytics stay off unless the user turned them on."""

from __future__ import annotations

import importlib
import os

import pytest
from bad_input_support import Case

CHAT = ["chat", "-m", "tiny", "--character", "datasets/Mara/characters/Mara.yaml"]

ROWS = [
    Case("chat --host bogus.invalid", [*CHAT, "--host", "bogus.invalid"], err="cannot be resolved"),
    Case("chat --host bogus.invalid --port 0", [*CHAT, "--host", "bogus.invalid", "--port", "0"],
         err="cannot be resolved"),
    Case("chat --port -1", [*CHAT, "--port", "-1"], err="port must be between"),
]


@pytest.mark.parametrize("case", ROWS, ids=str)
def test_serving_flags(check_case, case):
    check_case(case)


@pytest.mark.parametrize("user_value", [None, "True"])
def test_gradio_analytics_are_off_unless_the_user_set_them(monkeypatch, user_value):
    import characterkit.chat

    if user_value is None:
        monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)
    else:
        monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", user_value)
    importlib.reload(characterkit.chat)
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == (user_value or "False")


@pytest.fixture(scope="module")
def respond(prepared_home):
    from characterkit.chat.app import _responder
    from characterkit.chat.load import load_engine, resolve_setup

    setup = resolve_setup(model=str(prepared_home / "models" / "tiny"),
                          character=str(prepared_home / "datasets" / "Mara" / "characters" / "Mara.yaml"))
    return _responder(load_engine(setup, max_message_chars=100))


@pytest.mark.parametrize("message,seed,expected", [
    ("x" * 101, -1, "the limit is 100"),
    (None, -1, "the message is empty"),
    ("   ", -1, "the message is empty"),
    ("Hello", 2**70, "--seed must be at most"),
    ("Hello", float("nan"), "must be numbers"),
])
def test_page_errors_are_messages_without_a_traceback(respond, message, seed, expected):
    """What gradio shows in the page (show_error) and does not log with a traceback (print_exception)."""
    import gradio as gr

    with pytest.raises(gr.Error) as raised:
        for _ in respond(message, [], 0.7, 0.9, 10, 1.1, seed, False):
            pass
    assert expected in raised.value.message and raised.value.print_exception is False
