"""The home folder layout (datasets/, loras/, models/, characters/) and safe names.

The home is the current directory unless CHARACTERKIT_HOME is set, matching text-generation-webui's
habit of keeping models/ and loras/ beside the scripts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from characterkit.errors import UserError

_SAFE_NAME = re.compile(r"^[\w][\w .+-]*$", re.UNICODE)


def home() -> Path:
    return Path(os.environ.get("CHARACTERKIT_HOME", ".")).resolve()


def datasets_dir() -> Path:
    return home() / "datasets"


def dataset_folder(name: str, output_dir: str | None = None) -> Path:
    """Where a dataset is written: `output_dir` when given, else datasets/NAME."""
    return Path(output_dir) if output_dir else datasets_dir() / name


def check_output_folder(folder: Path, owned=()) -> None:
    """Raise UserError unless `folder` may be replaced whole: missing, empty or written by characterkit
    (never a file, the current folder, or a folder of the user's; see characterkit.atomic)."""
    from characterkit import atomic

    atomic.check_replaceable(folder, owned)


def journal_path(folder: Path, journal: str | None = None) -> Path:
    """Where an LLM run that builds `folder` records its finished work: `journal` when given, else
    .NAME.journal.jsonl beside the folder, so rebuilding the folder keeps it."""
    path = Path(journal) if journal else folder.parent / f".{folder.name}.journal.jsonl"
    if path.is_dir():
        raise UserError("the journal path is a folder; give a file name", path=path)
    return path


def loras_dir() -> Path:
    return home() / "loras"


def models_dir() -> Path:
    return home() / "models"


def characters_dir() -> Path:
    return home() / "characters"


def safe_name(name: str, what: str = "name") -> str:
    """Return `name` if it can be a folder name of its own; raise UserError otherwise.

    Rejects path separators, '..', leading dots and empty names so that `--lora-name ../x` can never
    write outside its folder.
    """
    name = name.strip()
    if not name or name in {".", ".."} or "/" in name or "\\" in name or ".." in name:
        raise UserError(f"invalid {what} {name!r}: use letters, digits, spaces, '.', '_', '+' or '-', no path separators")
    if not _SAFE_NAME.match(name):
        raise UserError(f"invalid {what} {name!r}: use letters, digits, spaces, '.', '_', '+' or '-'")
    return name


def safe_name_or_none(name: str) -> str | None:
    try:
        return safe_name(name)
    except UserError:
        return None


def slug(name: str) -> str:
    """A file-name friendly form of a display name: 'Mr. Pickwick' -> 'Mr_Pickwick'."""
    s = re.sub(r"[^\w.+-]+", "_", name.strip(), flags=re.UNICODE).strip("._")
    return s or "character"


def name_under(folder: Path, path: Path) -> str | None:
    """`path` relative to `folder` (models/tiny -> "tiny"), as given or with links resolved; None when
    it lies elsewhere. A link in models/ is the user's way of putting a model there, so it counts."""
    for candidate in (Path(path).absolute(), Path(path).resolve()):
        try:
            return candidate.relative_to(folder).as_posix()
        except ValueError:
            continue
    return None


def in_any_case(folder: Path, name: str) -> Path | None:
    """`folder/name` matched without regard to case (on a case-sensitive file system), or None.
    Two entries differing only in case are ambiguous: neither is chosen."""
    if "/" in name or "\\" in name or not folder.is_dir():
        return None
    wanted = name.casefold()
    found = [p for p in folder.iterdir() if p.name.casefold() == wanted]
    return found[0] if len(found) == 1 else None


def resolve_in(folder: Path, name_or_path: str, what: str) -> Path:
    """A path as given if it exists, else `folder/name` (in any case: `-d algernon` finds
    datasets/Algernon); a clear error listing `folder` otherwise."""
    from characterkit import atomic

    p = Path(name_or_path)
    if folder.is_dir() and safe_name_or_none(name_or_path):
        atomic.recover(folder / name_or_path)  # a run killed mid-swap may have hidden it for a moment
    if p.exists():
        return p
    candidate = folder / name_or_path
    if candidate.exists():
        return candidate
    if (found := in_any_case(folder, name_or_path)) is not None:
        return found
    available = sorted(x.name for x in folder.iterdir() if not x.name.startswith((".", "README"))) if folder.is_dir() else []
    listing = ", ".join(available) if available else f"none (the folder {folder} is empty or missing)"
    raise UserError(f"{what} {name_or_path!r} not found; available in {folder}: {listing}")
