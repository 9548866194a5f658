"""Helpers of the bad-input table (imported by its conftest and test modules)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    """One row: the command line, its exit code, a piece of its one stderr line, and a setup step
    (a function of the home) run before the snapshot. script: run a legacy script instead of the CLI."""

    id: str
    args: list[str]
    code: int = 2
    err: str = ""
    setup: object = None
    script: str | None = None
    env: dict = field(default_factory=dict)

    def __str__(self):
        return self.id


def is_progress(line: str) -> bool:
    """A progress bar, a loading line or a note a command prints before its result (not an error)."""
    return "\r" in line or "it/s" in line or "s/it" in line or line.startswith(
        ("Writing model shards", "Loading", "loading ", "precision: ", "attention: "))  # finetune says what it picked


def error_line(err: str) -> str:
    """The one error line of a failed command (progress bars aside); fails the test otherwise."""
    assert "Traceback" not in err, err
    # a progress bar left mid-line (a failed training) is followed by the error on the same line
    lines = [line[line.index("error: "):] if "error: " in line else line for line in err.splitlines()]
    lines = [line for line in lines if line.strip() and not is_progress(line)]
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one error line, got: {err!r}"
    return lines[0]


def snapshot(root: Path) -> dict:
    """Every path under `root` (hidden ones too) with a digest of each file's bytes."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir",)
        else:
            out[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"legacy_{name}", REPO / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def mount_tmpfs(path: Path, options: str) -> bool:
    """Mount a small tmpfs at `path` (we run as root in CI); False where that is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return result.returncode == 0


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)
