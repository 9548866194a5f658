"""Paraphrase passages with an LLM: validated, retried, concurrent, journaled, with a progress bar.

    results, stats = paraphrase_passages(passages, template, settings)

Each passage gets up to `settings.max_retries` attempts. An attempt fails validation with a named
reason (see validate.py) and the next attempt uses the next seed; after the last failure the
passage is skipped with its last reason. A result is a plain dict (it goes into the journal):

    {"status": "ok" | "skipped", "paraphrase": str, "tone": str (as the model said it),
     "reason": None | str, "attempts": int, "failures": {reason: n},
     "prompt_tokens": int, "completion_tokens": int}
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from characterkit.errors import UserError
from characterkit.llm import Backend, Journal, RequestRejected, open_backend, run_concurrent
from characterkit.style.passages import Passage
from characterkit.style.prompts import ParaphraseTemplate, parse_reply
from characterkit.style.settings import StyleSettings
from characterkit.style.validate import check_paraphrase


@dataclass
class RunStats:
    """What one run did (resumed results count in `resumed`, not in the others)."""

    done: int = 0
    ok: int = 0
    skipped: int = 0
    resumed: int = 0
    validation_retries: int = 0  # attempts beyond the first, this run
    request_retries: int = 0  # transient HTTP failures retried by the backend, this run
    seconds: float = 0.0
    model: str = ""
    failures: Counter = field(default_factory=Counter)

    @property
    def passages_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def paraphrase_one(passage: Passage, backend: Backend, template: ParaphraseTemplate,
                   settings: StyleSettings) -> dict:
    """Up to max_retries attempts at a valid paraphrase of one passage; never raises for a bad reply."""
    rules = settings.rules
    messages = template.messages(passage, settings.author)
    max_tokens = settings.max_tokens or int(passage.words * settings.max_ratio * 2) + 24
    result = {"status": "skipped", "paraphrase": "", "tone": "", "reason": None, "attempts": 0,
              "failures": {}, "prompt_tokens": 0, "completion_tokens": 0}
    failures = Counter()
    for attempt in range(settings.max_retries):
        result["attempts"] = attempt + 1
        try:
            reply = backend.complete(messages, max_tokens=max_tokens, temperature=settings.temperature,
                                     seed=settings.seed + attempt)
        except RequestRejected as e:  # this passage cannot be sent as it is (too long for the model...)
            failures["rejected_by_server"] += 1
            result.update(reason="rejected_by_server", detail=str(e)[:300])
            break
        result["prompt_tokens"] += reply.prompt_tokens
        result["completion_tokens"] += reply.completion_tokens
        tone, text = parse_reply(reply.text)
        reason = "cut_off" if reply.finish_reason == "length" else check_paraphrase(passage.text, text, rules)
        if reason is None:
            result.update(status="ok", paraphrase=text, tone=tone, reason=None)
            break
        failures[reason] += 1
        result["reason"] = reason
    result["failures"] = dict(failures)
    return result


def journal_settings(settings: StyleSettings, template: ParaphraseTemplate, model: str) -> dict:
    """What a paraphrase depends on: a journal written under other values is not reused."""
    return {"author": settings.author, "backend": settings.llm.backend, "model": model,
            "template": template.describe(), "max_retries": settings.max_retries,
            "temperature": settings.temperature, "max_tokens": settings.max_tokens, "seed": settings.seed,
            "min_ratio": settings.min_ratio, "max_ratio": settings.max_ratio,
            "reject_phrases": list(settings.reject_phrases)}


def paraphrase_passages(passages: list[Passage], template: ParaphraseTemplate,
                        settings: StyleSettings) -> tuple[list[dict], RunStats]:
    """One result per passage, in passage order; finished passages of an earlier run are reused.

    Raises UserError when the backend becomes unusable (server gone, ...), saying how much is saved.
    """
    journal_path = settings.journal_path
    if settings.fresh:
        journal_path.unlink(missing_ok=True)
    stats = RunStats()
    with open_backend(settings.llm) as backend:
        stats.model = backend.model
        with Journal(journal_path, journal_settings(settings, template, backend.model)) as journal:
            progress = _Progress(len(passages), backend, stats, enabled=settings.progress)
            started = time.perf_counter()
            try:
                results = list(run_concurrent(
                    passages, lambda p: paraphrase_one(p, backend, template, settings),
                    concurrency=settings.llm.concurrency, journal=journal, key=lambda p: p.id,
                    on_done=progress.update))
            except UserError as e:
                raise UserError(f"{e}. {len(journal.done)} of {len(passages)} passages are saved in {journal.path}; "
                                "run the same command again to resume") from None
            finally:
                stats.seconds = time.perf_counter() - started
                stats.request_retries = backend.retries
                progress.close()
    return results, stats


class _Progress:
    """A tqdm bar: passages done (resumed ones count at once), with ok, skipped and retries."""

    def __init__(self, total: int, backend: Backend, stats: RunStats, enabled: bool):
        from tqdm import tqdm

        self.backend, self.stats = backend, stats
        self.bar = tqdm(total=total, unit="passage", desc="paraphrasing", disable=not enabled, dynamic_ncols=True)

    def update(self, result: dict, resumed: bool) -> None:
        stats = self.stats
        if resumed:
            stats.resumed += 1
        else:
            stats.done += 1
            stats.ok += result["status"] == "ok"
            stats.skipped += result["status"] != "ok"
            stats.validation_retries += result["attempts"] - 1
            stats.failures.update(result["failures"])
        self.bar.set_postfix(ok=stats.ok, skipped=stats.skipped, resumed=stats.resumed,
                             retries=stats.validation_retries + self.backend.retries, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
