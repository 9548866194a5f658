"""Medium-term memory: the oldest turns of a chat, folded into a short summary instead of dropped.

The chat engine folds turns when the history no longer fits the model's context (ChatEngine.stream
with a ChatMemory). The summary is written by the chat model itself, with the adapter switched off
(the character's voice is not wanted in a summary), through its chat template when it has one. A
model that writes nothing usable (a tiny test model, an empty reply) gets an extractive summary: the
first words of each folded turn, so nothing that was said is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit.records import Turn

SUMMARY_WORDS = 80  # the longest summary kept; older content is what gets cut first
TURN_WORDS = 12  # words of each folded turn in the extractive fallback


@dataclass
class ChatMemory:
    """One conversation's memory state. summary: what the folded turns said (shown to the user, who
    may edit or clear it). covered: how many of the oldest history turns the summary stands for.
    long_term: whether retrieved source lines go into the prompt."""

    summary: str = ""
    covered: int = 0
    long_term: bool = False  # off by default: see docs/memory.md

    def clear(self) -> None:
        self.summary, self.covered = "", 0

    def fit(self, history_len: int) -> None:
        """After an undo the history can be shorter than what the summary covered."""
        self.covered = min(self.covered, history_len)


def transcript(turns: list[Turn]) -> str:
    return "\n".join(turn.render() for turn in turns)


def summary_prompt(tokenizer, previous: str, turns: list[Turn]) -> str:
    """The text that asks the model for a summary of `previous` + `turns`."""
    task = ("Summarise this conversation in at most three short sentences. Keep names, facts and promises."
            f"\n\n{('Summary so far: ' + previous + chr(10)) if previous else ''}{transcript(turns)}")
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": task}]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return f"{task}\nSummary:"


def extractive_summary(previous: str, turns: list[Turn]) -> str:
    """The fallback: the previous summary, then the first words of each folded turn."""
    pieces = [previous] if previous else []
    for turn in turns:
        words = turn.text.split()
        short = " ".join(words[:TURN_WORDS]) + ("…" if len(words) > TURN_WORDS else "")
        pieces.append(f"{turn.speaker}: {short}" if turn.speaker else short)
    return clip("; ".join(pieces))


def clip(text: str) -> str:
    """At most SUMMARY_WORDS words, keeping the newest (the end)."""
    words = " ".join(text.split()).split(" ")
    return " ".join(words[-SUMMARY_WORDS:]) if len(words) > SUMMARY_WORDS else " ".join(words)


def usable(summary: str) -> bool:
    """A model's summary is used when it is a few real words, not an echo of the task."""
    words = summary.split()
    return len(words) >= 3 and sum(w.isalpha() for w in words) >= len(words) // 2 and "Summarise" not in summary
