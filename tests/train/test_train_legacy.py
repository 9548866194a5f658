"""`python lora_finetune.py` keeps the legacy flags and defaults and trains through `finetune`."""

import importlib.util
import json
from pathlib import Path

import pytest
from train_helpers import transcript_samples

from characterkit.cli import run_command
from characterkit.prompts import Conversation, PygmalionFormat

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def legacy_main():
    spec = importlib.util.spec_from_file_location("lora_finetune", REPO / "lora_finetune.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_legacy_flags_and_defaults_reach_finetune(legacy_main, monkeypatch):
    import characterkit.train.finetune as finetune_module

    seen = []
    monkeypatch.setattr(finetune_module, "finetune", lambda settings: seen.append(settings) or {})
    monkeypatch.setattr(finetune_module, "summary", lambda card: "")
    assert run_command(legacy_main, []) == 0
    assert run_command(legacy_main, ["-d", "d.json", "-m", "m", "-l", "l", "-b", "2", "-e", "3", "-c", "128",
                                     "-r", "8"]) == 0
    default, given = seen
    assert (default.data, default.model, default.lora_name) == ("processed_dataset.json", "pygmalion-6b", "lora_test")
    assert (default.micro_batch_size, default.epochs, default.cutoff, default.rank) == (4, 10, 256, 16)
    assert (given.data, given.model, given.lora_name) == ("d.json", "m", "l")
    assert (given.micro_batch_size, given.epochs, given.cutoff, given.rank) == (2, 3, 128, 8)
    # what the old script fixed in code: alpha 16, dropout 0.05, 2 accumulation steps, Pygmalion prompts
    assert (given.alpha, given.dropout, given.grad_accum, given.prompt_format) == (16, 0.05, 2, "pygmalion")
    assert given.target_modules == "auto"  # peft's per-architecture default (q_proj/v_proj for GPT-J), as before


def test_legacy_script_trains_processed_dataset_json(legacy_main, home, monkeypatch):
    fmt = PygmalionFormat()
    rows = []
    for sample in transcript_samples():
        prompt, _ = fmt.render(Conversation(character=sample.character, turns=sample.context))
        rows.append({"input": prompt, "output": sample.reply})
    rows[0]["input"] = rows[0]["input"].removesuffix("Mara:")  # the seed script sometimes left out the cue
    monkeypatch.chdir(home)
    Path("processed_dataset.json").write_text(json.dumps(rows))

    assert run_command(legacy_main, ["-m", "tiny", "-e", "1", "-b", "4"]) == 0
    lora = home / "loras" / "lora_test"
    assert (lora / "adapter_model.safetensors").is_file()
    card = json.loads((lora / "characterkit.json").read_text())
    assert card["character"] == "Mara" and card["dataset"]["format"] == "legacy"
    assert card["dataset"]["train"]["kept"] == len(rows)
    params = json.loads((lora / "training_parameters.json").read_text())
    assert (params["lora_rank"], params["lora_alpha"], params["micro_batch_size"], params["batch_size"]) == (16, 16, 4, 8)
