"""A run killed after a checkpoint continues with --resume and ends where an uninterrupted run ends."""

import json

import pytest

from characterkit.cli import main

ARGS = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "8", "--save-steps", "2", "--lr", "1e-2", "-b", "2"]


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs (no final save, no clean-up in our code)."""


def adapter_weights(folder):
    from safetensors.torch import load_file

    return load_file(folder / "adapter_model.safetensors")


def test_resume_continues_from_the_newest_checkpoint(dataset, home, monkeypatch, capsys):
    import torch
    from transformers import Trainer

    assert main([*ARGS, "-l", "straight"]) == 0

    save_checkpoint = Trainer._save_checkpoint

    def save_then_die(self, *args, **kwargs):
        save_checkpoint(self, *args, **kwargs)
        if self.state.global_step == 4:
            raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "_save_checkpoint", save_then_die)
        with pytest.raises(Killed):
            main([*ARGS, "-l", "resumed"])
    folder = home / "loras" / "resumed"
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-2", "checkpoint-4"]  # no adapter yet
    (folder / "checkpoint-6").mkdir()  # a kill in the middle of saving leaves a checkpoint without its state
    (folder / "checkpoint-6" / "adapter_model.safetensors").write_bytes(b"")

    assert main([*ARGS, "-l", "resumed"]) == 2  # an unfinished run is neither overwritten nor resumed silently
    assert main([*ARGS, "-l", "resumed", "--resume", "--rank", "8"]) == 2  # another shape cannot continue it
    assert "resume with the same values" in capsys.readouterr().err
    assert main([*ARGS, "-l", "resumed", "--resume"]) == 0

    straight, resumed = (json.loads((home / "loras" / n / "characterkit.json").read_text()) for n in ("straight", "resumed"))
    assert resumed["result"]["global_step"] == straight["result"]["global_step"] == 8
    log = json.loads((folder / "training_log.json").read_text())["log_history"]
    assert [h["step"] for h in log if "loss" in h] == list(range(1, 9))  # steps 1-4 from the checkpoint, 5-8 resumed
    expected, got = adapter_weights(home / "loras" / "straight"), adapter_weights(folder)
    assert expected.keys() == got.keys()
    assert all(torch.allclose(expected[k], got[k], atol=1e-5) for k in expected)
