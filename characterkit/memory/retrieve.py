"""Long-term memory retrieval: BM25 over the character's own lines (and the turns they answered).

BM25 was chosen over dense embeddings by measurement (bench/bench_memory.py): on a novel-sized memory
it answers in about a millisecond with no model to load, where embedding a query with the chat model
costs a forward pass; see the bench's docstring for the recall comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from characterkit.memory.store import MEMORY_FILE, MemoryEntry, read_memory

STOPWORDS = "en"
MEMORY_TOKENS = 128  # the most prompt tokens recalled lines may take (each costs prefill time: see docs/memory.md)
MEMORY_LINES = 3  # lines recalled per reply (fewer when they exceed MEMORY_TOKENS)


def recall_query(turns: list) -> str:
    """What recall searches with: the turn being answered and the one before it (Turns, oldest first)."""
    return " ".join(t.text for t in turns[-2:])


class MemoryIndex:
    """A searchable memory: `search(query, k)` returns the best-matching entries, best first."""

    def __init__(self, entries: list[MemoryEntry]):
        import bm25s
        from bm25s.tokenization import Tokenizer

        self.entries = entries
        self._tokenizer = Tokenizer(stopwords=STOPWORDS)
        self._bm25 = None
        if entries:
            corpus = self._tokenizer.tokenize([f"{e.cue} {e.text}" for e in entries], update_vocab=True,
                                              return_as="ids", show_progress=False)
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    @classmethod
    def load(cls, path: Path, character: str | None = None) -> "MemoryIndex":
        return cls(read_memory(path, character))

    @classmethod
    def in_folder(cls, folder: Path, character: str) -> "MemoryIndex | None":
        """The character's memory from a dataset or LoRA folder's memory.jsonl; None when the folder
        has none or it holds no line of theirs (an empty memory is no memory)."""
        path = folder / MEMORY_FILE
        index = cls.load(path, character) if path.is_file() else None
        return index if index else None

    def __len__(self) -> int:
        return len(self.entries)

    def recall(self, query: str, count_tokens: Callable[[str], int], leave_out: Iterable[str] = ()) -> list[str]:
        """The best MEMORY_LINES entries for `query`, rendered, as many as fit in MEMORY_TOKENS tokens
        (`count_tokens` counts them). Chat and finetune both call this, so a LoRA trains with the
        block it will see. `leave_out`: lines never recalled: those the prompt already shows (its
        turns) and, in training, the reply being trained. The turns matter most in training, where
        the context is the source itself: without them 41% of the lines recalled for Algernon's
        samples were already in the sample's context (measured: 121 of 292)."""
        shown = {" ".join(text.split()) for text in leave_out}
        found = [e for e in self.search(query, k=MEMORY_LINES + len(shown)) if e.text not in shown]
        recalled, used = [], 0
        for entry in found[:MEMORY_LINES]:
            text = entry.render()
            used += count_tokens(text)
            if used > MEMORY_TOKENS:
                break
            recalled.append(text)
        return recalled

    def search(self, query: str, k: int = 4) -> list[MemoryEntry]:
        """Up to `k` entries sharing words with `query` (BM25 score > 0), best first."""
        if self._bm25 is None or not query.strip() or k < 1:
            return []
        # Words no entry has map to id 0 (the tokenizer's empty word): leave them out of the query.
        ids = [i for i in self._tokenizer.tokenize([query], update_vocab=False, return_as="ids",
                                                   show_progress=False)[0] if i]
        if not ids:  # only stop words, or words no entry has
            return []
        docs, scores = self._bm25.retrieve([ids], k=min(k, len(self.entries)), show_progress=False)
        return [self.entries[int(i)] for i, s in zip(docs[0], scores[0]) if s > 0]
