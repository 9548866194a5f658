"""Shared test setup: offline, quiet, single-threaded, and a locator for ../shared/corpora."""

import os
from pathlib import Path

# Set before any test imports torch/transformers/gradio.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The public-domain test corpora beside the repo; tests using them skip when absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"test corpora not found at {CORPORA}")
    return CORPORA
