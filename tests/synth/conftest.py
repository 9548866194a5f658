"""Synth tests: a small template. A fresh home (`home`), the real OpenAI-compatible server
(`llm_server`) and its tiny chat model (`chat_model`) come from tests/conftest.py, shared with the
style tests."""

from pathlib import Path

import pytest

# The tiny model's replies end after about 48-96 tokens; max_tokens leaves room so few are cut off.
SMALL_TEMPLATE = """\
prompt: "Write a {genre} story set in {place}."
slots:
  genre: [mystery, comedy, fable]
  place: [a lighthouse, a train]
system: "You write short stories about {place}."
persona: You are a storyteller.
character: Storyteller
random_id: true
generation:
  temperature: 0.9
  max_tokens: 160
"""


@pytest.fixture
def small_template() -> str:
    """SMALL_TEMPLATE's text, for tests that write a variant of it (a fixture, because `from conftest
    import` finds whichever conftest module Python loaded first when several folders run together)."""
    return SMALL_TEMPLATE


@pytest.fixture
def write_template(tmp_path):
    """write_template(text) -> the path of a template file holding `text` (SMALL_TEMPLATE by default)."""

    def write(text: str = SMALL_TEMPLATE, name: str = "stories.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
