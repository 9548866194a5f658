"""Fixtures for the training tests: one tiny model per session, a fresh characterkit home per test."""

from pathlib import Path

import pytest
from train_helpers import transcript_samples, write_samples


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer llama with a tokenizer trained on the sample transcript (newline is one token)."""
    from characterkit.train.tiny import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny", arch="llama")


@pytest.fixture
def home(tmp_path, monkeypatch, tiny_model) -> Path:
    """An empty characterkit home (datasets/, loras/, models/tiny) used by paths.* for this test."""
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny").symlink_to(tiny_model)
    return tmp_path


@pytest.fixture
def dataset(home) -> Path:
    """datasets/Mara/samples.jsonl with a validation row in every five."""
    return write_samples(home / "datasets" / "Mara", transcript_samples(val_every=5)).parent
