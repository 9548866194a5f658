"""Fixtures for the chat tests: one tiny pre-trained character model and a LoRA on it per session."""

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

import pytest

SAMPLE_STEPS = 120  # enough for the tiny model to end its turns with a newline most of the time


@pytest.fixture(scope="session")
def sample_model(request, tmp_path_factory):
    """A tiny llama pre-trained on the bundled transcript in `Name: line` turns.

    Pre-training takes 10-40 s on a shared CPU, so the result is kept in pytest's cache folder,
    keyed by everything it depends on (the text, the steps, the builder's code, the library versions).
    """
    import torch
    import transformers

    from characterkit.chat.sample import make_sample_model, sample_dialogue_text
    from characterkit.train import tiny

    key = hashlib.sha256("|".join([sample_dialogue_text(), str(SAMPLE_STEPS), Path(tiny.__file__).read_text(),
                                   torch.__version__, transformers.__version__]).encode()).hexdigest()[:16]
    cache = getattr(request.config, "cache", None)
    if cache is None:  # pytest run with -p no:cacheprovider
        return make_sample_model(tmp_path_factory.mktemp("models") / "tiny-mara", steps=SAMPLE_STEPS)
    cached = cache.mkdir("characterkit-chat") / f"tiny-mara-{key}"
    if not (cached / "model.safetensors").is_file():
        shutil.rmtree(cached, ignore_errors=True)  # a run killed half-way
        building = cached.with_name(f".{cached.name}.{os.getpid()}")
        make_sample_model(building, steps=SAMPLE_STEPS)
        with contextlib.suppress(OSError):  # another run may have put it there first
            os.rename(building, cached)
        shutil.rmtree(building, ignore_errors=True)
    return cached


@pytest.fixture(scope="session")
def sample_lora(tmp_path_factory, sample_model):
    """An untrained adapter with random weights (so switching it off changes the answers) + run card."""
    from characterkit.chat.sample import make_sample_lora

    return make_sample_lora(tmp_path_factory.mktemp("loras") / "mara", sample_model)


@pytest.fixture(scope="session")
def engine(sample_lora):
    from characterkit.chat.load import load_engine, resolve_setup

    return load_engine(resolve_setup(lora=str(sample_lora)))


@pytest.fixture()
def home(tmp_path, monkeypatch, sample_model, sample_lora):
    """A characterkit home (models/, loras/, characters/) holding links to the session's model and LoRA."""
    for folder in ("models", "loras", "characters"):
        (tmp_path / folder).mkdir()
    (tmp_path / "models" / "tiny-mara").symlink_to(sample_model, target_is_directory=True)
    (tmp_path / "loras" / "mara").symlink_to(sample_lora, target_is_directory=True)
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return tmp_path
