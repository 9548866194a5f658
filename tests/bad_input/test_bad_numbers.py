"""Numbers: every INT / FLOAT flag of every command (and of the legacy scripts) refuses nan,
infinities and integers beyond 64 bits as one line before any work; then a table of values out of
each setting's range, refused by the settings dataclasses, again before anything is written."""

from __future__ import annotations

import click
import pytest

from characterkit.cli import cli
from bad_input_support import Case, load_script

FLOAT_VALUES = ("nan", "inf", "-inf")
INT_VALUES = ("99999999999999999999", "-99999999999999999999")


def _numeric_options(command: click.Command, path: tuple[str, ...]):
    for param in command.params:
        if isinstance(param, click.Option) and not param.is_flag and param.nargs == 1:
            inner = getattr(param.type, "inner", param.type)
            if isinstance(inner, click.types.FloatParamType):
                yield path, param.opts[-1], FLOAT_VALUES
            elif isinstance(inner, click.types.IntParamType):
                yield path, param.opts[-1], INT_VALUES
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _numeric_options(sub, (*path, name))


def _sweep():
    commands = [(None, cli)] + [(script, load_script(script)) for script in ("prepare_dataset", "lora_finetune")]
    for script, command in commands:
        for path, flag, values in _numeric_options(command, ()):
            for value in values:
                name = " ".join([script or "characterkit", *path, flag, value])
                yield Case(name, [*path, flag, value], err="Invalid value", script=script)


SWEEP = list(_sweep())


@pytest.mark.parametrize("case", SWEEP, ids=str)
def test_every_numeric_flag_refuses_nan_inf_and_huge(check_case, case):
    check_case(case)


def test_the_sweep_covers_every_command():
    covered = {case.id.split(" --")[0].split(" -")[0] for case in SWEEP}
    for expected in ("characterkit prepare dialogue", "characterkit prepare style", "characterkit prepare synth",
                     "characterkit pair", "characterkit finetune", "characterkit chat", "characterkit demo",
                     "characterkit make-tiny-model", "characterkit eval", "prepare_dataset", "lora_finetune"):
        assert expected in covered


T, N = "transcript.txt", "novel.txt"
FT = ["finetune", "-m", "tiny", "-d", "Mara"]
STYLE = ["prepare", "style", N, "--author", "X"]
DIALOGUE = ["prepare", "dialogue", T, "--name", "Mara"]
SYNTH = ["prepare", "synth", "synth/good.yaml"]
PAIR = ["pair", "prompts", "completions"]
CHAT = ["chat", "-m", "tiny", "--character", "datasets/Mara/characters/Mara.yaml", "--terminal"]

