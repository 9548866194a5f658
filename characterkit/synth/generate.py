"""Ask the LLM for one completion per prompt: concurrent, retried, journaled (`llm.run_journaled`).

    results, stats = generate_completions(items, template, llm_settings, journal_path, seed)

One attempt per request: synthetic data is generated with a margin and thinned by the filters
afterwards (filters.py), so a bad completion is dropped, not asked again. Transient server trouble
is retried inside the backend. A result is a plain dict (it goes into the journal as is):

    {"status": "ok" | "rejected_by_server", "text": str, "finish_reason": "stop" | "length",
     "prompt_tokens": int, "completion_tokens": int}           (+ "detail" when rejected)

The journal holds raw completions only, so changing a filter and running again costs no calls.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.llm import Backend, LLMSettings, RequestRejected, RunStats, run_journaled
from characterkit.synth.template import PromptItem, SynthTemplate


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


def journal_settings(template: SynthTemplate, seed: int) -> dict:
    """What a completion depends on (besides the model): a journal written under other values is not reused."""
    return {"kind": "synth", "seed": seed, "template": template.describe()}


def generate_completions(items: list[PromptItem], template: SynthTemplate, llm: LLMSettings, journal_path: Path,
                         seed: int = 0, fresh: bool = False, progress: bool = True) -> tuple[list[dict], RunStats]:
    """One result per item, in item order; items finished by an earlier run are not sent again.

    Raises UserError when the backend becomes unusable (server gone, ...), saying how much is saved.
    """
    return run_journaled(items, lambda item, backend: generate_one(item, backend, template, seed), llm, journal_path,
                         journal_settings(template, seed), key=lambda item: item.id, fresh=fresh, progress=progress,
                         unit="completion", desc="generating")
