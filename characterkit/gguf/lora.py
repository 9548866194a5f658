"""A peft LoRA as a llama.cpp LoRA adapter GGUF (what llama.cpp's --lora, LM Studio and Ollama's ADAPTER load).

llama.cpp's adapter convention (src/llama-adapter.cpp, convert_lora_to_gguf.py):

    general.architecture   the base model's llama.cpp architecture (checked against the base GGUF)
    general.type           "adapter";  adapter.type "lora";  adapter.lora.alpha (float32)
    blk.N.attn_q.weight.lora_a   ggml shape [n_in, rank]   = peft's lora_A (rank, n_in) as numpy
    blk.N.attn_q.weight.lora_b   ggml shape [rank, n_out]  = peft's lora_B (n_out, rank) as numpy

llama.cpp adds scale * alpha / rank * (lora_b @ lora_a) @ x, with rank read from lora_b, which is
peft's alpha / r. Where peft's scale differs from that (rsLoRA's alpha / sqrt(r), per-module
alpha_pattern) the difference is folded into lora_b, so one file-wide alpha stays exact.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError
from characterkit.gguf.arch import Arch

PEFT_PREFIX = "base_model.model."


@dataclass
class LoraPair:
    """One adapted weight: its llama.cpp name and the two factors, in llama.cpp's layout (numpy float32)."""

    name: str
    a: object  # (rank, n_in)
    b: object  # (n_out, rank), rows in llama.cpp's order, peft's scale folded in


def read_adapter_config(lora_dir: Path) -> dict:
    path = lora_dir / "adapter_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("not a LoRA folder (no adapter_config.json)", path=lora_dir) from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"cannot read: {str(e).splitlines()[0]}", path=path) from None
    if not isinstance(config, dict):
        raise UserError("expected a JSON object", path=path)
    return config


def check_convertible(config: dict, where: Path) -> None:
    """Refuse peft options llama.cpp's adapter format has no place for, before anything is read."""
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise UserError(f"a {config.get('peft_type')} adapter; only LoRA adapters convert to GGUF", path=where)
    if config.get("use_dora"):
        raise UserError("a DoRA adapter; llama.cpp loads plain LoRA only (use --merge for a merged model)",
                        path=where)
    if config.get("lora_bias"):
        raise UserError("the LoRA trains biases (lora_bias); llama.cpp adapters hold no biases (use --merge)",
                        path=where)
    if config.get("modules_to_save"):
        raise UserError(f"the LoRA saves whole modules ({', '.join(config['modules_to_save'])}); a llama.cpp "
                        "adapter holds only LoRA factors (use --merge)", path=where)


def load_tensors(lora_dir: Path) -> dict:
    """The adapter's tensors as float32 numpy arrays (safetensors, as peft saves by default)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = lora_dir / "adapter_model.safetensors"
    if not path.is_file():
        raise UserError("no adapter_model.safetensors (an old .bin adapter? save it again with peft)", path=lora_dir)
    try:
        # bf16 has no numpy dtype, so read through torch and widen to float32.
        return {k: v.float().numpy() for k, v in load_file(path, device="cpu").items()}
    except (SafetensorError, OSError) as e:
        raise UserError(f"cannot read the adapter weights: {e}", path=path) from None


def module_scale(config: dict, module: str, rank: int) -> float:
    """peft's scale for one module: lora_alpha (or its alpha_pattern entry) / r, or / sqrt(r) with rsLoRA."""
    from peft.utils.other import get_pattern_key

    patterns = config.get("alpha_pattern") or {}
    alpha = patterns.get(get_pattern_key(patterns.keys(), module), config["lora_alpha"])
    return alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank


def lora_pairs(tensors: dict, config: dict, arch: Arch, base_config: dict, where: Path) -> list[LoraPair]:
    """Pair peft's lora_A/lora_B tensors per module and convert them to llama.cpp's names and layout."""
    import numpy as np

    modules: dict[str, dict] = {}
    for key, value in tensors.items():
        module, sep, factor = key.removeprefix(PEFT_PREFIX).rpartition(".lora_")
        if not sep or factor not in ("A.weight", "B.weight"):
            raise UserError(f"unexpected tensor {key!r} in the adapter (only lora_A/lora_B weights convert; "
                            "embedding LoRAs and saved modules do not)", path=where)
        modules.setdefault(module, {})[factor[0]] = value
    names = arch.tensor_map(base_config_blocks(base_config))
    alpha = float(config["lora_alpha"])
    pairs = []
    for module, ab in sorted(modules.items()):
        if set(ab) != {"A", "B"}:
            raise UserError(f"{module}: the adapter has lora_{next(iter(ab))} but not its partner", path=where)
        gguf_name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if gguf_name is None:
            raise UserError(f"no llama.cpp tensor for module {module!r} ({arch.gguf_name}); retrain with "
                            "attention/MLP projections only", path=where)
        a, b = ab["A"], ab["B"]
        rank = a.shape[0]
        if (order := arch.row_order(module, base_config)) is not None:
            b = b[order]
        # llama.cpp applies alpha / rank; fold in whatever peft does differently for this module.
        correction = module_scale(config, module, rank) / (alpha / rank)
        if not math.isclose(correction, 1.0, rel_tol=1e-6):
            b = b * np.float32(correction)
        pairs.append(LoraPair(gguf_name, np.ascontiguousarray(a, np.float32), np.ascontiguousarray(b, np.float32)))
    if not pairs:
        raise UserError("the adapter holds no LoRA weights", path=where)
    return pairs


def base_config_blocks(base_config: dict) -> int:
    return base_config.get("num_hidden_layers") or base_config.get("n_layer") or 0


def write_lora_gguf(path: Path, pairs: list[LoraPair], arch: Arch, alpha: float, name: str) -> None:
    """Write the adapter GGUF (f32 factors: the adapter is small, and f32 keeps it exact)."""
    from characterkit.gguf.files import gguf_writer

    with gguf_writer(path, arch.gguf_name) as writer:
        writer.add_type("adapter")
        writer.add_string("adapter.type", "lora")
        writer.add_float32("adapter.lora.alpha", alpha)
        writer.add_name(name)
        for pair in pairs:
            writer.add_tensor(pair.name + ".lora_a", pair.a)
            writer.add_tensor(pair.name + ".lora_b", pair.b)


def export_lora(lora_dir: Path, base_config: dict, arch: Arch, path: Path) -> int:
    """Convert loras/NAME to the adapter GGUF at `path`; return how many weights it adapts."""
    config = read_adapter_config(lora_dir)
    check_convertible(config, lora_dir / "adapter_config.json")
    pairs = lora_pairs(load_tensors(lora_dir), config, arch, base_config, lora_dir / "adapter_model.safetensors")
    write_lora_gguf(path, pairs, arch, float(config["lora_alpha"]), lora_dir.name)
    return len(pairs)
