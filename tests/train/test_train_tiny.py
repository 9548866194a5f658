"""make-tiny-model, and LoRA target modules chosen per architecture (packing on each of them)."""

import json

import pytest

from characterkit.cli import main
from characterkit.data import sample_transcript_path


def test_make_tiny_model_cli_pretrains_on_a_text(tmp_path, capsys):
    out = tmp_path / "tiny-gptj"
    assert main(["make-tiny-model", str(out), "--arch", "gptj", "--pretrain", str(sample_transcript_path()),
                 "--steps", "3"]) == 0
    assert str(out) in capsys.readouterr().out
    assert json.loads((out / "config.json").read_text())["model_type"] == "gptj"

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out)
    assert len(tokenizer("\n", add_special_tokens=False)["input_ids"]) == 1  # a newline is one token: a clean stop


def test_make_tiny_model_rejects_a_missing_pretrain_file(tmp_path, capsys):
    assert main(["make-tiny-model", str(tmp_path / "m"), "--pretrain", str(tmp_path / "none.txt")]) == 2
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("arch, model_type, targets", [
    ("gptj", "gptj", {"q_proj", "v_proj"}),
    ("neox", "gpt_neox", {"query_key_value"}),
    ("gpt2", "gpt2", {"c_attn"}),
])
def test_auto_targets_per_architecture(arch, model_type, targets, dataset, home):
    from characterkit.train.tiny import make_tiny_model

    make_tiny_model(home / "models" / arch, arch=arch)
    assert main(["finetune", "-m", arch, "-d", "Mara", "--max-steps", "2", "--packing", "--save-steps", "0",
                 "--target-modules", "auto"]) == 0
    lora = home / "loras" / "Mara"
    assert set(json.loads((lora / "adapter_config.json").read_text())["target_modules"]) == targets
    card = json.loads((lora / "characterkit.json").read_text())
    assert card["model_type"] == model_type and card["settings"]["packing"] is True


def test_default_targets_every_projection_of_every_block(dataset, home):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "1", "--save-steps", "0"]) == 0
    lora = home / "loras" / "Mara"
    # peft names each module in full on a model this small (fewer than 20), by suffix on a real one
    targets = {name.rsplit(".", 1)[-1] for name in json.loads((lora / "adapter_config.json").read_text())["target_modules"]}
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}  # not lm_head
    params = json.loads((lora / "training_parameters.json").read_text())
    assert params["all_linear"] is True


def test_make_tiny_model_shows_pretraining_progress_and_no_blank_lines(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["make-tiny-model", str(out), "--pretrain", str(sample_transcript_path()), "--steps", "3"]) == 0
    captured = capsys.readouterr()
    assert "pre-training" in captured.err and "3/3" in captured.err  # a progress bar, on stderr
    assert captured.out.strip() == str(out) and "\n\n" not in captured.out  # the tokenizer trainer is quiet
