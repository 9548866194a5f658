"""Which generated completions to keep. Every completion thrown away gets one named reason.

    kept, rejected, drops = filter_candidates(candidates, FilterSettings(min_chars=1000))

Reasons, checked in this order (the first that applies is the one counted):
    empty_prompt        the prompt is blank (an empty prompt file, when pairing)
    empty               the completion is nothing but whitespace
    cut_off             the model hit max_tokens (finish_reason "length"): the text stops mid-way
    refusal             "I'm sorry, ...", "I cannot ..." at the start, or "as an AI" anywhere
    off_task            talking to the user instead of doing the task: "Sure! Here is a story ..."
                        at the start, "I hope you enjoyed ..." anywhere
    banned_phrase       contains a --ban-phrase (case-insensitive)
    too_short/too_long  fewer than --min-chars / more than --max-chars characters
    regex_rejected      matches --reject-regex
    regex_not_matched   does not match --require-regex
    missing_slot_value  the value of a --require-slot slot does not appear in the text
    duplicate           the same text (ignoring case, spacing and punctuation) as a kept one
    near_duplicate      word 5-gram Jaccard similarity >= --near-duplicate with a kept one
Duplicates are checked last, against kept completions only, so a rejected text never shadows a
good one; the earliest good completion of a group is the one kept.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import regex

from characterkit.errors import UserError
from characterkit.style.validate import REFUSAL

REASONS = ("empty_prompt", "empty", "cut_off", "refusal", "off_task", "banned_phrase", "too_short", "too_long", "regex_rejected",
           "regex_not_matched", "missing_slot_value", "duplicate", "near_duplicate")
# A model speaking as itself rather than writing the text asked for, anywhere in the reply.
AI_TALK = regex.compile(r"\bas an? (?:AI|artificial intelligence|(?:large )?language model)\b", regex.IGNORECASE)
# Chatter around the task. At the start only with punctuation or an article after it, so that a
# story may still open with "Sure enough" or "Here is where it ended".
PREAMBLE = regex.compile(
    r"^\W*(?:(?:sure|certainly|of course|absolutely|okay|ok)\s*[,!.]|here(?: is|'s| are) (?:a|an|the|your|my)\s"
    r"|as requested\b|title\s*:)", regex.IGNORECASE)
CLOSING = regex.compile(r"\b(?:I hope you (?:enjoy|like)|let me know if|feel free to ask)", regex.IGNORECASE)
SHINGLE_WORDS = 5


@dataclass
class FilterSettings:
    """min_chars / max_chars (None: no limit) bound a completion's length in characters; the
    classic floor for long-form synthetic text is 1,000. ban_phrases: drop texts containing any.
    reject_regex / require_regex: a user pattern the text must not / must match (`regex` module
    syntax, searched anywhere). require_slots: slots whose value must appear in the completion.
    near_duplicate: the Jaccard similarity at which two completions count as one (1.0: only
    identical texts)."""

    min_chars: int = 1000
    max_chars: int | None = None
    ban_phrases: list[str] = field(default_factory=list)
    reject_regex: str | None = None
    require_regex: str | None = None
    require_slots: list[str] = field(default_factory=list)
    near_duplicate: float = 0.8

    def __post_init__(self):
        if self.min_chars < 0 or (self.max_chars is not None and self.max_chars < max(self.min_chars, 1)):
            raise UserError(f"need 0 <= --min-chars <= --max-chars, got {self.min_chars} and {self.max_chars}")
        if not 0 < self.near_duplicate <= 1:
            raise UserError(f"--near-duplicate must be in (0, 1], got {self.near_duplicate}")
        self.ban_phrases = [p.strip() for p in self.ban_phrases if p.strip()]
        self.require_slots = list(self.require_slots)
        self.compiled("--reject-regex", self.reject_regex)
        self.compiled("--require-regex", self.require_regex)

    @staticmethod
    def compiled(flag: str, pattern: str | None):
        if pattern is None:
            return None
        try:
            return regex.compile(pattern, regex.MULTILINE)
        except regex.error as e:
            raise UserError(f"{flag} {pattern!r} is not a valid regular expression: {e}") from None

    def check_slots(self, slots) -> None:
        """--require-slot names must be slots of the template."""
        for name in self.require_slots:
            if name not in slots:
                raise UserError(f"--require-slot {name!r} is not a slot of the template; slots: {', '.join(slots)}")


@dataclass
class Candidate:
    """A prompt and a completion, waiting to be judged. values: the slot values of the prompt."""

    id: str
    prompt: str
    completion: str
    finish_reason: str = "stop"
    values: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


Rejected = tuple[Candidate, str]  # a dropped candidate and its reason


class CompletionFilter:
    """Applies the checks in order and remembers kept texts for the duplicate checks."""

    def __init__(self, settings: FilterSettings):
        self.settings = settings
        self.reject = settings.compiled("--reject-regex", settings.reject_regex)
        self.require = settings.compiled("--require-regex", settings.require_regex)
        self.banned = [p.casefold() for p in settings.ban_phrases]
        self.duplicates = NearDuplicates(settings.near_duplicate)

    def reason_to_drop(self, candidate: Candidate) -> str | None:
        """The first reason to drop `candidate`, or None (then it counts as kept from now on)."""
        reason = self._content_reason(candidate.completion.strip(), candidate)
        if reason is None:
            reason = self.duplicates.check_and_add(candidate.completion)
        return reason

    def _content_reason(self, text: str, candidate: Candidate) -> str | None:
        settings = self.settings
        if not candidate.prompt.strip():
            return "empty_prompt"
        if not text:
            return "empty"
        if candidate.finish_reason == "length":
            return "cut_off"
        if REFUSAL.match(text) or AI_TALK.search(text):
            return "refusal"
        if PREAMBLE.match(text) or CLOSING.search(text):
            return "off_task"
        if self.banned and any(phrase in text.casefold() for phrase in self.banned):
            return "banned_phrase"
        if len(text) < settings.min_chars:
            return "too_short"
        if settings.max_chars is not None and len(text) > settings.max_chars:
            return "too_long"
        if self.reject is not None and self.reject.search(text):
            return "regex_rejected"
        if self.require is not None and not self.require.search(text):
            return "regex_not_matched"
        folded = text.casefold()
        if any(candidate.values.get(name, "").casefold() not in folded for name in settings.require_slots):
            return "missing_slot_value"
        return None


def filter_candidates(candidates, settings: FilterSettings) -> tuple[list[Candidate], list[Rejected], Counter]:
    """(kept, [(rejected, reason)], drops by reason), each list in input order."""
    check = CompletionFilter(settings)
    kept, rejected, drops = [], [], Counter()
    for candidate in candidates:
        reason = check.reason_to_drop(candidate)
        if reason is None:
            kept.append(candidate)
        else:
            rejected.append((candidate, reason))
            drops[reason] += 1
    return kept, rejected, drops


class NearDuplicates:
    """Exact and near-duplicate detection against the texts added so far.

    Exact: a digest of the text lower-cased with punctuation and spacing removed. Near: the
    Jaccard similarity of the sets of word 5-grams, computed exactly against every earlier text
    that shares a 5-gram with this one (an inverted index finds them), so memory grows with the
    number of distinct 5-grams kept and time with how many texts share them.
    """

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.exact: set[bytes] = set()
        self.postings: dict[int, list[int]] = defaultdict(list)  # 5-gram hash -> numbers of texts holding it
        self.sizes: list[int] = []  # number of distinct 5-grams per text added

    def check_and_add(self, text: str) -> str | None:
        """"duplicate", "near_duplicate", or None after adding `text` to the kept ones."""
        words = regex.findall(r"\w+", text.casefold())
        digest = hashlib.blake2b(" ".join(words).encode(), digest_size=16).digest()
        if digest in self.exact:
            return "duplicate"
        grams = shingles(words)
        if self.threshold < 1 and self._most_similar(grams) >= self.threshold:
            return "near_duplicate"
        self.exact.add(digest)
        number = len(self.sizes)
        self.sizes.append(len(grams))
        for gram in grams:
            self.postings[gram].append(number)
        return None

    def _most_similar(self, grams: set[int]) -> float:
        shared = Counter()
        for gram in grams:
            shared.update(self.postings.get(gram, ()))
        return max((n / (len(grams) + self.sizes[other] - n) for other, n in shared.items()), default=0.0)


def shingles(words: list[str], n: int = SHINGLE_WORDS) -> set[int]:
    """Hashes of the word n-grams (the whole text as one gram when it has fewer than n words).

    Python's str hash is salted per process; that is fine because grams are only compared within
    one run, and the result (which texts are kept) does not depend on the hash values."""
    if len(words) < n:
        return {hash(tuple(words))}
    return {hash(tuple(words[i : i + n])) for i in range(len(words) - n + 1)}


def jaccard(a: str, b: str) -> float:
    """The similarity `NearDuplicates` uses, for two texts (tests and tuning --near-duplicate)."""
    ga, gb = (shingles(regex.findall(r"\w+", t.casefold())) for t in (a, b))
    return len(ga & gb) / len(ga | gb) if ga | gb else 1.0
