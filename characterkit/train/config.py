"""Settings for `finetune` and `eval`: dataclasses that check themselves on creation.

A bad value (rank 0, a LoRA name with a path in it, 8-bit and 4-bit together) fails at start-up
with one sentence, before any model is loaded or any file is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from characterkit.errors import UserError, check_above, check_at_least, check_at_most, check_fraction
from characterkit.paths import safe_name

SCHEDULERS = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
              "inverse_sqrt")
PRECISIONS = ("auto", "fp32", "bf16-autocast", "bf16", "fp16")  # see train/hardware.py
ATTENTIONS = ("auto", "default", "plain", "sdpa", "eager")  # see train/hardware.py


@dataclass
class FinetuneSettings:
    """`characterkit finetune`: a dataset -> a LoRA adapter in loras/NAME/.

    model: a folder under models/ or a path. data: a dataset folder (datasets/NAME), a file any
    characterkit export writes, or a .txt for style training. lora_name: the folder under loras/
    (default: the dataset's name). character: whose replies are trained, when the data does not say.
    prompt_format: `auto` (the tokenizer's chat template when it has one, else `pygmalion`).
    target_modules: `all-linear` (every projection of every block: on SmolLM2 it made the LoRA sound
    like the character where q/v alone did not, bench/bench_fidelity.py), `auto` (peft's default
    for the architecture, often q_proj/v_proj), or comma-separated module names. dropout: LoRA
    dropout, 0 by default: with every projection adapted, a mask per projection cost a third of a
    CPU step and the bench's fidelity was no worse without it. max_steps > 0 overrides epochs.
    warmup_steps < 1 is a fraction of the steps.
    val_split: a share of the training rows held out when the dataset has no validation rows.
    overlap: tokens shared by neighbouring windows of a plain-text dataset.
    group_by_length: batch samples of similar length together (less padding; ignored with packing).
    precision, attention: `auto` picks for the hardware and cutoff (train/hardware.py).
    lora_layers > 0: adapters on the top K decoder layers only (backward stops below them: faster,
    less memory, a weaker LoRA).
    memory: when the dataset has a memory file, train each sample with the character's source lines
    recalled for it, as chat shows them (train/memory.py); chat then recalls by default.
    memory_blocks: each recalled line attends only to the persona and itself (memory/blocks.py), so
    chat can reuse its keys and values; off, or with packing, the block is attended to as plain text.
    """

    model: str
    data: str
    lora_name: str | None = None
    character: str | None = None
    prompt_format: str = "auto"
    user_name: str = "You"
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: str = "all-linear"
    lora_layers: int = 0
    learning_rate: float = 3e-4
    lr_scheduler: str = "linear"
    warmup_steps: float = 0.0
    micro_batch_size: int = 4
    grad_accum: int = 1
    epochs: float = 3.0
    max_steps: int = 0
    cutoff: int = 256
    overlap: int = 64
    add_eos: bool = True
    packing: bool = False
    group_by_length: bool = True
    val_split: float = 0.0
    eval_steps: int = 0
    save_steps: int = 100
    save_total_limit: int = 3
    logging_steps: int = 1
    seed: int = 42
    gradient_checkpointing: bool = False
    precision: str = "auto"
    attention: str = "auto"
    load_in_8bit: bool = False
    load_in_4bit: bool = False
    optimizer: str = "adamw_torch"
    overwrite: bool = False
    resume: bool = False
    keep_checkpoints: bool = False  # after success; a failed run always keeps them for --resume
    memory: bool = True
    memory_blocks: bool = True

    def __post_init__(self):
        if self.lora_name is not None:
            self.lora_name = safe_name(self.lora_name, "LoRA name")
        check_at_least(1, rank=self.rank, alpha=self.alpha, micro_batch_size=self.micro_batch_size,
                       grad_accum=self.grad_accum, cutoff=self.cutoff, logging_steps=self.logging_steps,
                       save_total_limit=self.save_total_limit)
        check_at_least(0, max_steps=self.max_steps, eval_steps=self.eval_steps, save_steps=self.save_steps,
                       overlap=self.overlap, warmup_steps=self.warmup_steps, lora_layers=self.lora_layers)
        check_fraction(dropout=self.dropout, val_split=self.val_split)
        check_above(0, learning_rate=self.learning_rate)
        check_at_most(1_000_000, epochs=self.epochs)
        if not self.epochs > 0 and self.max_steps == 0:
            raise UserError("--epochs must be above 0 (or give --max-steps)")
        if self.overlap >= self.cutoff:
            raise UserError(f"--overlap ({self.overlap}) must be smaller than --cutoff ({self.cutoff})")
        if self.lr_scheduler not in SCHEDULERS:
            raise UserError(f"unknown --lr-scheduler {self.lr_scheduler!r}; choose one of: {', '.join(SCHEDULERS)}")
        _check_optimizer(self.optimizer)
        if self.precision not in PRECISIONS:
            raise UserError(f"unknown --precision {self.precision!r}; choose one of: {', '.join(PRECISIONS)}")
        if self.attention not in ATTENTIONS:
            raise UserError(f"unknown --attention {self.attention!r}; choose one of: {', '.join(ATTENTIONS)}")
        if self.load_in_8bit and self.load_in_4bit:
            raise UserError("choose one of --load-in-8bit and --load-in-4bit")
        if self.overwrite and self.resume:
            raise UserError("--overwrite starts over and --resume continues; choose one")

    def to_dict(self) -> dict:
        return asdict(self)


def _check_optimizer(name: str) -> None:
    """transformers' own error lists its forty-odd optimizers in one line: name the common ones."""
    from transformers.training_args import OptimizerNames

    names = [o.value for o in OptimizerNames]
    if name not in names:
        raise UserError(f"unknown --optimizer {name!r}; for example adamw_torch, adamw_torch_fused, adafactor, sgd "
                        f"(transformers knows {len(names)}: OptimizerNames in transformers.training_args)")


@dataclass
class EvalSettings:
    """`characterkit eval`: held-out loss of the character's lines, base vs base + adapter.

    lora: a folder under loras/ or a path. model, data: default to what the LoRA's run card records.
    neutral: a text file for the general-ability check (default: a short built-in text).
    samples: replies generated per model for held-out contexts (for the speaker classifier; the
    contexts are reused with new seeds when there are fewer) and passages asked about (the yes/no
    test). seed: chooses them and the other speakers' held-out lines.
    max_new_tokens: the longest generated reply.
    """

    lora: str
    model: str | None = None
    data: str | None = None
    neutral: str | None = None
    micro_batch_size: int = 8
    samples: int = 24
    seed: int = 0
    max_new_tokens: int = 48

    def __post_init__(self):
        check_at_least(1, micro_batch_size=self.micro_batch_size, samples=self.samples,
                       max_new_tokens=self.max_new_tokens)
        check_at_least(0, seed=self.seed)

    def to_dict(self) -> dict:
        return asdict(self)
