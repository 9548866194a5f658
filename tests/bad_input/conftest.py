"""The bad-input table's machinery: a prepared home (built once, copied per case), a runner that
calls the real CLI in-process, and the three things every row checks: the exit code, exactly one
`error: ...` line on stderr with no traceback, and what must be unchanged on disk.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from bad_input_support import error_line, load_script, mount_tmpfs, snapshot, unmount


@pytest.fixture(scope="session")
def prepared_home(tmp_path_factory) -> Path:
    """A home with a dataset, models (good, broken, non-causal), a webui folder, user folders, pair
    folders and synth templates; copied for each case, never changed itself."""
    from characterkit.config import DialogueSettings
    from characterkit.data import sample_novel_path, sample_transcript_path
    from characterkit.train.tiny import make_tiny_model

    root = tmp_path_factory.mktemp("bad-input-home")
    old = os.environ.get("CHARACTERKIT_HOME")
    os.environ["CHARACTERKIT_HOME"] = str(root)
    try:
        from characterkit.prepare import prepare_dialogue

        shutil.copy(sample_transcript_path(), root / "transcript.txt")
        shutil.copy(sample_novel_path(), root / "novel.txt")
        prepare_dialogue(DialogueSettings(sources=[str(root / "transcript.txt")], names=["Mara"], val_ratio=0.0))
        tiny = make_tiny_model(root / "models" / "tiny", hidden=32, layers=1, heads=2, context=256)
    finally:
        if old is None:
            os.environ.pop("CHARACTERKIT_HOME")
        else:
            os.environ["CHARACTERKIT_HOME"] = old
    _broken_models(root / "models", tiny)
    (root / "empty.txt").write_text("")
    (root / "blank.txt").write_text("\n  \n")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (root / "somedir").mkdir()
    (root / "mine").mkdir()
    (root / "mine" / "notes.txt").write_text("my notes\n")
    (root / "myproject" / "src").mkdir(parents=True)
    (root / "myproject" / "src" / "main.py").write_text("print('mine')\n")
    (root / "webui").mkdir()
    (root / "webui" / "server.py").write_text("# text-generation-webui\n")
    for kind, text in (("prompts", "Say hello."), ("completions", "Hello there, friend of the lamp.")):
        (root / kind).mkdir()
        (root / kind / "a.txt").write_text(text + "\n")
    _templates(root)
    return root


def _broken_models(models: Path, tiny: Path) -> None:
    """models/onlycfg (config.json alone), models/trunc (weights cut short), models/bert (BERT + LM head)."""
    (models / "onlycfg").mkdir()
    shutil.copy(tiny / "config.json", models / "onlycfg" / "config.json")
    shutil.copytree(tiny, models / "trunc")
    weights = models / "trunc" / "model.safetensors"
    os.truncate(weights, weights.stat().st_size - 100)
    bert = models / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({
        "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 64, "hidden_size": 16,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}))
    shutil.copy(tiny / "model.safetensors", bert / "model.safetensors")  # never loaded: refused before


def _templates(root: Path) -> None:
    good = "prompt: 'Write about {place}.'\nslots:\n  place: [a harbour, a lighthouse]\n"
    (root / "synth").mkdir()
    (root / "synth" / "places.txt").write_text("a harbour\n")
    rows = {
        "good": good,
        "escape": "prompt: 'Write about {place}.'\nslots:\n  place: ../../../../etc/passwd\n",
        "absolute": "prompt: 'Write about {place}.'\nslots:\n  place: /etc/passwd\n",
        "sibling": "prompt: 'Write about {place}.'\nslots:\n  place: ../transcript.txt\n",
        "hot": good + "generation: {temperature: hot}\n",
        "nan": good + "generation: {temperature: .nan}\n",
        "toohot": good + "generation: {temperature: 9}\n",
        "tokens": good + "generation: {max_tokens: many}\n",
        "zerotokens": good + "generation: {max_tokens: 0}\n",
        "stop": good + "generation: {stop: 5}\n",
        "topp": good + "generation: {top_p: 0}\n",
        "genlist": good + "generation: [1, 2]\n",
    }
    for name, text in rows.items():
        (root / "synth" / f"{name}.yaml").write_text(text)
    os.symlink("/etc/passwd", root / "synth" / "link.txt")
    (root / "synth" / "symlink.yaml").write_text("prompt: 'Write about {place}.'\nslots:\n  place: link.txt\n")


@pytest.fixture
def case_home(prepared_home, tmp_path, monkeypatch) -> Path:
    """A private copy of the prepared home, as the current folder and CHARACTERKIT_HOME."""
    home = tmp_path / "home"
    shutil.copytree(prepared_home, home, symlinks=True)
    monkeypatch.setenv("CHARACTERKIT_HOME", str(home))
    monkeypatch.chdir(home)
    return home


@pytest.fixture
def run_cli(capsys):
    """run_cli(args, script=None) -> (exit code, stderr): the real entry point, in this process."""
    from characterkit.cli import cli, run_command

    def run(args, script=None):
        capsys.readouterr()
        command = load_script(script) if script else cli
        code = run_command(command, [str(a) for a in args], prog_name=script or "characterkit")
        return code, capsys.readouterr().err

    return run


@pytest.fixture
def check_case(case_home, run_cli, monkeypatch):
    """Run one Case: setup, snapshot, run; the exit code, the one line and the unchanged home."""

    def check(case: Case) -> str:
        for key, value in case.env.items():
            monkeypatch.setenv(key, value)
        if case.setup:
            case.setup(case_home)
        before = snapshot(case_home)
        code, err = run_cli(case.args, case.script)
        line = error_line(err)
        assert code == case.code, line
        assert case.err in line, line
        assert snapshot(case_home) == before, "the command changed files on a refused run"
        return line

    return check


@pytest.fixture
def tmpfs(tmp_path):
    """tmpfs(name, options) -> a mounted folder (unmounted after the test); skips where mounting is
    not allowed (not root, or a container without CAP_SYS_ADMIN)."""
    mounted = []

    def make(name: str, options: str) -> Path:
        path = tmp_path / name
        if not mount_tmpfs(path, options):
            pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): a full disk and a read-only "
                        "folder cannot be made (chmod does not stop root)")
        mounted.append(path)
        return path

    yield make
    for path in reversed(mounted):
        unmount(path)
