"""Training with the memory block chat shows: each conversation gets the character's own source lines
recalled for it the way chat recalls them (MemoryIndex.recall, the same query and token budget), its
own reply and the lines its context already shows left out, so a LoRA learns with the block it will
see instead of rambling when it appears.

    report = add_recalled_lines(data, count_tokens)   # data.train / data.val gain `memories`

Validation rows get lines too (memory.jsonl holds only training replies, so none is their answer):
the held-out loss then measures the chat the LoRA will have.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from characterkit.memory.retrieve import MemoryIndex, recall_query
from characterkit.memory.store import MEMORY_FILE


def memory_file(data) -> Path:
    """Where a dataset keeps its memory file: beside the data (a dataset folder or the file's folder)."""
    return (data.path if data.path.is_dir() else data.path.parent) / MEMORY_FILE


def add_recalled_lines(data, count_tokens) -> dict:
    """Put recalled lines into every conversation of `data` whose character has a memory; return what
    was done for the run card ({} when the dataset has no memory file or is plain text)."""
    path = memory_file(data)
    if data.is_text or not path.is_file():
        return {}
    indexes: dict[str, MemoryIndex | None] = {}
    with_lines = Counter()
    for split, conversations in (("train", data.train), ("val", data.val)):
        for i, conv in enumerate(conversations):
            if conv.character not in indexes:
                indexes[conv.character] = MemoryIndex.in_folder(path.parent, conv.character)
            index = indexes[conv.character]
            if index is None:
                continue
            lines = index.recall(recall_query(conv.turns), count_tokens,
                                 leave_out=[conv.reply or "", *(t.text for t in conv.turns)])
            conversations[i] = replace(conv, memories=lines)
            with_lines[split] += bool(lines)
    return {"file": MEMORY_FILE, "lines": sum(len(ix) for ix in indexes.values() if ix is not None),
            "samples_with_lines": {split: with_lines[split] for split in ("train", "val")}}
