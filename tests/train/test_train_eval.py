"""`characterkit eval`: base vs base + LoRA on held-out character lines and on a neutral text."""

import json

from characterkit.cli import main


def test_eval_reports_both_models_on_character_lines_and_neutral_text(dataset, home, capsys):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "30", "--lr", "1e-2",
                 "--target-modules", "all-linear", "--save-steps", "0"]) == 0
    assert main(["eval", "-l", "Mara"]) == 0
    assert "character lines" in capsys.readouterr().out

    report = json.loads((home / "loras" / "Mara" / "eval.json").read_text())
    lines, neutral = report["character_lines"], report["neutral_text"]
    assert lines["split"] == "val" and lines["samples"] == 4 and neutral["source"] == "built-in"
    assert lines["adapter"]["loss"] < lines["base"]["loss"]  # it learned something that holds out of sample
    for part in (lines, neutral):
        assert part["tokens"] > 0
        for model in ("base", "adapter"):
            assert part[model]["perplexity"] > 1


def test_eval_without_run_card_needs_model_and_data(dataset, home, capsys):
    lora = home / "loras" / "bare"
    lora.mkdir(parents=True)
    (lora / "adapter_config.json").write_text("{}")
    assert main(["eval", "-l", "bare"]) == 2
    assert "give --model" in capsys.readouterr().err
