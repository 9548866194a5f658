"""Ask the LLM for one completion per prompt: concurrent, retried, journaled, with a progress bar.

    results, stats = generate_completions(items, template, llm_settings, journal_path, seed)

One attempt per request: synthetic data is generated with a margin and thinned by the filters
afterwards (filters.py), so a bad completion is dropped, not asked again. Transient server trouble
is retried inside the backend. A result is a plain dict (it goes into the journal as is):

    {"status": "ok" | "rejected_by_server", "text": str, "finish_reason": "stop" | "length",
     "prompt_tokens": int, "completion_tokens": int}           (+ "detail" when rejected)

The journal holds raw completions only, so changing a filter and running again costs no calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError
from characterkit.llm import Backend, Journal, LLMSettings, RequestRejected, open_backend, run_concurrent
from characterkit.synth.template import PromptItem, SynthTemplate


@dataclass
class RunStats:
    """What one run did; results taken from the journal count in `resumed` only."""

    done: int = 0
    resumed: int = 0
    rejected_by_server: int = 0
    request_retries: int = 0  # transient HTTP failures retried by the backend, this run
    seconds: float = 0.0
    model: str = ""

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def generate_one(item: PromptItem, backend: Backend, template: SynthTemplate, seed: int) -> dict:
    """The completion for one request; a request the server refuses is recorded, never raised."""
    generation = template.generation
    try:
        reply = backend.complete(item.messages(template.random_id), max_tokens=generation.max_tokens,
                                 temperature=generation.temperature, top_p=generation.top_p,
                                 seed=seed + item.repeat, stop=generation.stop)
    except RequestRejected as e:  # this prompt cannot be sent as it is (too long for the model...)
        return {"status": "rejected_by_server", "text": "", "finish_reason": "", "prompt_tokens": 0,
                "completion_tokens": 0, "detail": str(e)[:300]}
    return {"status": "ok", "text": reply.text, "finish_reason": reply.finish_reason,
            "prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens}


def journal_settings(template: SynthTemplate, llm: LLMSettings, model: str, seed: int) -> dict:
    """What a completion depends on: a journal written under other values is not reused."""
    return {"kind": "synth", "backend": llm.backend, "model": model, "seed": seed, "template": template.describe()}


def generate_completions(items: list[PromptItem], template: SynthTemplate, llm: LLMSettings, journal_path: Path,
                         seed: int = 0, fresh: bool = False, progress: bool = True) -> tuple[list[dict], RunStats]:
    """One result per item, in item order; items finished by an earlier run are not sent again.

    Raises UserError when the backend becomes unusable (server gone, ...), saying how much is saved.
    """
    if fresh:
        journal_path.unlink(missing_ok=True)
    stats = RunStats()
    with open_backend(llm) as backend:
        stats.model = backend.model
        with Journal(journal_path, journal_settings(template, llm, backend.model, seed)) as journal:
            bar = _Progress(len(items), stats, enabled=progress)
            started = time.perf_counter()
            try:
                results = list(run_concurrent(items, lambda item: generate_one(item, backend, template, seed),
                                              concurrency=llm.concurrency, journal=journal, key=lambda item: item.id,
                                              on_done=bar.update))
            except UserError as e:
                raise UserError(f"{e}. {len(journal.done)} of {len(items)} completions are saved in {journal.path}; "
                                "run the same command again to resume") from None
            finally:
                stats.seconds = time.perf_counter() - started
                stats.request_retries = backend.retries
                bar.close()
    return results, stats


class _Progress:
    """A tqdm bar over requests (resumed ones count at once)."""

    def __init__(self, total: int, stats: RunStats, enabled: bool):
        from tqdm import tqdm

        self.stats = stats
        self.bar = tqdm(total=total, unit="prompt", desc="generating", disable=not enabled, dynamic_ncols=True)

    def update(self, result: dict, resumed: bool) -> None:
        if resumed:
            self.stats.resumed += 1
        else:
            self.stats.done += 1
            self.stats.rejected_by_server += result["status"] != "ok"
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
