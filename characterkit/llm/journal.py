"""An append-only JSONL journal of finished work, so a run killed at any moment can resume.

    {"journal": 1, "settings": {...}}          first line: what the results depend on
    {"id": "p3f2a9c1d0", "result": {...}}      one line per finished item, in finishing order

Each line is written, flushed and fsynced as its item finishes, so after a crash (Ctrl-C, kill -9,
power loss) every finished item is on disk except, at worst, a half-written last line. Opening the
journal cuts that torn line off. A journal whose settings differ from the run's is refused rather
than mixed into it: results from another model or prompt would silently poison the dataset.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from characterkit.errors import UserError

VERSION = 1


class Journal:
    """Finished results by id, loaded from `path` (created if missing) and appended to as they come."""

    def __init__(self, path, settings: dict):
        self.path = Path(path)
        self.settings = json.loads(json.dumps(settings))  # as it reads back from disk
        self.done: dict[str, dict] = {}
        self.torn_lines = 0  # partial or corrupt lines dropped at load (a crash mid-write)
        self._lock = threading.Lock()
        self._file = None

    def open(self) -> "Journal":
        """Load what is done, cut a torn tail, and open for appending (writing the header if new)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            self._load()
        else:
            self._file = open(self.path, "w", encoding="utf-8")
            self._write({"journal": VERSION, "settings": self.settings})
        return self

    def append(self, item_id: str, result: dict) -> None:
        """Record one finished item durably (thread-safe)."""
        with self._lock:
            self.done[item_id] = result
            self._write({"id": item_id, "result": result})

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.close()
            except OSError as e:  # flushing onto a full disk
                raise OSError(e.errno, e.strerror, str(self.path)) from None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()

    def _write(self, row: dict) -> None:
        try:
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as e:  # a full disk: name the journal (a torn last line is cut off on the next open)
            raise OSError(e.errno, e.strerror, str(self.path)) from None

    def _load(self) -> None:
        with open(self.path, "rb") as f:
            data = f.read()
        good_end = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        lines = data[:good_end].decode("utf-8", errors="replace").splitlines()
        header = _parse(lines[0]) if lines else None
        if not header or header.get("journal") != VERSION:
            raise UserError("is not a characterkit journal (or is from another version); delete it or pass --fresh",
                            path=self.path)
        if header.get("settings") != self.settings:
            raise UserError(f"was written with other settings ({_difference(header.get('settings') or {}, self.settings)}); "
                            "rerun with the same settings to resume, or pass --fresh to start over", path=self.path)
        for line in lines[1:]:
            row = _parse(line)
            if row is None or "id" not in row or "result" not in row:
                self.torn_lines += 1
                continue
            self.done[row["id"]] = row["result"]
        self.torn_lines += good_end < len(data)
        self._file = open(self.path, "r+b")  # binary: truncate exactly at the last good byte
        self._file.truncate(good_end)
        self._file.close()
        self._file = open(self.path, "a", encoding="utf-8")


def _parse(line: str) -> dict | None:
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) else None


def _difference(old: dict, new: dict) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "; ".join(f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in keys[:3]) or "unknown"
