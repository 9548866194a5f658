"""The base model and its LoRA: find the folder, check it is a causal LM, load it, add the adapter.

Every check that can fail on the user's input runs before the weights are loaded, so a wrong folder
or a missing GPU costs a second, not a model load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from characterkit import base_model, paths
from characterkit.errors import UserError

# Module names that text-generation-webui's training tab has a checkbox for (training_parameters.json).
WEBUI_PROJECTIONS = ("q_proj", "v_proj", "k_proj", "o_proj", "gate_proj", "down_proj", "up_proj")


def resolve_model_dir(model: str) -> Path:
    """`models/NAME`, a path or a hub id already downloaded (see `base_model.find`); a clear error
    lists what models/ holds and how to put the model there when it is nowhere."""
    found = base_model.find(model)
    if found is not None:
        return found
    path = Path(model) if Path(model).exists() else paths.models_dir() / model
    if path.is_dir():
        raise UserError("not a model folder (no config.json); expected a Hugging Face model folder", path=path)
    raise base_model.missing(model)


def causal_lm_type(model_dir: Path) -> str:
    """The model_type from config.json, checked to be a causal language model transformers knows."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    from characterkit.model_files import check_causal_architecture, check_weights

    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        model_type = config.get("model_type")
    except (OSError, ValueError, AttributeError) as e:
        raise UserError(f"cannot read config.json ({e})", path=model_dir) from None
    check_causal_architecture(config, model_dir)
    if model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        raise UserError(f"not a causal language model (model_type {model_type!r}); LoRA training here needs one "
                        "that generates text, such as llama, gptj, gpt_neox or mistral", path=model_dir)
    check_weights(model_dir)  # after the type: a BERT config alone is "not a causal LM", not "no weights"
    return model_type


def load_tokenizer(model_dir: Path):
    """The model's tokenizer, right-padding, with EOS as the pad token when it has none.

    pad == eos is safe here: labels are built before collation and padded with -100, so the EOS
    that ends each reply is still trained.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.pad_token is None:
        raise UserError("the tokenizer has neither a pad nor an EOS token", path=model_dir)
    return tokenizer


def check_hardware(precision: str, load_in_8bit: bool, load_in_4bit: bool) -> None:
    """8/4-bit loading (bitsandbytes) and fp16 need a CUDA GPU; say so before loading anything."""
    import torch

    wanted = "--load-in-8bit" if load_in_8bit else "--load-in-4bit" if load_in_4bit else None
    if precision == "fp16":
        wanted = wanted or "--precision fp16"
    if wanted and not torch.cuda.is_available():
        raise UserError(f"{wanted} needs a CUDA GPU and this machine has none; leave it out to train on the CPU")
    if load_in_8bit or load_in_4bit:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise UserError(f"{wanted} needs bitsandbytes: pip install bitsandbytes") from None


def resolve_precision(precision: str):
    """The Precision to train in (`hardware.choose_precision`: auto picks for this machine)."""
    from characterkit.train.hardware import choose_precision

    return choose_precision(precision)


def load_model(model_dir: Path, precision: str, load_in_8bit: bool = False, load_in_4bit: bool = False,
               gradient_checkpointing: bool = False, attention: str | None = None):
    """The base model, quantized through bitsandbytes when asked, ready for a LoRA; `attention`:
    `plain` (train/attention.py), a transformers attention implementation, or None / `default`."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)  # Precision.weights
    kwargs = {"dtype": dtype}
    if attention == "plain":
        from characterkit.train.attention import register as register_plain_attention

        kwargs["attn_implementation"] = register_plain_attention()
    elif attention and attention != "default":
        kwargs["attn_implementation"] = attention
    if load_in_8bit or load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_8bit=load_in_8bit, load_in_4bit=load_in_4bit, bnb_4bit_compute_dtype=dtype)
        kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", 0))}  # one copy per process under DDP
    try:
        model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    except OSError as e:  # no weights file, a truncated download, ...
        raise UserError(f"cannot load the model ({str(e).splitlines()[0]})", path=model_dir) from None
    # A KV cache is useless in training, and its presence stops transformers from detecting packed
    # sequences (position_ids restarting at 0), so packed samples would attend to each other.
    model.config.use_cache = False
    if load_in_8bit or load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    return model


def attention_support(model_type: str) -> set[str]:
    """The attention implementations transformers' causal LM class for `model_type` takes:
    "plain" (any registered function) where it dispatches through AttentionInterface, "sdpa", "eager"."""
    import transformers
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    cls = getattr(transformers, MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[model_type])
    return {"eager"} | {name for name, flag in (("plain", "_supports_attention_backend"), ("sdpa", "_supports_sdpa"))
                        if getattr(cls, flag, False)}


def lora_targets(model_type: str, target_modules: str) -> list[str] | str:
    """`auto` -> peft's default modules for the architecture (llama/gptj q_proj,v_proj; gpt_neox
    query_key_value; gpt2 c_attn; ...); `all-linear` as is; otherwise the comma-separated names."""
    if target_modules == "all-linear":
        return "all-linear"
    if target_modules != "auto":
        names = [name.strip() for name in target_modules.split(",") if name.strip()]
        if not names:
            raise UserError("--target-modules is empty; use auto, all-linear or module names")
        return names
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

    if model_type not in DEFAULTS:
        raise UserError(f"no default LoRA modules known for model type {model_type!r}; "
                        "pass --target-modules all-linear or the module names")
    return list(DEFAULTS[model_type])


def add_lora(model, targets: list[str] | str, rank: int, alpha: int, dropout: float, lora_layers: int = 0):
    """Wrap `model` in a peft LoRA; only the lora_ weights are trainable.

    lora_layers > 0: adapters on the top `lora_layers` decoder layers only. Nothing below the lowest
    adapted layer needs a gradient, so autograd records nothing there and backward stops at it.
    """
    from peft import LoraConfig, get_peft_model

    layers = top_layers(model, lora_layers) if lora_layers else None
    if layers is not None and targets == "all-linear":  # peft takes layers_to_transform with module names only
        targets = linear_module_names(model)
    config = LoraConfig(task_type="CAUSAL_LM", r=rank, lora_alpha=alpha, lora_dropout=dropout, bias="none",
                        target_modules=targets, layers_to_transform=layers)
    quiet_peft_warnings()
    try:
        return get_peft_model(model, config)
    except ValueError as e:  # peft's "Target modules {...} not found in the base model"
        raise UserError(f"--target-modules: {e}") from None


def linear_module_names(model) -> list[str]:
    """The names (last part) of the model's linear layers but its output head: what peft's
    `all-linear` means, spelled out."""
    import torch
    from transformers.pytorch_utils import Conv1D

    head = model.get_output_embeddings()
    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, (torch.nn.Linear, Conv1D)) and module is not head})


def top_layers(model, count: int) -> list[int]:
    """Indices of the top `count` decoder layers; UserError when the model has fewer."""
    total = getattr(model.config, "num_hidden_layers", None)
    if total is None:
        raise UserError(f"--lora-layers: model type {model.config.model_type!r} does not say how many layers it has")
    if count > total:
        raise UserError(f"--lora-layers {count}: the model has only {total} layers")
    return list(range(total - count, total))


def quiet_peft_warnings() -> None:
    """peft calls a transformers property deprecated in 5.x on every adapter load; harmless, and noisy."""
    import warnings

    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