RANGES = [
    Case("finetune --epochs 0", [*FT, "--epochs", "0"], err="--epochs"),
    Case("finetune --epochs -1", [*FT, "--epochs", "-1"], err="--epochs"),
    Case("finetune --epochs 1e300", [*FT, "--epochs", "1e300"], err="--epochs must be at most"),
    Case("finetune --lr 0", [*FT, "--lr", "0"], err="--learning-rate must be above 0"),
    Case("finetune --lr -1", [*FT, "--lr", "-1"], err="--learning-rate"),
    Case("finetune --rank 0", [*FT, "--rank", "0"], err="--rank must be at least 1"),
    Case("finetune --alpha 0", [*FT, "--alpha", "0"], err="--alpha"),
    Case("finetune --dropout 1", [*FT, "--dropout", "1"], err="--dropout must be in [0, 1)"),
    Case("finetune --dropout -0.1", [*FT, "--dropout", "-0.1"], err="--dropout"),
    Case("finetune --cutoff 0", [*FT, "--cutoff", "0"], err="--cutoff"),
    Case("finetune --overlap 300", [*FT, "--overlap", "300"], err="--overlap"),
    Case("finetune -b 0", [*FT, "-b", "0"], err="--micro-batch-size"),
    Case("finetune --grad-accum 0", [*FT, "--grad-accum", "0"], err="--grad-accum"),
    Case("finetune --val-split 1", [*FT, "--val-split", "1"], err="--val-split"),
    Case("finetune --warmup-steps -1", [*FT, "--warmup-steps", "-1"], err="--warmup-steps"),
    Case("finetune --max-steps -1", [*FT, "--max-steps", "-1"], err="--max-steps"),
    Case("finetune --save-steps -1", [*FT, "--save-steps", "-1"], err="--save-steps"),
    Case("finetune --precision fp8", [*FT, "--precision", "fp8"], err="--precision"),
    Case("finetune --lr-scheduler warp", [*FT, "--lr-scheduler", "warp"], err="--lr-scheduler"),
    Case("finetune --optimizer bogus", [*FT, "--optimizer", "bogus"], err="adamw_torch_fused"),
    Case("finetune --lora-name ../x", [*FT, "--lora-name", "../x"], err="invalid LoRA name"),
    Case("finetune --overwrite --resume", [*FT, "--overwrite", "--resume"], err="choose one"),
    Case("eval -b 0", ["eval", "-l", "x", "-b", "0"], err="--micro-batch-size"),
    Case("dialogue --rounds 0", [*DIALOGUE, "--rounds", "0"], err="--rounds must be at least 1"),
    Case("dialogue --rounds 20000", [*DIALOGUE, "--rounds", "20000"], err="--rounds must be at most"),
    Case("dialogue --val-ratio 1", [*DIALOGUE, "--val-ratio", "1"], err="--val-ratio"),
    Case("dialogue --val-ratio -0.5", [*DIALOGUE, "--val-ratio", "-0.5"], err="--val-ratio"),
    Case("dialogue --min-words -1", [*DIALOGUE, "--min-words", "-1"], err="--min-words"),
    Case("dialogue --min-confidence 2", [*DIALOGUE, "--min-confidence", "2"], err="--min-confidence"),
    Case("dialogue --all-speakers --min-lines 0", ["prepare", "dialogue", T, "--all-speakers", "--min-lines", "0"],
         err="--min-lines"),
    Case("style --temperature -1", [*STYLE, "--temperature", "-1"], err="--temperature must be at least 0"),
    Case("style --temperature 3", [*STYLE, "--temperature", "3"], err="--temperature must be at most 2"),
    Case("style --timeout 0", [*STYLE, "--timeout", "0"], err="--timeout must be above 0"),
    Case("style --timeout -5", [*STYLE, "--timeout", "-5"], err="--timeout"),
    Case("style --device tpu", [*STYLE, "--backend", "local", "--model", "tiny", "--device", "tpu"],
         err="unknown --device 'tpu'"),
    Case("style --concurrency 0", [*STYLE, "--concurrency", "0"], err="--concurrency"),
    Case("style --retries 0", [*STYLE, "--retries", "0"], err="--retries"),
    Case("style --max-tokens 0", [*STYLE, "--max-tokens", "0"], err="--max-tokens"),
    Case("style --min-words 0", [*STYLE, "--min-words", "0"], err="--min-words"),
    Case("style --max-words 5 --min-words 10", [*STYLE, "--max-words", "5"], err="--max-words"),
    Case("style --beats -1", [*STYLE, "--beats", "-1"], err="--beats"),
    Case("style --limit 0", [*STYLE, "--limit", "0"], err="--limit"),
    Case("style --max-retries 0", [*STYLE, "--max-retries", "0"], err="--max-retries"),
    Case("style --min-ratio 3", [*STYLE, "--min-ratio", "3"], err="--min-ratio"),
    Case("style --val-ratio 1", [*STYLE, "--val-ratio", "1"], err="--val-ratio"),
    Case("style --base-url ftp://x", [*STYLE, "--base-url", "ftp://x"], err="--base-url"),
    # (no --model with --backend local is not an error: SmolLM2 is the default, installed on first use)
    Case("style --backend local --model nosuch", [*STYLE, "--backend", "local", "--model", "nosuch"],
         err="model 'nosuch' not found"),
    Case("synth --sample 0", [*SYNTH, "--sample", "0"], err="--sample"),
    Case("synth --near-duplicate 0", [*SYNTH, "--near-duplicate", "0"], err="--near-duplicate"),
    Case("synth --min-chars -1", [*SYNTH, "--min-chars", "-1"], err="--min-chars"),
    Case("synth --val-ratio 1", [*SYNTH, "--val-ratio", "1"], err="--val-ratio"),
    Case("synth --timeout 0", [*SYNTH, "--timeout", "0"], err="--timeout"),
    Case("synth --device tpu", [*SYNTH, "--device", "tpu"], err="--device"),
    Case("pair --max-chars 0", [*PAIR, "--max-chars", "0"], err="--max-chars"),
    Case("pair --near-duplicate 2", [*PAIR, "--near-duplicate", "2"], err="--near-duplicate"),
    Case("pair --val-ratio 1", [*PAIR, "--val-ratio", "1"], err="--val-ratio"),
    Case("pair --require-slot", [*PAIR, "--require-slot", "x"], err="--require-slot"),
    Case("make-tiny-model --steps -1", ["make-tiny-model", "out", "--steps", "-1"], err="--steps must be at least 0"),
    Case("make-tiny-model --steps 1e9", ["make-tiny-model", "out", "--steps", "1000000000"], err="--steps"),
    Case("chat --temperature 9", [*CHAT, "--temperature", "9"], err="temperature"),
    Case("chat --temperature -1", [*CHAT, "--temperature", "-1"], err="temperature"),
    Case("chat --top-p 0", [*CHAT, "--top-p", "0"], err="top-p"),
    Case("chat --max-new-tokens 0", [*CHAT, "--max-new-tokens", "0"], err="max new tokens"),
    Case("chat --max-new-tokens huge", [*CHAT, "--max-new-tokens", "10000000"], err="--max-new-tokens"),
    Case("chat --repetition-penalty 0", [*CHAT, "--repetition-penalty", "0"], err="repetition penalty"),
    Case("chat --seed -2", [*CHAT, "--seed", "-2"], err="seed"),
    Case("chat --max-message-chars 0", [*CHAT, "--max-message-chars", "0"], err="max message chars"),
    Case("chat --port 70000", [*CHAT[:-1], "--port", "70000"], err="port must be between"),
    Case("chat --auth nocolon", [*CHAT, "--auth", "nocolon"], err="--auth"),
    Case("demo --epochs 0", ["demo", "--epochs", "0"], err="--epochs must be above 0"),
    Case("demo --epochs -1", ["demo", "--epochs", "-1"], err="--epochs"),
    Case("prepare_dataset.py -r 0", ["-n", "Mara", "-t", T, "-r", "0"], err="--rounds", script="prepare_dataset"),
    Case("lora_finetune.py -e 0", ["-m", "tiny", "-d", "Mara", "-e", "0"], err="--epochs", script="lora_finetune"),
    Case("lora_finetune.py -b 0", ["-m", "tiny", "-d", "Mara", "-b", "0"], err="--micro-batch-size",
         script="lora_finetune"),
    Case("lora_finetune.py -r 0", ["-m", "tiny", "-d", "Mara", "-r", "0"], err="--rank", script="lora_finetune"),
]


@pytest.mark.parametrize("case", RANGES, ids=str)
def test_out_of_range_values_are_refused_before_any_work(check_case, case):
    check_case(case)


def test_settings_reject_nan_without_the_cli():
    """The settings check themselves (library callers skip click): nan never slips through `<`."""
    from characterkit.chat.engine import GenerationSettings
    from characterkit.errors import UserError
    from characterkit.llm import LLMSettings
    from characterkit.train.config import FinetuneSettings

    nan = float("nan")
    for make in (lambda: FinetuneSettings(model="m", data="d", epochs=nan),
                 lambda: FinetuneSettings(model="m", data="d", learning_rate=nan),
                 lambda: FinetuneSettings(model="m", data="d", warmup_steps=nan),
                 lambda: LLMSettings(timeout=nan), lambda: GenerationSettings(temperature=nan),
                 lambda: GenerationSettings(seed=2**70), lambda: GenerationSettings(max_new_tokens=float("inf"))):
        with pytest.raises(UserError):
            make()
