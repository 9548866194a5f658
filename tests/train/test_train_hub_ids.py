"""A hub id: not downloaded -> how to put it in models/; in the local Hugging Face cache -> used offline."""

import shutil

from characterkit import base_model
from characterkit.cli import main


def test_a_missing_hub_id_says_how_to_download_it(dataset, home, capsys):
    assert main(["finetune", "-m", "PygmalionAI/pygmalion-6b", "-d", "Mara"]) == 2
    err = capsys.readouterr().err
    assert "huggingface-cli download PygmalionAI/pygmalion-6b --local-dir" in err
    assert str(home / "models" / "pygmalion-6b") in err and "available: tiny" in err


def test_a_hub_id_in_the_local_cache_is_used_offline(dataset, home, tiny_model, tmp_path, monkeypatch, capsys):
    """The cache is laid out as huggingface_hub writes it: refs/main names the snapshot folder."""
    cache = tmp_path / "hf-cache"
    repo = cache / "models--someone--tiny-chat"
    shutil.copytree(tiny_model, repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert base_model.find("someone/tiny-chat") == repo / "snapshots" / "0123abcd"
    assert main(["finetune", "-m", "someone/tiny-chat", "-d", "Mara", "--max-steps", "1", "--save-steps", "0"]) == 0
    import json

    card = json.loads((home / "loras" / "Mara" / "characterkit.json").read_text())
    assert card["base_model"] == "someone/tiny-chat" == card["base_model_hub_id"]
