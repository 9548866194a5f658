"""An in-process transformers model as a Backend, batching concurrent calls into one `generate`.

Callers use it exactly like the HTTP backend: many threads call `complete`, one request each. Each
caller renders its conversation with the tokenizer's chat template and queues it; one worker thread
takes what is waiting (up to `max_batch`, waiting up to BATCH_WAIT for more), pads on the left and
runs a single batched `model.generate`. That is the batching an LLM server does, done here, so the
same `run_concurrent` code drives both backends and `--concurrency 8` means batches of up to 8.

Requests batch together only when their sampling settings match (temperature, top_p, stop). Each
keeps its own max_tokens: the batch generates up to the largest and each reply is cut to its own.
One seed per batch: the first request's.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from characterkit.errors import UserError
from characterkit.llm.base import Backend, Completion, LLMSettings, RequestRejected
from characterkit.llm.serve import PLAIN_TEMPLATE
from characterkit.paths import models_dir, resolve_in
from characterkit.records import Message

BATCH_WAIT = 0.02  # seconds the batching thread waits for more requests after the first


@dataclass(eq=False)  # compared by identity: two equal prompts are still two requests
class _Request:
    prompt: str
    max_tokens: int
    temperature: float
    top_p: float | None
    seed: int | None
    stop: tuple[str, ...]
    future: Future = field(default_factory=Future)

    def batch_key(self) -> tuple:
        return (self.temperature, self.top_p, self.stop)


class TransformersBackend(Backend):
    """A causal LM from models/ (or any folder) generating in batches on `settings.device`."""

    name = "local"

    def __init__(self, settings: LLMSettings):
        super().__init__()
        self.path = _installed_on_first_use(settings.model) or resolve_in(models_dir(), settings.model, "model")
        _check_model_folder(self.path)
        self.model = self.path.name
        self.max_batch = settings.concurrency
        self.device = settings.device
        self._queue: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self.batches = self.batched_requests = 0  # for the mean batch size

    def open(self) -> "TransformersBackend":
        """Load the tokenizer and weights (seconds to minutes), then start the batching thread."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path)
            self.lm = AutoModelForCausalLM.from_pretrained(self.path)
        except (OSError, ValueError) as e:
            raise UserError(f"cannot load a transformers model from {self.path}: {e}") from None
        if self.device != "cpu":
            self.lm.to(_pick_device(self.device))
        self.lm.eval()
        self.tokenizer.padding_side = "left"  # generation continues from the right edge
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if not self.tokenizer.chat_template:  # a base model: plain "role: text" lines
            self.tokenizer.chat_template = PLAIN_TEMPLATE
        self._worker = threading.Thread(target=self._serve, name="characterkit-local-llm", daemon=True)
        self._worker.start()
        return self

    def complete(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.7,
                 top_p: float | None = None, seed: int | None = None, stop: list[str] | None = None) -> Completion:
        if self._worker is None:
            raise RuntimeError("call open() before complete()")
        request = _Request(self._prompt(messages), max_tokens, temperature, top_p, seed, tuple(stop or ()))
        self._queue.put(request)
        return request.future.result()

    def complete_many(self, conversations: list[list[Message]], *, max_tokens: int = 256, temperature: float = 0.7,
                      top_p: float | None = None, seed: int | None = None,
                      stop: list[str] | None = None) -> list[Completion]:
        """All conversations in batches of `max_batch`, in this thread (no queue)."""
        requests = [_Request(self._prompt(m), max_tokens, temperature, top_p, seed, tuple(stop or ()))
                    for m in conversations]
        replies = []
        for start in range(0, len(requests), self.max_batch):
            replies += self._generate(requests[start : start + self.max_batch])
        return replies

    def _prompt(self, messages: list[Message]) -> str:
        rows = [{"role": m.role, "content": m.content} if isinstance(m, Message) else m for m in messages]
        return self.tokenizer.apply_chat_template(rows, tokenize=False, add_generation_prompt=True)

    def close(self) -> None:
        if self._worker is not None:
            self._queue.put(None)  # the worker finishes the batch in hand, then stops
            self._worker.join()
            self._worker = None

    # -- the batching thread ----------------------------------------------------------------

    def _serve(self) -> None:
        held: list[_Request] = []  # taken from the queue but not batchable with the last batch
        while True:
            first = held.pop(0) if held else self._queue.get()
            if first is None:
                return
            batch = [first] + [r for r in held if r.batch_key() == first.batch_key()][: self.max_batch - 1]
            held = [r for r in held if r not in batch]
            # Callers whose replies just came back need a moment to send their next request; wait
            # a little for them, as servers do, or batches shrink to whoever happened to be queued.
            deadline = time.monotonic() + BATCH_WAIT
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                (batch if nxt.batch_key() == first.batch_key() else held).append(nxt)
            try:
                results = self._generate(batch)
            except Exception as e:  # noqa: BLE001 - handed to the callers, who decide
                for request in batch:
                    request.future.set_exception(RequestRejected(f"local generation failed: {e}"))
                continue
            self.batches += 1
            self.batched_requests += len(batch)
            for request, completion in zip(batch, results):
                request.future.set_result(completion)

    def _generate(self, batch: list[_Request]) -> list[Completion]:
        import torch

        first = batch[0]
        enc = self.tokenizer([r.prompt for r in batch], return_tensors="pt", padding=True,
                             add_special_tokens=False).to(self.lm.device)
        sample = first.temperature > 0
        options = dict(max_new_tokens=max(r.max_tokens for r in batch), do_sample=sample,
                       pad_token_id=self.tokenizer.pad_token_id)
        if sample:
            options.update(temperature=first.temperature, top_p=first.top_p or 1.0)
        if first.stop:
            options.update(stop_strings=list(first.stop), tokenizer=self.tokenizer)
        if first.seed is not None:
            torch.manual_seed(first.seed)
        with torch.no_grad():
            out = self.lm.generate(**enc, **options)
        prompt_len = enc["input_ids"].shape[1]
        prompt_tokens = enc["attention_mask"].sum(dim=1).tolist()
        return [self._completion(out[i, prompt_len:].tolist(), r, prompt_tokens[i]) for i, r in enumerate(batch)]

    def _completion(self, ids: list[int], request: _Request, prompt_tokens: int) -> Completion:
        """One row of the batch: cut at end-of-text, at its own max_tokens, at a stop string."""
        ends = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id}
        finish = "length"
        for n, token in enumerate(ids):
            if token in ends:
                ids, finish = ids[:n], "stop"
                break
        if len(ids) > request.max_tokens:
            ids, finish = ids[: request.max_tokens], "length"
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        for s in request.stop:
            if s in text:
                text, finish = text[: text.index(s)], "stop"
        return Completion(text=text, prompt_tokens=int(prompt_tokens), completion_tokens=len(ids),
                          finish_reason=finish)


def _installed_on_first_use(name: str):
    """The folder of an installable model (SmolLM2, the default) named by `name`, installed into models/
    now when it is not there yet; None for any other name (a folder in models/ or a path)."""
    import sys
    from pathlib import Path

    from characterkit.models import INSTALLABLE, ensure_installed

    model = next((m for m in INSTALLABLE.values() if name in (m.folder, m.key)), None)
    if model is None or Path(name).exists() or (models_dir() / name).exists() and name != model.folder:
        return None  # the user's own folder or path of that name wins
    return ensure_installed(model.key, say=lambda line: print(line, file=sys.stderr, flush=True))


def _pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _check_model_folder(path) -> None:
    """The folder is a causal LM with whole weights: a BERT or a broken download is one line here."""
    from characterkit.train.model import causal_lm_type, resolve_model_dir

    causal_lm_type(resolve_model_dir(str(path)))
