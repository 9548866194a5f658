"""Naming a base model so that a LoRA still finds it after the home moves.

    record(spec, model_dir)   what the run card stores: the name under models/, the hub id when known,
                              the absolute path only as the last resort
    find(spec)                a folder holding config.json for a path, a name under models/ (any case),
                              a hub id (models/NAME, models/ORG_NAME, or the local Hugging Face cache)
    missing(spec)             the error for a model that is nowhere, saying how to put one in models/

A run card written on another machine (or before the home moved) holds a path that no longer exists;
`find` then tries the path's last part under this home's models/, which is where a copied home keeps it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from characterkit import paths
from characterkit.errors import UserError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def is_hub_id(spec: str) -> bool:
    """`PygmalionAI/pygmalion-6b`: an org/name pair that is not a path on this machine."""
    return bool(_HUB_ID.match(spec)) and not Path(spec).exists()


def record(spec: str, model_dir: Path) -> dict:
    """The run card's base model keys: `base_model` is the folder's name under models/ when it is
    there (else the hub id, else the absolute path); `base_model_hub_id` when known; `base_model_path`
    is kept for a LoRA read on this machine by an older characterkit."""
    resolved = model_dir.resolve()
    hub_id = spec if is_hub_id(spec) else _cached_hub_id(resolved)
    name = paths.name_under(paths.models_dir(), model_dir) or hub_id or str(resolved)
    return {"base_model": name, "base_model_hub_id": hub_id, "base_model_path": str(resolved)}


def find(spec: str) -> Path | None:
    """The model folder `spec` names (see the module docstring), or None."""
    models = paths.models_dir()
    given = Path(spec)
    candidates = [given, models / spec, models / spec.replace("/", "_")]
    if given.is_absolute() or is_hub_id(spec):
        candidates.append(models / given.name)  # a moved home, or a hub download saved as models/NAME
    for candidate in candidates:
        if (candidate / "config.json").is_file():
            return candidate
    for name in (spec, given.name):
        found = paths.in_any_case(models, name)
        if found is not None and (found / "config.json").is_file():
            return found
    return hub_cache_folder(spec) if is_hub_id(spec) else None


def hub_cache_folder(hub_id: str) -> Path | None:
    """The snapshot folder of `hub_id` in the local Hugging Face cache (offline: nothing is fetched)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub_id, "config.json", cache_dir=_hub_cache())
    return Path(found).parent if isinstance(found, str) else None


def _hub_cache() -> str:
    """The cache folder as huggingface_hub computes it, read now (not at its import) so that the
    environment of this run counts."""
    from huggingface_hub import constants

    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    return constants.HF_HUB_CACHE


def _cached_hub_id(model_dir: Path) -> str | None:
    """.../models--org--name/snapshots/HASH -> org/name (a model loaded from the Hugging Face cache)."""
    parts = model_dir.parts
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3].removeprefix("models--").replace("--", "/")
    return None


def missing(spec: str, recorded_in: Path | None = None) -> UserError:
    """A model that is nowhere: what models/ holds, and how to put this one there."""
    folder = paths.models_dir()
    available = sorted(p.name for p in folder.iterdir() if (p / "config.json").is_file()) if folder.is_dir() else []
    where = f" (recorded in {recorded_in})" if recorded_in else ""
    name = Path(spec).name
    hint = (f"download it with `huggingface-cli download {spec} --local-dir {folder / name}`"
            if is_hub_id(spec) else f"copy or link the model folder to {folder / name}")
    return UserError(f"base model {spec!r}{where} not found as a path, in {folder} or in the Hugging Face cache; "
                     f"available: {', '.join(available) or 'none'}; {hint}, or pass --model NAME_OR_PATH")


def from_card(card: dict, card_path: Path | None, also: list[tuple[str | None, Path]] = ()) -> Path:
    """The base model a run card records, tried by name, hub id, then path (then `also`: other
    (spec, where) pairs, such as peft's base_model_name_or_path); the error names the first."""
    recorded = [(card.get(key), card_path) for key in ("base_model", "base_model_hub_id", "base_model_path")]
    recorded = [(spec, where) for spec, where in [*recorded, *also] if isinstance(spec, str) and spec]
    if not recorded:
        raise UserError("the LoRA does not record its base model; pass --model NAME_OR_PATH", path=card_path)
    for spec, _ in recorded:
        if (folder := find(spec)) is not None:
            return folder
    raise missing(*recorded[0])
