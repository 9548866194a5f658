"""LLM backends: one interface for every text generator characterkit calls.

    from characterkit.llm import LLMSettings, open_backend, run_concurrent, Journal

    with open_backend(LLMSettings(base_url="http://localhost:1234/v1", concurrency=4)) as llm:
        for result in run_concurrent(items, lambda item: {"text": llm.complete(msgs(item)).text},
                                     concurrency=4):
            ...

Backends by name (`BACKENDS`, names checked by `LLMSettings`): "openai" (any OpenAI-compatible
HTTP server) and "local" (a transformers model in this process, imported only when chosen). Style pairs, synthetic data and novel attribution all use
this; see docs/DESIGN.md, "LLM backend".
"""

from __future__ import annotations

from characterkit.llm.base import BACKEND_NAMES, Backend, Completion, LLMSettings, RequestRejected
from characterkit.llm.journal import Journal
from characterkit.llm.runner import RunStats, run_concurrent, run_journaled, token_totals

__all__ = ["BACKENDS", "BACKEND_NAMES", "Backend", "Completion", "Journal", "LLMSettings", "RequestRejected", "RunStats",
           "open_backend", "run_concurrent", "run_journaled", "token_totals"]


def _openai(settings: LLMSettings) -> Backend:
    from characterkit.llm.openai_http import OpenAIBackend

    return OpenAIBackend(settings)


def _local(settings: LLMSettings) -> Backend:
    from characterkit.llm.local import TransformersBackend  # imports torch when opened

    return TransformersBackend(settings)


BACKENDS = {"openai": _openai, "local": _local}
assert tuple(BACKENDS) == BACKEND_NAMES


def open_backend(settings: LLMSettings) -> Backend:
    """The backend `settings.backend` names, connected and checked (server reachable, model known,
    or weights loaded). Raises UserError when it cannot be used. Close it (or use `with`)."""
    backend = BACKENDS[settings.backend](settings)
    try:
        return backend.open()
    except BaseException:
        backend.close()
        raise
