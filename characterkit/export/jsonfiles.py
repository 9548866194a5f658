"""Streaming JSON writers: rows go to disk one at a time, so memory does not grow with the dataset.

A JSON array is written as `[`, the rows joined by a separator, `]`; a JSON Lines file as one row
per line. `SplitFiles` pairs a training file with its validation sibling (`alpaca.json` ->
`alpaca.val.json`), which is created only when the first validation row arrives.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.records import Sample

SPLITS = ("train", "val")


class JsonArrayFile:
    """A JSON array written row by row. `separator` ", " keeps the whole array on one line."""

    def __init__(self, path: Path, separator: str = ",\n"):
        self.path = path
        self.rows = 0
        self._separator = separator
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", encoding="utf-8", newline="\n")
        self._file.write("[")

    def write(self, row: dict) -> None:
        if self.rows:
            self._file.write(self._separator)
        # ensure_ascii=False: non-ASCII text stays readable, as the legacy script wrote it.
        self._file.write(json.dumps(row, ensure_ascii=False))
        self.rows += 1

    def close(self) -> None:
        self._file.write("]\n")
        self._file.close()


class JsonLinesFile:
    """One JSON object per line (JSON escapes newlines inside strings, so a row is one line)."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", encoding="utf-8", newline="\n")

    def write(self, row: dict) -> None:
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.rows += 1

    def close(self) -> None:
        self._file.close()


def val_sibling(path: Path) -> Path:
    """`alpaca.json` -> `alpaca.val.json`; `human_bot.jsonl` -> `human_bot.val.jsonl`."""
    return path.with_name(f"{path.stem}.val{path.suffix}")


class SplitFiles:
    """A training file (always written) and its validation sibling (only when a val row arrives).

    The file kind follows the suffix: `.jsonl` is JSON Lines, anything else a JSON array.
    """

    def __init__(self, path: Path, separator: str = ",\n"):
        self._path = path
        self._separator = separator
        self.files = {"train": self._open(path)}

    def _open(self, path: Path) -> JsonArrayFile | JsonLinesFile:
        return JsonLinesFile(path) if path.suffix == ".jsonl" else JsonArrayFile(path, self._separator)

    def write(self, split: str, row: dict) -> None:
        if split not in SPLITS:
            raise ValueError(f"sample split must be one of {SPLITS}, got {split!r}")
        if split not in self.files:
            self.files[split] = self._open(val_sibling(self._path))
        self.files[split].write(row)

    @property
    def has_val(self) -> bool:
        return "val" in self.files

    def close(self) -> list[Path]:
        for f in self.files.values():
            f.close()
        return [f.path for f in self.files.values()]


class RowWriter:
    """A writer that turns each Sample into one row of one file (plus its `.val` sibling).

    Subclasses set `name` (the registry name) and `file_name`, and implement `row(sample)`.
    """

    name = ""
    file_name = ""
    separator = ",\n"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder)
        self.dataset_name = dataset_name
        self.files = SplitFiles(self.folder / self.file_name, self.separator)

    def row(self, sample: Sample) -> dict:
        raise NotImplementedError

    def write(self, sample: Sample) -> None:
        self.files.write(sample.split, self.row(sample))

    def close(self) -> list[Path]:
        return self.files.close()
