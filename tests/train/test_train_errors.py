"""Bad input: one clear line on stderr, exit status 2, and nothing written to loras/."""

import json

import pytest

from characterkit.cli import main

BASE = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "1"]


def _not_a_causal_lm(home):
    (home / "models" / "t5").mkdir()
    (home / "models" / "t5" / "config.json").write_text(json.dumps({"model_type": "t5"}))


def _no_weights(home):
    (home / "models" / "hollow").mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (home / "models" / "hollow" / name).write_bytes((home / "models" / "tiny" / name).read_bytes())


def _not_a_model(home):
    (home / "models" / "notes").mkdir()
    (home / "models" / "notes" / "readme.txt").write_text("hello")


def _empty_dataset(home):
    (home / "datasets" / "empty").mkdir(parents=True)
    (home / "datasets" / "empty" / "samples.jsonl").write_text("")


def _broken_json(home):
    (home / "datasets" / "broken.jsonl").write_text('{"input": "a", "output": "b"}\n{"input": \n')


def _nothing(home):
    pass


CASES = {
    "missing model lists models/": (_nothing, ["-m", "nope"], "model 'nope' not found as a path, in"),
    "not a causal LM": (_not_a_causal_lm, ["-m", "t5"], "not a causal language model"),
    "model folder without weights": (_no_weights, ["-m", "hollow"], "holds no model weights"),
    "folder without config.json": (_not_a_model, ["-m", "notes"], "no config.json"),
    "missing dataset": (_nothing, ["-d", "nothing-here"], "dataset 'nothing-here' not found"),
    "empty dataset": (_empty_dataset, ["-d", "empty"], "no training samples"),
    "broken JSON names the line": (_broken_json, ["-d", "broken.jsonl"], "broken.jsonl:2: invalid JSON"),
    "LoRA name with a separator": (_nothing, ["-l", "a/b"], "invalid LoRA name"),
    "LoRA name with ..": (_nothing, ["-l", ".."], "invalid LoRA name"),
    "rank 0": (_nothing, ["-r", "0"], "--rank must be at least 1"),
    "cutoff below the shortest sample": (_nothing, ["-c", "8", "--overlap", "0"], "smaller than the shortest sample"),
    "unknown prompt format": (_nothing, ["--prompt-format", "vicuna"], "not one of 'auto', 'pygmalion', 'chat-template'"),
    "resume without checkpoints": (_nothing, ["--resume"], "no checkpoint-* to resume from"),
    "unknown target module": (_nothing, ["--target-modules", "nope_proj"], "--target-modules"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_one_line_exit_2_nothing_written(name, dataset, home, capsys):
    make, extra, message = CASES[name]
    make(home)
    assert main([*BASE, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1], err
    assert not any(line.startswith("Traceback") for line in err)
    assert not (home / "loras").exists() or not any((home / "loras").iterdir())


def test_8bit_without_cuda_is_refused(dataset, home, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main([*BASE, "--load-in-8bit"]) == 2
    assert "needs a CUDA GPU" in capsys.readouterr().err
    assert not (home / "loras").exists()


def test_unfinished_run_needs_resume_or_overwrite(dataset, home, capsys):
    checkpoint = home / "loras" / "Mara" / "checkpoint-2"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    assert main(BASE) == 2
    assert "pass --resume to continue it or --overwrite" in capsys.readouterr().err
    assert [p.name for p in (home / "loras" / "Mara").iterdir()] == ["checkpoint-2"]
