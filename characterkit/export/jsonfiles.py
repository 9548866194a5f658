"""Streaming JSON writers: rows go to disk one at a time, so memory does not grow with the dataset.

A JSON array is written as `[`, the rows joined by a separator, `]`; a JSON Lines file as one row
per line. Rows arrive already encoded (`render.encode` or a row template). `SplitFiles` pairs a
training file with its validation sibling (`alpaca.json` -> `alpaca.val.json`), which is created
only when the first validation row arrives.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.export.render import Rendered

SPLITS = ("train", "val")
# Rows are small and many (ten files, a row each per sample): a large buffer saves most of the
# per-row cost of writing them.
WRITE_BUFFER = 1 << 20


def _open(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER)


class JsonArrayFile:
    """A JSON array written row by row. `separator` ", " keeps the whole array on one line."""

    def __init__(self, path: Path, separator: str = ",\n"):
        self.path = path
        self.rows = 0
        self._separator = separator
        self._file = _open(path)
        self._file.write("[")

    def write(self, row_json: str) -> None:
        """Append one encoded row."""
        self._file.write(self._separator + row_json if self.rows else row_json)
        self.rows += 1

    def close(self) -> None:
        self._file.write("]\n")
        self._file.close()


class JsonLinesFile:
    """One JSON object per line (JSON escapes newlines inside strings, so a row is one line)."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._file = _open(path)

    def write(self, row_json: str) -> None:
        """Append one encoded row."""
        self._file.write(row_json + "\n")
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

    def write(self, split: str, row_json: str) -> None:
        if split not in SPLITS:
            raise ValueError(f"sample split must be one of {SPLITS}, got {split!r}")
        if split not in self.files:
            self.files[split] = self._open(val_sibling(self._path))
        self.files[split].write(row_json)

    @property
    def has_val(self) -> bool:
        return "val" in self.files

    def close(self) -> list[Path]:
        for f in self.files.values():
            f.close()
        return [f.path for f in self.files.values()]


class RowWriter:
    """A writer that turns each sample into one row of one file (plus its `.val` sibling).

    Subclasses set `name` (the registry name) and `file_name`, and implement `row(view)`.
    """

    name = ""
    file_name = ""
    separator = ",\n"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder)
        self.dataset_name = dataset_name
        self.files = SplitFiles(self.folder / self.file_name, self.separator)

    def row(self, view: Rendered) -> str:
        """The sample's row, encoded."""
        raise NotImplementedError

    def write(self, view: Rendered) -> None:
        self.files.write(view.sample.split, self.row(view))

    def close(self) -> list[Path]:
        return self.files.close()
