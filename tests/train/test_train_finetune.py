"""End to end: prepare -> finetune -> a LoRA folder webui and peft load, in which only lora_ weights changed."""

import json
from dataclasses import replace

import pytest

from characterkit.cli import main
from characterkit.data import sample_transcript_path

WEBUI_KEYS = {"lora_name", "always_override", "all_linear", "q_proj_en", "v_proj_en", "k_proj_en", "o_proj_en",
              "gate_proj_en", "down_proj_en", "up_proj_en", "save_steps", "micro_batch_size", "batch_size", "epochs",
              "learning_rate", "lr_scheduler_type", "lora_rank", "lora_alpha", "lora_dropout", "cutoff_len",
              "dataset", "eval_dataset", "format", "eval_steps", "text_dataset", "warmup_steps", "optimizer",
              "stride_length", "stop_at_loss", "add_eos_token", "excess_length", "report_to", "gradient_checkpointing"}


@pytest.fixture
def prepared(home):
    """`characterkit prepare dialogue` on the bundled transcript -> datasets/Mara/."""
    assert main(["prepare", "dialogue", str(sample_transcript_path()), "-n", "Mara", "--val-ratio", "0.2"]) == 0
    return home / "datasets" / "Mara"


def test_prepare_then_finetune_writes_a_loadable_lora(prepared, home, tiny_model):
    argv = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "6", "--save-steps", "3", "--lr", "1e-2",
            "--eval-steps", "3"]
    assert main(argv) == 0
    lora = home / "loras" / "Mara"
    names = {p.name for p in lora.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "training_parameters.json", "training_log.json",
            "characterkit.json", "loss.png", "README.md"} <= names
    assert not any(name.startswith("checkpoint-") for name in names)  # a finished run has nothing to resume
    readme = (lora / "README.md").read_text()
    assert "More Information Needed" not in readme  # peft's placeholder is gone
    for fact in ("# Mara: a LoRA for Mara", "`tiny`", "sha256:", "PeftModel.from_pretrained", "text-generation-webui",
                 "llama.cpp", "| rank | 16 |"):
        assert fact in readme, fact
    assert [p.name for p in (home / "loras").iterdir()] == ["Mara"]  # no checkpoint or temp folder beside it

    assert set(json.loads((lora / "training_parameters.json").read_text())) == WEBUI_KEYS
    card = json.loads((lora / "characterkit.json").read_text())
    assert card["character"] == "Mara" and card["prompt_format"] == "pygmalion"
    assert card["greeting"] == "You are late. The tide turned an hour ago."  # from the dataset's card
    assert card["stop_strings"][0] == "\n" and "\nTobias:" in card["stop_strings"]
    assert card["dataset"]["format"] == "samples" and card["dataset"]["fingerprint"].startswith("sha256:")
    assert card["result"]["global_step"] == 6 and card["result"]["eval_loss"] is not None
    log = json.loads((lora / "training_log.json").read_text())
    assert sum("loss" in h for h in log["log_history"]) == 6
    assert (lora / "loss.png").read_bytes()[:4] == b"\x89PNG"

    assert_only_lora_weights_changed(tiny_model, lora)


def assert_only_lora_weights_changed(base_dir, lora_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_dir).state_dict()
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir), lora_dir)
    params = dict(model.named_parameters())
    lora_b = [v for k, v in params.items() if "lora_B" in k]
    assert lora_b and all(v.abs().sum() > 0 for v in lora_b)  # trained (lora_B starts at zero)
    for name, value in params.items():
        if "lora_" not in name:
            base_name = name.removeprefix("base_model.model.").replace(".base_layer", "")
            assert torch.equal(value, base[base_name]), name


def test_existing_lora_needs_overwrite_and_overwrite_replaces_it(dataset, home):
    argv = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "0"]
    assert main(argv) == 0
    card = home / "loras" / "Mara" / "characterkit.json"
    first = json.loads(card.read_text())
    assert main(argv) == 2  # refused, nothing changed
    assert json.loads(card.read_text()) == first
    assert main([*argv, "--overwrite", "--lr", "1e-3"]) == 0
    assert json.loads(card.read_text())["settings"]["learning_rate"] == 1e-3


def test_every_export_trains_the_same_text_as_samples_jsonl(prepared):
    """All of prepare's exports read back into the same prompt/target pairs as the canonical rows."""
    from characterkit.prompts import PygmalionFormat
    from characterkit.train.data import read_training_data

    fmt = PygmalionFormat()
    canonical = read_training_data(str(prepared))
    # persona aside (the chat exports carry a default one), every format must give the same text
    expected = [fmt.render(replace(c, persona="")) for c in canonical.train + canonical.val]
    exports = [p for p in prepared.iterdir() if p.suffix in (".json", ".jsonl") and ".val." not in p.name
               and p.name not in ("samples.jsonl", "report.json", "dataset_info.json", "memory.jsonl")]
    assert len(exports) >= 5
    for path in exports:
        data = read_training_data(str(path))
        got = [fmt.render(replace(c, persona="")) for c in data.train + data.val]
        assert got == expected, path.name
