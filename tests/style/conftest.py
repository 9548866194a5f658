"""Style tests: the bundled novel. A fresh home (`home`), the real OpenAI-compatible server
(`llm_server`) and its tiny chat model (`chat_model`) come from tests/conftest.py, shared with the
synth tests."""

from pathlib import Path

import pytest

from characterkit.data import sample_novel_path

NOVEL = sample_novel_path()


@pytest.fixture
def novel() -> Path:
    return NOVEL
