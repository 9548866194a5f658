"""`into-webui`: install a dataset and/or a trained LoRA into a text-generation-webui folder.

What goes where depends on the training tab the install has (`WebuiInstall.legacy`):

    current webui (Chat Dataset tab, 2026-03 on)         legacy webui (Formatted Dataset tab, formats/)
    webui-chat.json      -> training/datasets/NAME.json   webui-legacy.json -> training/datasets/NAME-legacy.json
    webui-chat.val.json  -> training/datasets/NAME-val.json  webui-legacy.val.json -> …/NAME-legacy-val.json
    instruction-templates/NAME-characterkit.yaml          formats/NAME-format.json -> training/formats/
        -> instruction-templates/ (the Training tab's "Instruction Template")
    characters/*.yaml, *.png -> characters/ (the character and its avatar, in both)
    loras/LORA/ (adapter, training_parameters.json for that tab, logs; no checkpoints) -> loras/LORA/

Targets are under `user_data/` when the install has one (webui since 2025-04), else at its root.
The `.card.json` SillyTavern cards are not copied (webui would list them as characters).

All files or none (atomic.copy_files): every file is first copied to a temporary name beside its
target, then the temporaries are renamed into place; a failure part-way puts back what was replaced
and removes what was added. A target with the same bytes is left alone; one that differs stops the install
before anything is written, unless `overwrite=True`.
"""

from __future__ import annotations

import filecmp
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.errors import UserError
from characterkit.export.webui_template import TEMPLATE_FOLDER
from characterkit.paths import safe_name

WEBUI_MARKERS = ("server.py", "one_click.py", "user_data")


@dataclass
class WebuiInstall:
    """Where a webui keeps its files and which training tab it has."""

    root: Path  # the folder holding training/, characters/, loras/ (user_data/ or the install's root)
    legacy: bool  # the pre-2026-03 Formatted Dataset tab (training/formats/) instead of the Chat Dataset tab

    @classmethod
    def find(cls, webui: Path) -> "WebuiInstall":
        webui = Path(webui)
        if not webui.is_dir():
            raise UserError("text-generation-webui folder not found", path=webui)
        if not any((webui / marker).exists() for marker in WEBUI_MARKERS):
            raise UserError(f"not a text-generation-webui folder (none of {', '.join(WEBUI_MARKERS)} found)",
                            path=webui)
        root = webui / "user_data" if (webui / "user_data").is_dir() else webui
        return cls(root, _has_formats_tab(webui, root))


def _has_formats_tab(webui: Path, root: Path) -> bool:
    """The legacy tab reads training/formats/; its modules/training.py names that folder, the current
    one does not. Without the module (a bare folder), a formats/ folder decides."""
    training = webui / "modules" / "training.py"
    if training.is_file():
        return "training/formats" in training.read_text(encoding="utf-8", errors="replace")
    return (root / "training" / "formats").is_dir()


