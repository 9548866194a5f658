"""Paraphrase passages with an LLM: validated, retried, concurrent, journaled (`llm.run_journaled`).

    results, stats = paraphrase_passages(passages, template, settings)

Each passage gets up to `settings.max_retries` attempts. An attempt fails validation with a named
reason (see validate.py) and the next attempt uses the next seed; after the last failure the
passage is skipped with its last reason. A result is a plain dict (it goes into the journal):

    {"status": "ok" | "skipped", "paraphrase": str, "tone": str (as the model said it),
     "reason": None | str, "attempts": int, "failures": {reason: n},
     "prompt_tokens": int, "completion_tokens": int}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from characterkit.llm import Backend, RequestRejected, RunStats, run_journaled
from characterkit.style.passages import Passage
from characterkit.style.prompts import ParaphraseTemplate, parse_reply, parse_tone_answer
from characterkit.style.settings import StyleSettings
from characterkit.style.validate import check_paraphrase


@dataclass
class ParaphraseStats(RunStats):
    """What one run did, with the paraphrase tallies the progress bar shows (this run only)."""

    ok: int = 0
    skipped: int = 0
    validation_retries: int = 0  # attempts beyond the first, this run
    failures: Counter = field(default_factory=Counter)

    def count(self, result: dict) -> None:
        self.ok += result["status"] == "ok"
        self.skipped += result["status"] != "ok"
        self.validation_retries += result["attempts"] - 1
        self.failures.update(result["failures"])

    def postfix(self) -> dict:
        return {"ok": self.ok, "skipped": self.skipped, "resumed": self.resumed,
                "retries": self.validation_retries + self.request_retries}


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
            if not tone:
                _ask_tone(passage, backend, template, settings, result)
            break
        failures[reason] += 1
        result["reason"] = reason
    result["failures"] = dict(failures)
    return result


def _ask_tone(passage: Passage, backend: Backend, template: ParaphraseTemplate, settings: StyleSettings,
              result: dict) -> None:
    """The reply gave no tone line (small models often leave it out): ask for the tone on its own,
    greedily, and note that it was asked (`tone_asked`); a rejected request leaves the tone empty."""
    try:
        reply = backend.complete(template.tone_messages(passage), max_tokens=16, temperature=0.0, seed=settings.seed)
    except RequestRejected:
        return
    result["prompt_tokens"] += reply.prompt_tokens
    result["completion_tokens"] += reply.completion_tokens
    result.update(tone=parse_tone_answer(reply.text), tone_asked=True)


def journal_settings(settings: StyleSettings, template: ParaphraseTemplate) -> dict:
    """What a paraphrase depends on (besides the model): a journal written under other values is not reused."""
    return {"author": settings.author, "template": template.describe(), "max_retries": settings.max_retries,
            "temperature": settings.temperature, "max_tokens": settings.max_tokens, "seed": settings.seed,
            "min_ratio": settings.min_ratio, "max_ratio": settings.max_ratio,
            "reject_phrases": list(settings.reject_phrases)}


def paraphrase_passages(passages: list[Passage], template: ParaphraseTemplate,
                        settings: StyleSettings) -> tuple[list[dict], ParaphraseStats]:
    """One result per passage, in passage order; finished passages of an earlier run are reused.

    Raises UserError when the backend becomes unusable (server gone, ...), saying how much is saved.
    """
    return run_journaled(passages, lambda passage, backend: paraphrase_one(passage, backend, template, settings),
                         settings.llm, settings.journal_path, journal_settings(settings, template),
                         key=lambda passage: passage.id, stats=ParaphraseStats(), fresh=settings.fresh,
                         progress=settings.progress, unit="passage", desc="paraphrasing")
