"""Style tests: a fresh home and the bundled novel. The real OpenAI-compatible server (`llm_server`)
and its tiny chat model (`chat_model`) come from tests/conftest.py, shared with the synth tests."""

from pathlib import Path

import pytest

from characterkit.data import sample_novel_path

NOVEL = sample_novel_path()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh characterkit home: datasets/ and the journal go here."""
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def novel() -> Path:
    return NOVEL
