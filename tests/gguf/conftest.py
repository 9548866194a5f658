"""Fixtures for the GGUF export tests: tiny base models (built once per session) and a fresh home."""

from pathlib import Path

import pytest
from gguf_helpers import save_tiny


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("models") / "tiny-llama", "llama")


@pytest.fixture(scope="session")
def tiny_gptj(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("models") / "tiny-gptj", "gptj")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return tmp_path
