"""The LoRA folder: what it must hold before training, and everything written into it after.

    loras/NAME/
      adapter_config.json, adapter_model.safetensors   peft's adapter (what text-generation-webui loads)
      training_parameters.json                         webui's training-tab keys ("Copy parameters from")
      training_log.json                                webui's log keys + the Trainer's log history
      characterkit.json                                the run card `characterkit chat` reads
      README.md                                        the model card (train/model_card.py)
      loss.png                                         training (and eval) loss by step
      eval.json, eval_replies.jsonl                    `characterkit eval`'s report and the replies it scored
      checkpoint-*/                                    Trainer checkpoints, for --resume (removed
                                                       after success unless --keep-checkpoints)

The final folder is built in a temporary sibling and renamed over loras/NAME, so a crash leaves the
previous LoRA (or none), never half of one.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from characterkit import __version__, atomic, base_model, paths
from characterkit.errors import UserError
from characterkit.train.model import WEBUI_PROJECTIONS

RUN_CARD = "characterkit.json"
OWNED = ("checkpoint-*", "eval.json", "eval_replies.jsonl", "gguf")  # written into loras/NAME outside the final swap (Trainer, `eval`, `export gguf`: a retrain makes an old GGUF stale)
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoints(folder: Path) -> list[Path]:
    """Complete Trainer checkpoints in `folder`, oldest step first (a kill mid-save leaves no state file)."""
    found = [p for p in folder.glob("checkpoint-*") if _CHECKPOINT.match(p.name) and (p / "trainer_state.json").is_file()]
    return sorted(found, key=lambda p: int(_CHECKPOINT.match(p.name)[1]))


def check_lora_folder(folder: Path, overwrite: bool, resume: bool) -> Path | None:
    """Apply the --overwrite / --resume rules; return the checkpoint to resume from (None: start fresh)."""
    found = checkpoints(folder)
    if resume:
        if not found:
            raise UserError("no checkpoint-* to resume from; train without --resume", path=folder)
        return found[-1]
    if overwrite:
        paths.check_output_folder(folder, OWNED)
        return None
    if (folder / "adapter_config.json").is_file():
        raise UserError("a LoRA already exists here; pass --overwrite to replace it or --resume to train on",
                        path=folder)
    if found:
        raise UserError("holds checkpoints of an unfinished run; pass --resume to continue it or --overwrite "
                        "to start over", path=folder)
    paths.check_output_folder(folder, OWNED)
    return None


def check_resume_matches(checkpoint: Path, rank: int, alpha: int) -> None:
    """A checkpoint only resumes into a LoRA of the same shape (a changed rank fails deep in loading)."""
    try:
        saved = json.loads((checkpoint / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # the Trainer reports a checkpoint it cannot read
    if (saved.get("r"), saved.get("lora_alpha")) != (rank, alpha):
        raise UserError(f"was trained with --rank {saved.get('r')} --alpha {saved.get('lora_alpha')}; resume with "
                        f"the same values (got {rank} and {alpha})", path=checkpoint)


def remove_checkpoints(folder: Path) -> None:
    """Clear an old run's checkpoints before a fresh run (--overwrite), so they never mix with new ones."""
    import shutil

    for path in folder.glob("checkpoint-*"):
        shutil.rmtree(path, ignore_errors=True)


def save_lora_folder(folder: Path, peft_model, json_files: dict[str, dict], log_history: list[dict],
                     copies: tuple[Path, ...] = (), keep_checkpoints: bool = False) -> None:
    """Write the adapter, the JSON files, the model card and the loss plot to a temporary folder,
    then swap it in.

    copies: files from the dataset that chat needs (the memory file), copied in by name, so the LoRA
    folder alone is enough to chat with. The run's checkpoints (optimizer state: several times the
    adapter's size) are only for --resume, and a finished run has nothing to resume: they go with the
    old folder unless `keep_checkpoints`, in which case they move in last, after everything else.
    """
    import shutil

    from characterkit.export.adapter_config import make_portable
    from characterkit.train.model_card import write_model_card

    with atomic.replace_dir(folder, owned=OWNED) as tmp:
        peft_model.save_pretrained(tmp)
        make_portable(tmp / "adapter_config.json")  # loads with peft 0.8 on (older webui installs)
        for name, obj in json_files.items():
            atomic.write_json(tmp / name, obj)
        for path in copies:
            shutil.copyfile(path, tmp / path.name)
        write_model_card(tmp, name=folder.name)  # replaces peft's placeholder README
        plot_loss(log_history, tmp / "loss.png")
        for checkpoint in folder.glob("checkpoint-*") if keep_checkpoints else ():
            os.replace(checkpoint, tmp / checkpoint.name)


