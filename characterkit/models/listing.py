"""What `characterkit models list` prints and how `models install NAME` finds its model."""

from __future__ import annotations

from pathlib import Path

from characterkit.errors import UserError, closest
from characterkit.models import INSTALLABLE, installed_folder, is_installed
from characterkit.paths import models_dir


def install_by_name(name: str, force: bool = False, say=print) -> Path:
    """Install the model `name` names (its key or its folder name); say so when it is already there."""
    from characterkit.models.install import install

    by_name = {**{m.folder.lower(): m for m in INSTALLABLE.values()}, **INSTALLABLE}
    model = by_name.get(name.lower())
    if model is None:
        raise UserError(f"unknown model {name!r}; installable: {', '.join(INSTALLABLE)} "
                        f"(did you mean {closest(name, INSTALLABLE)[0]}?)")
    if is_installed(model) and not force:
        say(f"models/{model.folder} is already installed (--force rebuilds it)")
        return installed_folder(model)
    say(f"installing {model.key}: {model.description}")
    say(f"  licence {model.licence}; from {model.origin}")
    return install(model, say=say)


def describe_models() -> list[str]:
    """Lines: the folders in models/ (with size and kind) and then the installable models."""
    folder = models_dir()
    present = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else []
    lines = [f"in {folder}:"]
    lines += [f"  {p.name:<28} {_size_mb(p):>6.0f} MB  {_kind(p)}" for p in present] or ["  (none)"]
    lines.append("installable (characterkit models install NAME):")
    for model in INSTALLABLE.values():
        state = "installed" if is_installed(model) else "not installed"
        lines.append(f"  {model.key:<10} -> models/{model.folder}  [{state}]  {model.licence}; {model.description}")
    return lines


def _size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def _kind(folder: Path) -> str:
    """A short description from config.json: architecture and layers, or why it is not a model."""
    import json

    config = folder / "config.json"
    if not config.is_file():
        return "(no config.json: not a transformers model)"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "(config.json unreadable)"
    arch = ",".join(data.get("architectures") or [data.get("model_type", "?")])
    return f"{arch}, {data.get('num_hidden_layers', '?')} layers"
