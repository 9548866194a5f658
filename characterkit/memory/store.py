"""The memory file of a dataset folder: the character's own lines from the source, with the turn
each one answered, one JSON object per line (memory.jsonl).

Only training samples go in: the validation split stays unseen, so `eval` with memory on cannot
read the held-out answer out of the prompt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from characterkit import atomic
from characterkit.errors import UserError

MEMORY_FILE = "memory.jsonl"
MAX_CUE_CHARS = 300  # the turn a line answered is kept short: it only says what the line was about


@dataclass(frozen=True)
class MemoryEntry:
    """One remembered line. cue: the turn it answered ("Jack: How are you?"), "" when none.
    position: its place in the source (the sample's order), so neighbours can be told apart."""

    character: str
    text: str
    cue: str = ""
    source: str = ""
    position: int = 0

    def render(self) -> str:
        """The entry as the prompt shows it: what was said to the character, then its answer."""
        said = f'"{self.text}"'
        return f"{self.cue} -> {said}" if self.cue else said

    def to_dict(self) -> dict:
        return {"character": self.character, "text": self.text, "cue": self.cue, "source": self.source,
                "position": self.position}


def entries_from_samples(rows: Iterable[dict]) -> Iterator[MemoryEntry]:
    """Memory entries from samples.jsonl rows: every training reply of a dialogue sample."""
    for position, row in enumerate(rows):
        if row.get("split", "train") != "train" or row.get("instruction"):
            continue
        context = row.get("context") or []
        cue = ""
        if context:
            last = context[-1]
            cue = last["text"] if last.get("speaker") is None else f"{last['speaker']}: {last['text']}"
            cue = " ".join(cue.split())[:MAX_CUE_CHARS]
        yield MemoryEntry(character=row["character"], text=" ".join(row["reply"].split()), cue=cue,
                          source=row.get("source", ""), position=position)


def write_memory(samples_jsonl: Path, out: Path) -> int:
    """Write the memory file for a dataset's samples.jsonl; returns the number of entries."""
    with open(samples_jsonl, encoding="utf-8") as f:
        entries = [entry.to_dict() for entry in entries_from_samples(json.loads(line) for line in f if line.strip())]
    atomic.write_text(out, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))
    return len(entries)


def read_memory(path: Path, character: str | None = None) -> list[MemoryEntry]:
    """The entries of a memory file (only `character`'s when given, matched case-insensitively)."""
    entries = []
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entry = MemoryEntry(**json.loads(line))
                except (ValueError, TypeError) as e:
                    raise UserError(f"not a memory entry ({e})", path=path, line=lineno) from None
                if character is None or entry.character.casefold() == character.casefold():
                    entries.append(entry)
    except OSError as e:
        raise UserError(f"cannot read the memory file ({e.strerror or e})", path=path) from None
    return entries
