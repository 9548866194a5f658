"""Data shipped with characterkit.

sample_transcript.txt, "The Lighthouse", was written for characterkit's examples and tests (CC0).
"""

from importlib import resources
from pathlib import Path

SAMPLE_CHARACTER = "Mara"


def sample_transcript_path() -> Path:
    """`The Lighthouse`, a short inline-tagged transcript used by the demo and the tests."""
    return Path(str(resources.files(__name__) / "sample_transcript.txt"))


def sample_transcript_text() -> str:
    return sample_transcript_path().read_text(encoding="utf-8")
