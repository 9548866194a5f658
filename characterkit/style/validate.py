"""Is a paraphrase usable as the input side of a style pair? One named reason when it is not.

    rules = ValidationRules(extra_phrases=["As requested"])
    reason = check_paraphrase(original, paraphrase, rules)    # None when it passes

Reasons, checked in this order: empty, refusal, talks_about_task, invented_dialogue, extra_paragraphs,
identical, too_short, too_long.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from characterkit.errors import UserError

# Phrases that show the model talking about the task instead of doing it (the tutorial's list and
# a few more). Matched case-sensitively anywhere, so "sure, " inside a sentence does not count.
TASK_PHRASES = (
    "###", "Paraphrased Text", "Paraphrased text", "Alternate Refinement", "Extended Alternate Refinement",
    "[Note:", "(Note:", "Note:", "Here is", "Here's", "Sure,", "Sure!", "Certainly", "Rewritten passage",
    "Rewritten text", "Original text", "I hope this",
)
# Refusals are only looked for at the start: a character may well say "I cannot" in the story.
REFUSAL = regex.compile(
    r"^\W*(?:I'm sorry|I am sorry|Sorry,|I cannot|I can't|I can not|I'm unable|I am unable|I won't|"
    r"As an AI|I apologi[sz]e)", regex.IGNORECASE)

# A quotation of two words or more, in straight or curly quotes.
QUOTATION = regex.compile(r'["\u201c][^"\u201c\u201d]*\w+\W+\w+[^"\u201c\u201d]*["\u201d]')

REASONS = ("empty", "refusal", "talks_about_task", "invented_dialogue", "extra_paragraphs", "identical", "too_short",
           "too_long")


@dataclass
class ValidationRules:
    """min_ratio / max_ratio: allowed paraphrase length, in words, relative to the original.
    extra_phrases: more task-talk phrases (--reject-phrase), added to TASK_PHRASES."""

    min_ratio: float = 0.5
    max_ratio: float = 2.0
    extra_phrases: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not 0 <= self.min_ratio < self.max_ratio:
            raise UserError(f"need 0 <= --min-ratio < --max-ratio, got {self.min_ratio} and {self.max_ratio}")

    @property
    def phrases(self) -> tuple[str, ...]:
        return TASK_PHRASES + tuple(p for p in self.extra_phrases if p)


def check_paraphrase(original: str, paraphrase: str, rules: ValidationRules) -> str | None:
    """The first reason `paraphrase` is unusable for `original`, or None when it is fine."""
    text = paraphrase.strip()
    if not text:
        return "empty"
    if REFUSAL.match(text):
        return "refusal"
    if any(phrase in text and phrase not in original for phrase in rules.phrases):
        return "talks_about_task"
    if QUOTATION.search(text) and not QUOTATION.search(original):
        return "invented_dialogue"  # small models put words in people's mouths; narration must stay narration
    if _paragraphs(text) > _paragraphs(original):
        return "extra_paragraphs"
    if _normalised(text) == _normalised(original):
        return "identical"
    ratio = len(text.split()) / max(len(original.split()), 1)
    if ratio < rules.min_ratio:
        return "too_short"
    if ratio > rules.max_ratio:
        return "too_long"
    return None


def _paragraphs(text: str) -> int:
    """Non-empty lines: a reply is one paragraph per line, whatever blank lines sit between.
    (Split at "\n" only: str.splitlines would also break at form feeds and other controls.)"""
    return sum(1 for line in text.split("\n") if line.strip())


def _normalised(text: str) -> str:
    return " ".join(regex.sub(r"[^\w\s]", "", text.lower()).split())
