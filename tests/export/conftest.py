"""Hand-made samples for the export tests: dialogue, an opening line, non-ASCII text, an instruction pair."""

import pytest

from characterkit.records import Sample, Turn


@pytest.fixture
def dialogue():
    return Sample(
        id="ship-12", character="Mara",
        context=[Turn("Jon", "Is the soup ready?"), Turn(None, "Steam rises from the pot.")],
        reply="When it is ready, you will smell it.", persona="A ship's cook with opinions.",
        source="corpora/ship.txt", split="train")


@pytest.fixture
def opening():
    """A reply that opens a scene (empty context) with non-ASCII text, in the validation split."""
    return Sample(id="ship-30", character="Mara", context=[], reply="Ça va? Ünïcödé — 日本語 «ok»",
                  source="corpora/ship.txt", split="val")


@pytest.fixture
def instruction():
    return Sample(
        id="style-1", character="Dickens", context=[Turn(None, "The man walked home.\n\nIt rained.")],
        reply="It was the best of times,\nit was the worst of times.",
        instruction="Rewrite the passage in Dickens's voice.", source="corpora/tale.txt", split="train")


@pytest.fixture
def samples(dialogue, opening, instruction):
    return [dialogue, opening, instruction]
