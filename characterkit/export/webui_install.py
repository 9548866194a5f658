"""`--into-webui`: copy a dataset's webui files into a text-generation-webui install.

    datasets/NAME/webui-chat.json          -> training/datasets/NAME.json         (Chat Dataset tab)
    datasets/NAME/webui-chat.val.json      -> training/datasets/NAME-val.json     (its eval dataset)
    datasets/NAME/webui-legacy.json        -> training/datasets/NAME-legacy.json  (old Formatted tab)
    datasets/NAME/webui-legacy.val.json    -> training/datasets/NAME-legacy-val.json
    datasets/NAME/formats/NAME-format.json -> training/formats/NAME-format.json
    datasets/NAME/characters/*.yaml        -> characters/*.yaml

Targets are under `user_data/` when the install has one (webui since 2025-04), else at its root
(older installs). The `.card.json` SillyTavern cards are not copied: webui would list them as
characters and misread them.

An existing target with the same bytes is left alone (installing twice is fine). One that differs
is never replaced silently: the install stops before copying anything, naming the file, unless
`overwrite=True`.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

from characterkit.errors import UserError
from characterkit.paths import safe_name

WEBUI_MARKERS = ("server.py", "one_click.py", "user_data")


def install_into_webui(folder, webui_path, dataset_name: str, *, overwrite: bool = False) -> list[Path]:
    """Copy the webui files of the dataset `folder` into `webui_path`; return the installed paths.

    Raises UserError when `webui_path` is not a text-generation-webui folder, when `folder` holds
    no webui files, or when a target exists with different content and `overwrite` is False.
    """
    folder = Path(folder)
    dataset_name = safe_name(dataset_name, "dataset name")
    root = webui_user_root(Path(webui_path))
    plan = install_plan(folder, root, dataset_name)
    if not plan:
        raise UserError("no text-generation-webui files to install (export the formats webui, webui-legacy "
                        "or character)", path=folder)
    different = [dst for src, dst in plan if dst.exists() and not filecmp.cmp(src, dst, shallow=False)]
    if different and not overwrite:
        names = ", ".join(str(p) for p in different)
        raise UserError(f"already exists with different content: {names}; nothing was copied (replace them with "
                        "`characterkit into-webui DATASET WEBUI --overwrite`, or choose another dataset name)")
    from characterkit import atomic

    atomic.copy_files([(src, dst) for src, dst in plan if not dst.exists() or dst in different])  # all or none
    return [dst for _, dst in plan]


def webui_user_root(webui: Path) -> Path:
    """The folder holding training/ and characters/: `user_data/` when present, else the root."""
    if not webui.is_dir():
        raise UserError("text-generation-webui folder not found", path=webui)
    if (webui / "user_data").is_dir():
        return webui / "user_data"
    if not any((webui / marker).exists() for marker in WEBUI_MARKERS):
        raise UserError(f"not a text-generation-webui folder (none of {', '.join(WEBUI_MARKERS)} found)",
                        path=webui)
    return webui


def install_plan(folder: Path, root: Path, dataset_name: str) -> list[tuple[Path, Path]]:
    """(source, target) pairs for the webui files present in `folder`."""
    datasets, formats = root / "training" / "datasets", root / "training" / "formats"
    renames = {
        "webui-chat.json": datasets / f"{dataset_name}.json",
        "webui-chat.val.json": datasets / f"{dataset_name}-val.json",
        "webui-legacy.json": datasets / f"{dataset_name}-legacy.json",
        "webui-legacy.val.json": datasets / f"{dataset_name}-legacy-val.json",
    }
    plan = [(folder / name, target) for name, target in renames.items() if (folder / name).is_file()]
    plan += [(f, formats / f.name) for f in sorted(folder.glob("formats/*.json"))]
    plan += [(f, root / "characters" / f.name) for f in sorted(folder.glob("characters/*.yaml"))]
    return plan