@dataclass
class InstallResult:
    installed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things the user should know (rows over webui's cutoff)


def install_into_webui(folder, webui_path, dataset_name: str, *, overwrite: bool = False) -> list[Path]:
    """Copy the webui files of the dataset `folder` into `webui_path`; return the installed paths."""
    return install(webui_path, dataset=folder, name=dataset_name, overwrite=overwrite).installed


def install(webui_path, *, dataset=None, name: str | None = None, lora=None, overwrite: bool = False) -> InstallResult:
    """Install the dataset folder `dataset` (as `name`) and/or the LoRA folder `lora` into `webui_path`.

    Raises UserError (nothing written) when `webui_path` is not a webui folder, when there is nothing
    to install, or when a target differs and `overwrite` is False.
    """
    from characterkit.export.webui_lora import lora_plan

    webui = WebuiInstall.find(Path(webui_path))
    plan: list[tuple[Path | bytes, Path]] = []
    result = InstallResult()
    if dataset is not None:
        dataset = Path(dataset)
        name = safe_name(name or dataset.name, "dataset name")
        plan += dataset_plan(dataset, webui, name)
        if not plan:
            raise UserError("no text-generation-webui files to install (export the formats webui, webui-legacy "
                            "or character)", path=dataset)
    if lora is not None:
        lora_files, notes = lora_plan(Path(lora), webui, dataset_name=name, with_character=dataset is None)
        plan += lora_files
        result.notes += notes
    elif dataset is not None:
        result.notes += estimate_long_rows(dataset)
    _check_targets(plan, overwrite)
    commit(plan)
    result.installed = [dst for _, dst in plan]
    return result


def dataset_plan(folder: Path, webui: WebuiInstall, name: str) -> list[tuple[Path, Path]]:
    """(source, target) pairs for the dataset's files that the install's training tab uses."""
    root = webui.root
    datasets = root / "training" / "datasets"
    if webui.legacy:
        renames = {"webui-legacy.json": datasets / f"{name}-legacy.json",
                   "webui-legacy.val.json": datasets / f"{name}-legacy-val.json"}
        extra = [(f, root / "training" / "formats" / f"{name}-format.json")
                 for f in sorted(folder.glob("formats/*-format.json"))[:1]]
    else:
        renames = {"webui-chat.json": datasets / f"{name}.json", "webui-chat.val.json": datasets / f"{name}-val.json"}
        extra = [(f, root / TEMPLATE_FOLDER / f"{name}-characterkit.yaml")
                 for f in sorted(folder.glob(f"{TEMPLATE_FOLDER}/*-characterkit.yaml"))[:1]]
    plan = [(folder / src, dst) for src, dst in renames.items() if (folder / src).is_file()]
    plan += extra
    plan += [(f, root / "characters" / f.name) for f in sorted(folder.glob("characters/*.yaml"))]
    plan += [(f, root / "characters" / f.name) for f in sorted(folder.glob("characters/*.png"))]
    return plan


def estimate_long_rows(folder: Path, cutoff: int = 512, chars_per_token: int = 4) -> list[str]:
    """Without a LoRA (and so a tokenizer) the row lengths are estimated at `chars_per_token`,
    against webui's default cutoff."""
    import json

    path = folder / "webui-chat.json"
    if not path.is_file() or path.stat().st_size > 200 << 20:  # too big to read whole for an estimate
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    long = sum(1 for row in rows if sum(len(m["content"]) for m in row["messages"]) > cutoff * chars_per_token)
    if not long:
        return []
    return [f"about {long} of {len(rows)} rows are longer than webui's default cutoff of {cutoff} tokens "
            f"(estimated at {chars_per_token} characters a token): webui drops such rows, so raise its Cutoff "
            "Length or train with characterkit, which trims their oldest context instead"]


def _check_targets(plan: list[tuple[Path | bytes, Path]], overwrite: bool) -> None:
    different = [dst for src, dst in plan if dst.exists() and not _same(src, dst)]
    if different and not overwrite:
        names = ", ".join(str(p) for p in different)
        raise UserError(f"already exists with different content: {names}; nothing was copied (replace them with "
                        "`characterkit into-webui … --overwrite`, or choose another name)")


def _same(src: Path | bytes, dst: Path) -> bool:
    if not dst.is_file():
        return False
    if isinstance(src, bytes):
        return dst.read_bytes() == src
    return filecmp.cmp(src, dst, shallow=False)


def commit(plan: list[tuple[Path | bytes, Path]]) -> None:
    """Write every target that differs, all or none (atomic.copy_files: staged beside the targets, then
    renamed in, a failure part-way undone). A source is a file or the bytes to write (a rewritten
    training_parameters.json, a character built from a run card)."""
    from characterkit import atomic

    with tempfile.TemporaryDirectory(prefix=".characterkit-install-") as scratch:
        pairs = []
        for i, (src, dst) in enumerate(plan):
            if _same(src, dst):
                continue
            if isinstance(src, bytes):
                path = Path(scratch) / f"{i}-{dst.name}"
                path.write_bytes(src)
                src = path
            pairs.append((src, dst))
        atomic.copy_files(pairs)
