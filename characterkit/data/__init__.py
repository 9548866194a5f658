"""Data shipped with characterkit.

sample_transcript.txt, "The Lighthouse", was written for characterkit's examples and tests (CC0).
sample_novel.txt, "The Keeper of Gull Rock", is prose in the same world, for `prepare style` (CC0).
"""

from importlib import resources
from pathlib import Path

SAMPLE_CHARACTER = "Mara"


def sample_transcript_path() -> Path:
    """`The Lighthouse`, a short inline-tagged transcript used by the demo and the tests."""
    return Path(str(resources.files(__name__) / "sample_transcript.txt"))


def sample_transcript_text() -> str:
    return sample_transcript_path().read_text(encoding="utf-8")


def sample_novel_path() -> Path:
    """`The Keeper of Gull Rock`: three short chapters of prose with a contents list, headings and an
    [Illustration] block, for `prepare style` examples and tests."""
    return Path(str(resources.files(__name__) / "sample_novel.txt"))
