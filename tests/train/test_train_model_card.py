"""The LoRA folder explains itself: README.md from the run card, eval figures once eval has run;
--keep-checkpoints keeps what a finished run would otherwise remove."""

from characterkit.cli import main


def test_kept_checkpoints_and_eval_figures_in_the_model_card(dataset, home):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "1",
                 "--keep-checkpoints"]) == 0
    lora = home / "loras" / "Mara"
    assert {"checkpoint-1", "checkpoint-2"} <= {p.name for p in lora.iterdir()}
    assert "Run `characterkit eval" in (lora / "README.md").read_text()
    assert main(["eval", "-l", "Mara"]) == 0
    readme = (lora / "README.md").read_text()
    assert "| character lines |" in readme and "| neutral text |" in readme
    assert "Run `characterkit eval" not in readme
