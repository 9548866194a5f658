"""adapter_config.json that every peft from 0.8 on loads.

peft builds the config with `LoraConfig(**json)`, so a key it does not know fails the load
("unexpected keyword argument 'alora_invocation_tokens'"): text-generation-webui installs from before
2025-04 pin peft 0.8-0.12. Newer peft writes every field it has, most at their defaults. We keep:

- every key peft 0.8.2's LoraConfig has (`PEFT_0_8_FIELDS`), whatever its value;
- a newer key only when its value differs from the installed peft's default, because then it
  changes the adapter (DoRA, a LoRA bias, …) and an older peft must not load it as something else;
- never `peft_version` (which peft wrote the file: bookkeeping that 0.8 rejects).

Leaving out a key at its default loads the same adapter: peft fills in the default.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

# peft 0.8.2 (2024-01) LoraConfig fields, read from its peft/tuners/lora/config.py and peft/config.py.
PEFT_0_8_FIELDS = frozenset({
    "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode",
    "init_lora_weights", "layers_pattern", "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout",
    "megatron_config", "megatron_core", "modules_to_save", "peft_type", "r", "rank_pattern", "revision",
    "target_modules", "task_type", "use_rslora",
})


# Written by newer peft about itself; no peft reads it to build the adapter.
BOOKKEEPING = frozenset({"peft_version"})


def lora_defaults() -> dict:
    """Each field of the installed peft's LoraConfig with its default value."""
    from peft import LoraConfig

    defaults = {}
    for f in dataclasses.fields(LoraConfig):
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
    return defaults


def portable(config: dict, defaults: dict) -> dict:
    """`config` without the keys older peft does not know that sit at their defaults (or are not fields)."""
    def is_default(key):
        if key not in defaults:
            return True  # not a config field (bookkeeping such as peft_version): loading never needs it
        default = defaults[key]
        return _plain(config[key]) == _plain(default)

    return {key: value for key, value in config.items()
            if key not in BOOKKEEPING and (key in PEFT_0_8_FIELDS or not is_default(key))}


def _plain(value):
    """JSON's view of a value: tuples are lists, sets sorted lists, enums their value."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return getattr(value, "value", value)


def make_portable(path: Path) -> None:
    """Rewrite a saved adapter_config.json in place (the caller's folder is not yet visible to anyone)."""
    path = Path(path)
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("peft_type", "LORA") != "LORA":
        return  # only LoRA adapters are written by characterkit
    path.write_text(json.dumps(portable(config, lora_defaults()), indent=2, sort_keys=True) + "\n", encoding="utf-8")