def training_parameters(settings, lora_name: str, targets, data_name: str, is_text: bool, format_name: str) -> dict:
    """text-generation-webui's PARAMETERS keys, so its "Copy parameters from" fills the training tab.

    Values are ones the current tab lists: `format` is the instruction template prepare writes for
    our `Name:` format (export/webui_template.py; `into-webui` installs it) or "Chat Template" for the
    tokenizer's; `dataset` the dataset's name as `into-webui` installs it. `into-webui --lora` rewrites
    the file for an install with the legacy tab. Our validation rows live inside the dataset, so there
    is no separate eval dataset to name.
    """
    from characterkit.export.webui_template import template_name

    names = set(targets) if isinstance(targets, list) else set()
    if is_text:
        format_name = "None"
    else:
        format_name = template_name(data_name) if format_name == "pygmalion" else "Chat Template"
    return {
        "lora_name": lora_name,
        "always_override": settings.overwrite,
        "all_linear": targets == "all-linear",
        **{f"{name}_en": name in names for name in WEBUI_PROJECTIONS},
        "save_steps": settings.save_steps,
        "micro_batch_size": settings.micro_batch_size,
        "batch_size": settings.micro_batch_size * settings.grad_accum,
        "epochs": settings.epochs,
        "learning_rate": f"{settings.learning_rate:g}",  # a text box in webui
        "lr_scheduler_type": settings.lr_scheduler,
        "lora_rank": settings.rank,
        "lora_alpha": settings.alpha,
        "lora_dropout": settings.dropout,
        "cutoff_len": settings.cutoff,
        "dataset": "None" if is_text else data_name,
        "eval_dataset": "None",
        "format": format_name,
        "eval_steps": settings.eval_steps,
        "text_dataset": data_name if is_text else "None",
        "warmup_steps": settings.warmup_steps,
        "optimizer": settings.optimizer,
        "stride_length": settings.overlap,
        "stop_at_loss": 0,
        "add_eos_token": settings.add_eos,
        "excess_length": "drop",
        "report_to": "None",
        "gradient_checkpointing": settings.gradient_checkpointing,
    }


def training_log(model, settings, targets, state) -> dict:
    """webui's training_log.json keys (base model, loading, projections) plus the Trainer's history."""
    history = state.log_history
    losses = [h["loss"] for h in history if "loss" in h]
    return {
        "base_model_name": Path(settings.model).name,
        "base_model_class": type(model.get_base_model()).__name__,
        "base_loaded_in_4bit": settings.load_in_4bit,
        "base_loaded_in_8bit": settings.load_in_8bit,
        "projections": targets if isinstance(targets, str) else ", ".join(targets),
        "loss": losses[-1] if losses else None,
        "current_steps": state.global_step,
        "epoch": state.epoch,
        "log_history": history,
    }


def run_card(*, settings, model_dir: Path, model_type: str, fmt, character: str, persona: str, greeting: str,
             stop_strings: list[str], data, encode_stats: dict, result: dict) -> dict:
    """characterkit.json: everything `chat` needs to rebuild the prompts, and where the LoRA came from."""
    return {
        "characterkit_version": __version__,
        **base_model.record(settings.model, model_dir),  # by name under models/, so a moved home still works
        "model_type": model_type,
        "prompt_format": fmt.name,
        "character": character,
        "persona": persona,
        "greeting": greeting,
        "user_name": settings.user_name,
        "stop_strings": stop_strings,
        "add_eos": settings.add_eos,
        "dataset": {
            "path": str(data.path.resolve()),
            "name": paths.name_under(paths.datasets_dir(), data.path),  # found again under datasets/ when the home moved
            "format": data.format,
            "fingerprint": data.fingerprint,
            "train": encode_stats["train"],
            "val": encode_stats.get("val"),
            "memory": encode_stats.get("memory"),  # trained with recalled lines: chat recalls by default
        },
        "settings": settings.to_dict(),
        "result": result,
    }


def plot_loss(log_history: list[dict], path: Path) -> None:
    """Training loss (and eval loss, when there is one) by step, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a training box
    import matplotlib.pyplot as plt

    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), "o-", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if train or evals:  # a legend with no lines only warns ("No artists with labels found")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
