"""Memory: what the character said in its own source (long-term) and what was said in this chat
(medium-term), put back into the prompt.

    write_memory(samples_jsonl, folder / MEMORY_FILE)     # prepare: the character's own lines
    index = MemoryIndex.load(folder / MEMORY_FILE, "Algernon")
    index.search("Tell me about Bunbury", k=4)             # -> [MemoryEntry, ...], best first
    state = ChatMemory()                                   # chat: the summary of folded turns

Retrieval is BM25 (bm25s, sparse matrices): a novel's worth of lines answers in about a millisecond
on a CPU (bench/bench_memory.py measures it against a dense alternative). The prompt formats place
memories and the summary inside the persona block (characterkit.prompts.background), the same text
in training and in chat.
"""

from characterkit.memory.retrieve import MemoryIndex
from characterkit.memory.store import MEMORY_FILE, MemoryEntry, read_memory, write_memory
from characterkit.memory.summary import ChatMemory

__all__ = ["MEMORY_FILE", "ChatMemory", "MemoryEntry", "MemoryIndex", "read_memory", "write_memory"]
