"""`characterkit demo`: the whole job on the bundled sample, offline, in about a minute on a CPU.

prepare (the bundled transcript -> datasets/mara-demo) -> a tiny local base model (models/tiny-lighthouse,
pre-trained for a few seconds so it writes words and newlines) -> finetune (loras/mara-demo) -> a few
chat turns with and without the adapter. Every step is the same library call the CLI makes.
"""

from __future__ import annotations

from characterkit import paths
from characterkit.data import SAMPLE_CHARACTER, sample_transcript_path

DATASET = "mara-demo"
MODEL = "tiny-lighthouse"
QUESTIONS = ["Do you ever get lonely out here?", "Is the lamp working after the storm?"]


def run_demo(epochs: float = 8.0, pretrain_steps: int = 300, say=print) -> dict:
    """Run the demo in the home folder (the current directory); return where everything went."""
    import torch

    from characterkit.errors import check_above

    check_above(0, epochs=epochs)  # before anything is written (the CLI's flag is checked already)

    from characterkit.chat.sample import SAMPLE_PERSONA, make_sample_model
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import finetune

    import transformers

    torch.set_num_threads(1)  # a tiny model: one thread is as fast and does not fight other work
    transformers.utils.logging.disable_progress_bar()  # weight loading/saving bars; training keeps its own
    say(f"1/4 prepare: {sample_transcript_path().name} -> datasets/{DATASET}")
    report = prepare_dialogue(DialogueSettings(sources=[str(sample_transcript_path())], names=[SAMPLE_CHARACTER],
                                               persona=SAMPLE_PERSONA, dataset=DATASET, val_ratio=0.0))
    say(f"    {report['samples']['total']} samples of {SAMPLE_CHARACTER}'s lines, every export, report.json")

    model_dir = paths.models_dir() / MODEL
    if (model_dir / "config.json").is_file():
        say(f"2/4 base model: models/{MODEL} (already built)")
    else:
        say(f"2/4 base model: building models/{MODEL} (a tiny llama, pre-trained for {pretrain_steps} steps)")
        make_sample_model(model_dir, steps=pretrain_steps, progress=True)

    say(f"3/4 finetune: models/{MODEL} + datasets/{DATASET} -> loras/{DATASET}")
    card = finetune(FinetuneSettings(model=str(model_dir), data=str(paths.datasets_dir() / DATASET),
                                     lora_name=DATASET, epochs=epochs, learning_rate=3e-3, overwrite=True,
                                     save_steps=0, rank=8, alpha=16))
    say(f"    {card['result']['global_step']} steps, train loss {card['result']['train_loss']:.3f}")

    say("4/4 chat (greedy), with the adapter | without it:")
    for question, with_lora, without in _ask(DATASET, QUESTIONS):
        say(f"    You: {question}\n    {SAMPLE_CHARACTER}: {with_lora}\n    (base model: {without})")
    say(f"\nNext: {command_line()} chat --lora {DATASET}   (or --terminal)")
    return {"dataset": report["folder"], "model": str(model_dir), "lora": card["folder"]}


def _ask(lora: str, questions: list[str]):
    from characterkit.chat.engine import GenerationSettings
    from characterkit.chat.load import load_engine, resolve_setup

    engine = load_engine(resolve_setup(lora=lora))
    greedy = GenerationSettings(temperature=0.0, max_new_tokens=40, seed=0)
    for question in questions:
        yield (question, engine.reply([], question, greedy) or "(nothing)",
               engine.reply([], question, greedy, use_adapter=False) or "(nothing)")



def command_line() -> str:
    """How to run characterkit from this shell, as typed: `characterkit` when it is on PATH, else the
    script beside this Python (a venv that is not activated), else `python -m characterkit.cli`."""
    import os
    import shutil
    import sys
    from pathlib import Path

    if shutil.which("characterkit"):
        return "characterkit"
    script = Path(sys.executable).parent / "characterkit"
    if script.is_file():
        return _shortest(script, Path(os.getcwd()))
    return f"{sys.executable} -m characterkit.cli"


def _shortest(path: Path, cwd: Path) -> str:
    """`.venv/bin/characterkit` when `path` is under the current folder, else the absolute path."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
