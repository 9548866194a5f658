"""The one interface every text generator behind characterkit speaks.

    backend = open_backend(LLMSettings(base_url="http://localhost:1234/v1", model="qwen2.5-7b"))
    reply = backend.complete([Message("user", "Say hi")], max_tokens=32)
    reply.text, reply.prompt_tokens, reply.completion_tokens, reply.finish_reason

`complete` is safe to call from many threads at once: the HTTP backend keeps that many requests in
flight (the server batches them), the in-process backend gathers them into one batched `generate`.
So callers write plain per-item code and let `run_concurrent` supply the parallelism.

Failures come in two kinds:
- `RequestRejected`: this one request cannot succeed (the prompt is longer than the model's
  context, say). Callers skip the item and record the reason.
- `UserError`: no request can succeed (server unreachable, unknown model, bad API key, the server
  keeps failing). The run stops; work already journaled is kept for the rerun.
Transient trouble (dropped connections, timeouts, HTTP 429 and 5xx) is retried inside the backend
with exponential backoff and counted in `backend.retries`.
"""

from __future__ import annotations

import re

import threading
from dataclasses import asdict, dataclass

from characterkit.errors import UserError, check_above, check_at_least
from characterkit.records import Message

DEFAULT_BASE_URL = "http://localhost:1234/v1"  # LM Studio's local server


@dataclass
class Completion:
    """One generated reply and what it cost. finish_reason: "stop" (ended by itself or a stop
    string) or "length" (cut at max_tokens)."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"


class RequestRejected(Exception):
    """This request cannot succeed as sent (e.g. HTTP 400: prompt too long); others still can."""


@dataclass
class LLMSettings:
    """Which backend to use and how hard to push it; checked on creation.

    backend: "openai" (any OpenAI-compatible server: LM Studio, Ollama, llama.cpp, vLLM, OpenAI)
             or "local" (a transformers model from models/, run in this process).
    base_url, api_key: the server (openai backend only).
    model: the server's model id (empty = the server's only/first listed model), or for the local
           backend a folder name in models/ or a path (empty = SmolLM2-135M-Instruct, installed on first use).
    concurrency: requests in flight (openai) or the largest batch (local).
    timeout: seconds to wait for one reply. retries: attempts per request on transient errors.
    device: where the local backend runs ("cpu", "cuda", "auto").
    """

    backend: str = "openai"
    base_url: str = DEFAULT_BASE_URL
    model: str = ""
    api_key: str = ""
    concurrency: int = 4
    timeout: float = 300.0
    retries: int = 5
    device: str = "cpu"

    def __post_init__(self):
        if self.backend not in BACKEND_NAMES:
            raise UserError(f"unknown LLM backend {self.backend!r}; choose one of: {', '.join(BACKEND_NAMES)}")
        check_at_least(1, concurrency=self.concurrency)
        check_above(0, timeout=self.timeout)
        if not re.fullmatch(r"cpu|cuda(:\d+)?|mps|auto", self.device):
            raise UserError(f"unknown --device {self.device!r}; choose cpu, cuda, cuda:N, mps or auto")
        if self.retries < 1:
            raise UserError(f"--retries must be at least 1 (one attempt, no retry), got {self.retries}")
        if self.backend == "local" and not self.model:
            from characterkit.models import DEFAULT_MODEL

            self.model = DEFAULT_MODEL.folder  # installed into models/ on first use (see llm/local.py)
        if self.backend == "openai" and not self.base_url.startswith(("http://", "https://")):
            raise UserError(f"--base-url must start with http:// or https://, got {self.base_url!r}")

    def describe(self) -> dict:
        """The settings that shape the output (no API key), for report.json and journal headers."""
        where = self.base_url if self.backend == "openai" else self.device
        return {"backend": self.backend, "model": self.model, "where": where}


BACKEND_NAMES = ("openai", "local")


def settings_dict(settings) -> dict:
    """`asdict(settings)` for report.json, its `llm` field (an LLMSettings) described: never the API key."""
    row = asdict(settings)
    row["llm"] = settings.llm.describe()
    return row


class Backend:
    """Base class: `complete` is the contract; the rest has sensible defaults.

    name: the registry name. model: the model actually used (resolved at open time).
    retries: how many transient failures were retried so far (all threads together).
    """

    name = "base"
    model = ""

    def __init__(self):
        self._retry_lock = threading.Lock()
        self.retries = 0

    def complete(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.7,
                 top_p: float | None = None, seed: int | None = None, stop: list[str] | None = None) -> Completion:
        """Generate one assistant reply to `messages`. Thread-safe. Raises RequestRejected or UserError."""
        raise NotImplementedError

    def complete_many(self, conversations: list[list[Message]], **generation) -> list[Completion]:
        """One reply per conversation, in order. The base version calls `complete` one by one;
        the local backend runs them as one batch."""
        return [self.complete(messages, **generation) for messages in conversations]

    def models(self) -> list[str]:
        """The model ids this backend can serve."""
        return [self.model] if self.model else []

    def close(self) -> None:
        """Release connections, threads and memory. Safe to call twice."""

    def count_retry(self) -> None:
        with self._retry_lock:
            self.retries += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
