"""`finetune`: a dataset -> a LoRA adapter in loras/NAME/, trained with the Hugging Face Trainer.

    plan_run      every check on the user's input, the data read and tokenised; nothing written,
                  no weights loaded (a bad flag costs a second)
    train         base model + LoRA, Trainer (checkpoints in loras/NAME/checkpoint-*), eval
    save          adapter + run card + webui files + loss plot, swapped in atomically (rank 0 only)

Runs unchanged under `torchrun` / `accelerate launch`: the Trainer (through accelerate) owns the
distributed setup, each process reads the same data and trains on its shard of every batch.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from characterkit import atomic, paths
from characterkit.errors import UserError
from characterkit.memory.blocks import BLOCKS, FULL
from characterkit.prompts import Conversation, choose_format
from characterkit.records import Turn
from characterkit.train import artifacts
from characterkit.train.config import FinetuneSettings
from characterkit.train.data import DATASET_FILES, TrainingData, read_training_data
from characterkit.train.encode import ConversationEncoder, text_windows
from characterkit.train.hardware import choose_attention
from characterkit.train.memory import add_recalled_lines, memory_file
from characterkit.train.model import (add_lora, attention_support, causal_lm_type, check_hardware, load_model,
                                      load_tokenizer, lora_targets, resolve_model_dir, resolve_precision)


@dataclass
class RunPlan:
    """Everything decided before the model is loaded."""

    settings: FinetuneSettings
    lora_name: str
    folder: Path
    model_dir: Path
    model_type: str
    targets: list[str] | str
    precision: object  # hardware.Precision
    attention: object  # hardware.Choice
    tokenizer: object
    fmt: object
    data: TrainingData
    train_set: list[dict]
    val_set: list[dict]
    encode_stats: dict
    resume_from: Path | None


def finetune(settings: FinetuneSettings) -> dict:
    """Train a LoRA as `settings` say and return its run card (also saved as loras/NAME/characterkit.json).

    Raises UserError, before writing anything, for a missing model or dataset, a model that is not a
    causal LM, an empty dataset, a cutoff too small for every sample, 8/4-bit without CUDA, or an
    existing LoRA without --overwrite / --resume.
    """
    plan = plan_run(settings)
    if _is_main_process():
        for setting, choice in (("precision", plan.precision), ("attention", plan.attention)):
            print(f"{setting}: {choice.name} ({choice.reason})", file=sys.stderr, flush=True)
    with atomic.writing(plan.folder, keep=artifacts.checkpoints):  # a failed run leaves no empty loras/NAME; a full disk is one line
        return _train_and_save(plan)


def _train_and_save(plan: RunPlan) -> dict:
    settings = plan.settings
    trainer = build_trainer(plan)
    if settings.overwrite and _is_main_process():
        artifacts.remove_checkpoints(plan.folder)
    output = trainer.train(resume_from_checkpoint=str(plan.resume_from) if plan.resume_from else None)
    metrics = trainer.evaluate() if plan.val_set else {}
    result = {"global_step": trainer.state.global_step, "epoch": trainer.state.epoch,
              "train_loss": output.training_loss, "eval_loss": metrics.get("eval_loss"),
              "eval_perplexity": _perplexity(metrics.get("eval_loss")), "precision": plan.precision.to_dict(),
              "attention": plan.attention.to_dict(),
              "threads": _threads(), "world_size": trainer.args.world_size, "seconds": output.metrics.get("train_runtime")}
    card = _run_card(plan, result)
    if trainer.is_world_process_zero():
        _save(plan, trainer, card)
    card["folder"] = str(plan.folder)
    card["is_main_process"] = trainer.is_world_process_zero()  # not saved: only rank 0 wrote the folder
    return card


def _save(plan: RunPlan, trainer, card: dict) -> None:
    """The adapter and its files, swapped into loras/NAME in one rename."""
    settings = plan.settings
    model = trainer.accelerator.unwrap_model(trainer.model)
    files = {
        "training_parameters.json": artifacts.training_parameters(
            settings, plan.lora_name, plan.targets, _data_name(plan.data), plan.data.is_text, plan.fmt.name),
        "training_log.json": artifacts.training_log(model, settings, plan.targets, trainer.state),
        artifacts.RUN_CARD: card,
    }
    memory = memory_file(plan.data)
    artifacts.save_lora_folder(plan.folder, model, files, trainer.state.log_history,
                               copies=(memory,) if memory.is_file() else (),
                               keep_checkpoints=settings.keep_checkpoints)


def plan_run(settings: FinetuneSettings) -> RunPlan:
    """Check everything the user gave and tokenise the data; raises UserError, writes nothing."""
    model_dir = resolve_model_dir(settings.model)
    model_type = causal_lm_type(model_dir)
    check_hardware(settings.precision, settings.load_in_8bit, settings.load_in_4bit)
    attention = choose_attention(settings.attention, settings.cutoff, attention_support(model_type))
    targets = lora_targets(model_type, settings.target_modules)
    data = read_training_data(settings.data, character=settings.character, val_split=settings.val_split,
                              seed=settings.seed)
    lora_name = settings.lora_name or paths.safe_name(_data_name(data), "LoRA name")
    folder = paths.loras_dir() / lora_name
    resume_from = artifacts.check_lora_folder(folder, settings.overwrite, settings.resume)
    if resume_from:
        artifacts.check_resume_matches(resume_from, settings.rank, settings.alpha)
    tokenizer = load_tokenizer(model_dir)
    fmt = choose_format(settings.prompt_format, tokenizer)
    memory = add_recalled_lines(data, lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])) \
        if settings.memory else {}
    blocks = bool(memory) and settings.memory_blocks and not settings.packing and "plain" in attention_support(model_type)
    train_set, val_set, encode_stats = encode_data(data, fmt, tokenizer, settings, memory_blocks=blocks)
    if memory:
        encode_stats["memory"] = {**memory, "attention": BLOCKS if blocks else FULL}
    return RunPlan(settings, lora_name, folder, model_dir, model_type, targets, resolve_precision(settings.precision),
                   attention, tokenizer, fmt, data, train_set, val_set, encode_stats, resume_from)


def encode_data(data: TrainingData, fmt, tokenizer, settings: FinetuneSettings, memory_blocks: bool = False):
    """(train rows, val rows, stats) as dicts of input_ids/labels (and `windows` with memory_blocks);
    UserError when nothing fits."""
    if data.is_text:
        windows = [[e.as_dict() for e in text_windows(text, tokenizer, settings.cutoff, settings.overlap,
                                                      settings.add_eos)] for text in (data.text, data.val_text)]
        stats = {split: {"kept": len(rows), "trained_tokens": sum(len(r["input_ids"]) - 1 for r in rows)}
                 for split, rows in zip(("train", "val"), windows)}
        return windows[0], windows[1], stats
    sets, stats = [], {}
    for split, conversations in (("train", data.train), ("val", data.val)):
        encoder = ConversationEncoder(fmt, tokenizer, settings.cutoff, settings.add_eos, memory_blocks)
        sets.append([e.as_dict() for conv in conversations if (e := encoder.encode(conv)) is not None])
        stats[split] = encoder.stats.to_dict()
        if split == "train" and not sets[0]:
            shortest = encoder.stats.shortest_dropped
            raise UserError(f"--cutoff {settings.cutoff} is smaller than the shortest sample ({shortest} tokens "
                            f"with the prompt format {fmt.name}); no sample fits", path=data.path)
    return sets[0], sets[1], stats


def build_trainer(plan: RunPlan):
    """Base model + LoRA + a Trainer writing checkpoints into the LoRA folder."""
    import torch
    from transformers import Trainer, set_seed
    from transformers.trainer_callback import ProgressCallback

    from characterkit.train.collate import make_collator
    from characterkit.train.loss import logits_mask_supported, trained_token_loss

    args = _training_arguments(plan)
    s = plan.settings
    set_seed(s.seed)  # the LoRA's initial weights come from the global RNG: same seed, same run
    model = load_model(plan.model_dir, plan.precision.weights, s.load_in_8bit, s.load_in_4bit, s.gradient_checkpointing,
                       attention=plan.attention.name)
    model = add_lora(model, plan.targets, s.rank, s.alpha, s.dropout, s.lora_layers)
    if not torch.cuda.is_available():  # torch's CPU dropout mask is slow to draw (train/dropout.py)
        from characterkit.train.dropout import use_fast_lora_dropout
        from characterkit.train.hardware import keep_freed_memory

        use_fast_lora_dropout(model)
        keep_freed_memory()  # each step's activations reuse the last one's pages (hardware.KEEP_FREED)
    if plan.precision.name == "bf16-autocast":
        from characterkit.train.hardware import cache_frozen_bf16

        cache_frozen_bf16(model)
    trainer = Trainer(model=model, args=args, train_dataset=plan.train_set, eval_dataset=plan.val_set or None,
                      data_collator=make_collator(s.packing, plan.tokenizer.pad_token_id,
                                                  keep_logits=logits_mask_supported(model),
                                                  additive_mask=model.config._attn_implementation == "eager"),
                      compute_loss_func=trained_token_loss)
    trainer.remove_callback(ProgressCallback)
    if s.gradient_checkpointing and not (s.load_in_8bit or s.load_in_4bit):
        trainer.add_callback(_no_input_grads_callback())
    trainer.add_callback(_loss_progress_callback())
    return trainer


def _training_arguments(plan: RunPlan):
    import torch
    from transformers import TrainingArguments

    s = plan.settings
    evaluate_every = s.eval_steps if plan.val_set else 0
    try:
        return TrainingArguments(
            output_dir=str(plan.folder), per_device_train_batch_size=s.micro_batch_size,
            per_device_eval_batch_size=s.micro_batch_size, gradient_accumulation_steps=s.grad_accum,
            num_train_epochs=s.epochs, max_steps=s.max_steps or -1, learning_rate=s.learning_rate,
            lr_scheduler_type=s.lr_scheduler, warmup_steps=s.warmup_steps, optim=s.optimizer,
            logging_steps=s.logging_steps, save_strategy="steps" if s.save_steps else "no",
            save_steps=s.save_steps or 500, save_total_limit=s.save_total_limit,
            eval_strategy="steps" if evaluate_every else "no", eval_steps=evaluate_every or None,
            # Batches of similar lengths waste little on padding; packing has no padding to save.
            train_sampling_strategy="group_by_length" if s.group_by_length and not s.packing else "random",
            seed=s.seed, data_seed=s.seed, bf16=plan.precision.mixed == "bf16", fp16=plan.precision.mixed == "fp16",
            use_cpu=not torch.cuda.is_available(), report_to="none", remove_unused_columns=False,
            activation_checkpointing=s.gradient_checkpointing,  # transformers 5's name for it
            activation_checkpointing_kwargs={"use_reentrant": False} if s.gradient_checkpointing else None,
            ddp_find_unused_parameters=False)
    except ValueError as e:  # e.g. an optimizer name transformers does not know
        raise UserError(f"invalid training settings: {e}") from None


def _loss_progress_callback():
    """Trainer's progress bar with the latest loss shown in it, instead of a printed dict per log.

    The class is defined in here so that importing this module does not import transformers.
    """
    from transformers.trainer_callback import ProgressCallback

    class LossProgressCallback(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not (state.is_world_process_zero and self.training_bar is not None and logs):
                return
            if "loss" in logs:
                self.training_bar.set_postfix(loss=f"{logs['loss']:.4f}")
            if "eval_loss" in logs:
                self.training_bar.write(f"step {state.global_step}: eval loss {logs['eval_loss']:.4f}")

    return LossProgressCallback()


def _no_input_grads_callback():
    """Undo the Trainer's `enable_input_require_grads` once checkpointing is on.

    transformers makes the embeddings' output require grad for peft + checkpointing, which the
    reentrant checkpoint needs; ours is non-reentrant (it reaches the LoRA weights inside a
    checkpointed layer without it), and with the flag backward runs through every frozen layer
    down to the embeddings, so --lora-layers would save nothing.
    """
    from transformers import TrainerCallback

    class NoInputGrads(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            base = model.get_base_model() if hasattr(model, "get_base_model") else model
            for wrapper in {id(model): model, id(base): base}.values():
                if getattr(wrapper, "_require_grads_hooks", None):
                    wrapper.disable_input_require_grads()

    return NoInputGrads()


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _run_card(plan: RunPlan, result: dict) -> dict:
    character = plan.data.character() or plan.settings.character or ""
    others = plan.data.other_speakers(character)
    probe = Conversation(character=character, turns=[Turn(name, "") for name in others],
                         user_name=plan.settings.user_name)
    return artifacts.run_card(
        settings=plan.settings, model_dir=plan.model_dir, model_type=plan.model_type, fmt=plan.fmt,
        character=character, persona=plan.data.persona(character), greeting=plan.data.greeting(character),
        stop_strings=_stop_strings(plan, probe), data=plan.data, encode_stats=plan.encode_stats, result=result)


def _stop_strings(plan: RunPlan, probe: Conversation) -> list[str]:
    """The format's stops, and a newline when every reply it trained on is one line (dialogue always
    is): the LoRA learned to end its turn there, and chat stops at the newline whatever the template
    (a chat template alone lets a reply run on over paragraphs)."""
    stops = plan.fmt.stop_strings(probe)
    one_line = not plan.data.is_text and all("\n" not in (conv.reply or "") for conv in plan.data.train)
    return stops if "\n" in stops or not one_line else [*stops, "\n"]


def _data_name(data: TrainingData) -> str:
    """datasets/Mara/samples.jsonl -> "Mara"; some/file.json -> "file"."""
    return data.path.parent.name if data.path.name in DATASET_FILES else data.path.stem


def _perplexity(loss: float | None) -> float | None:
    return math.exp(loss) if loss is not None and loss < 50 else None


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def summary(card: dict) -> str:
    """A few lines for the terminal: where the LoRA is, what it learned from, the final losses."""
    if not card.get("is_main_process", True):
        return f"done (rank {os.environ.get('RANK', '?')}; rank 0 writes {card['folder']})"
    result, train = card["result"], card["dataset"]["train"]
    dropped = ", ".join(f"{reason} {n}" for reason, n in train.get("dropped", {}).items()) or "none"
    lines = [f"LoRA written to {card['folder']}",
             f"  character {card['character'] or '-'}, prompt format {card['prompt_format']}, "
             f"{train['kept']} training samples (dropped: {dropped})",
             f"  {result['global_step']} steps, train loss {result['train_loss']:.4f}"]
    if result.get("eval_loss") is not None:
        lines[-1] += f", eval loss {result['eval_loss']:.4f}"
    if result.get("eval_perplexity") is not None:
        lines[-1] += f" (perplexity {result['eval_perplexity']:.2f})"
    return "\n".join(lines)


def legacy_settings(dataset_name: str = "processed_dataset.json", model_name: str = "pygmalion-6b",
                    lora_name: str = "lora_test", batch_size: int = 4, epochs: int = 10, cutoff_len: int = 256,
                    lora_rank: int = 16, **extra) -> FinetuneSettings:
    """The legacy lora_finetune.py flags (and its fixed choices, peft's default modules among them) as FinetuneSettings.

    extra: any other FinetuneSettings field (load_in_8bit, overwrite, resume, ...).
    """
    return FinetuneSettings(model=model_name, data=dataset_name, lora_name=lora_name, micro_batch_size=batch_size,
                            epochs=epochs, cutoff=cutoff_len, rank=lora_rank, alpha=16, dropout=0.05,
                            grad_accum=2, warmup_steps=60, learning_rate=3e-4, logging_steps=20, save_steps=200,
                            prompt_format="pygmalion", target_modules="auto", memory=False, **extra)
