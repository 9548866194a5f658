"""Checks on a model folder before any weights are loaded: the weights are there and whole, and the
model is a causal LM (one that generates text), so a broken folder or a BERT is one line, not a
traceback or a LoRA trained on a random head.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from characterkit.errors import UserError

WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*.gguf", "*.pt", "*.pth", "tf_model.h5", "flax_model.msgpack")


def check_weights(model_dir: Path) -> None:
    """Raise UserError when `model_dir` holds no weight file, or a safetensors file is cut short
    (an interrupted download or copy): its header says how long the file must be."""
    model_dir = Path(model_dir)
    files = sorted({p for pattern in WEIGHT_PATTERNS for p in model_dir.glob(pattern)})
    if not files:
        raise UserError("holds no model weights (no model.safetensors or pytorch_model.bin); the download or "
                        "copy is incomplete", path=model_dir)
    for path in files:
        if path.suffix == ".safetensors":
            _check_safetensors(path)


def _check_safetensors(path: Path) -> None:
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            if header_len > size:
                raise ValueError("header longer than the file")
            header = json.loads(f.read(header_len))
        end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    except (struct.error, ValueError, KeyError, TypeError, IndexError):
        raise UserError("is not a valid safetensors file (cut short or damaged); download or copy it again",
                        path=path) from None
    if 8 + header_len + end > size:
        raise UserError(f"is cut short ({size:,} of {8 + header_len + end:,} bytes); download or copy it again",
                        path=path)


def check_causal_architecture(config: dict, model_dir: Path) -> None:
    """Raise UserError unless config.json describes a causal LM: its `architectures` (when given)
    include a class transformers maps as a causal LM, and an encoder family (BERT, RoBERTa...) is
    only accepted as a decoder (is_decoder: true)."""
    from transformers.models.auto.modeling_auto import (MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
                                                        MODEL_FOR_MASKED_LM_MAPPING_NAMES)

    if not isinstance(config, dict):
        raise UserError("config.json is not a JSON object", path=model_dir)
    causal = set()
    for names in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
        causal.update([names] if isinstance(names, str) else names)
    architectures = config.get("architectures") or []
    model_type = config.get("model_type")
    hint = "LoRA training and generation here need a causal LM, such as llama, gptj, gpt_neox or mistral"
    if architectures and not any(a in causal or a.endswith("ForCausalLM") for a in architectures):
        raise UserError(f"not a causal language model (architectures {', '.join(map(str, architectures))}); {hint}",
                        path=model_dir)
    if model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES and not config.get("is_decoder"):
        raise UserError(f"not a causal language model ({model_type!r} is an encoder; is_decoder is not set); {hint}",
                        path=model_dir)


def check_model_folder(folder) -> None:
    """Both checks, for a folder with a config.json (a GGUF file or folder is left to its loader)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read config.json ({e})", path=folder) from None
    check_causal_architecture(config, folder)
    check_weights(folder)
