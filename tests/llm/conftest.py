"""A tiny random chat model for the in-process backend tests, built once per session."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory) -> Path:
    from characterkit.llm.tiny import make_tiny_chat_model

    return make_tiny_chat_model(tmp_path_factory.mktemp("models") / "tiny-chat")
