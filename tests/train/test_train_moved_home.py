"""A LoRA records its base model by name: a home copied elsewhere still chats and evaluates."""

import json
import shutil

import pytest
from train_helpers import transcript_samples, write_samples

from characterkit.cli import main


@pytest.fixture
def moved_home(tmp_path, monkeypatch, tiny_model):
    """Train Mara in an old home (a real copy of the model under models/), then copy models/,
    datasets/ and loras/ to a new home and move the old one away, as a user moving machines would."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(tiny_model, old / "models" / "tiny")
    write_samples(old / "datasets" / "Mara", transcript_samples(val_every=5))
    monkeypatch.setenv("CHARACTERKIT_HOME", str(old))
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "0"]) == 0
    card = json.loads((old / "loras" / "Mara" / "characterkit.json").read_text())
    for folder in ("models", "datasets", "loras"):
        shutil.copytree(old / folder, new / folder)
    old.rename(tmp_path / "gone")
    monkeypatch.setenv("CHARACTERKIT_HOME", str(new))
    return new, card


def test_the_run_card_names_the_model_under_models(moved_home):
    _, card = moved_home
    assert card["base_model"] == "tiny" and card["base_model_hub_id"] is None
    assert card["dataset"]["name"] == "Mara/samples.jsonl"


@pytest.mark.parametrize("old_style", [False, True])
def test_a_moved_home_still_chats_and_evaluates(moved_home, old_style, capsys):
    new, card = moved_home
    if old_style:  # a card written before names were recorded: only the old absolute paths
        card_path = new / "loras" / "Mara" / "characterkit.json"
        card.update(base_model=card["base_model_path"], base_model_hub_id=None)
        card["dataset"].pop("name")
        card_path.write_text(json.dumps(card))
    from characterkit.chat.load import load_engine, resolve_setup

    setup = resolve_setup(lora="Mara")
    assert setup.base_model == new / "models" / "tiny"
    assert load_engine(setup).has_adapter
    if old_style:
        assert main(["eval", "-l", "Mara", "-d", "Mara"]) == 0
    else:
        assert main(["eval", "-l", "Mara"]) == 0
    report = json.loads((new / "loras" / "Mara" / "eval.json").read_text())
    assert report["base_model"] == str(new / "models" / "tiny")
