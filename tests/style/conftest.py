"""A real OpenAI-compatible server for the style tests: `transformers serve` on 127.0.0.1 serving a
tiny random chat model built here, started once per session (a restart is part of one test)."""

from pathlib import Path

import pytest

from characterkit.llm.serve import serving_available

NOVEL = Path(__file__).resolve().parents[2] / "characterkit" / "data" / "sample_novel.txt"


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory) -> Path:
    from characterkit.llm.tiny import make_tiny_chat_model

    return make_tiny_chat_model(tmp_path_factory.mktemp("models") / "tiny-chat")


@pytest.fixture(scope="session")
def llm_server(chat_model, tmp_path_factory):
    """The server, running; tests that kill it must start it again before they end."""
    from characterkit.llm.serve import LocalServer

    if not serving_available():
        pytest.skip("transformers serve needs fastapi and uvicorn (pip install 'transformers[serving]')")
    # One request at a time: the length penalty that ends the tiny model's replies is not
    # supported with --continuous-batching (the benchmark covers concurrent decoding).
    server = LocalServer(chat_model, continuous_batching=False,
                         log_path=tmp_path_factory.mktemp("logs") / "server.log")
    with server:
        yield server


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh characterkit home: datasets/ and the journal go here."""
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def novel() -> Path:
    return NOVEL
