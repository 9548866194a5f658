"""Sample filters. Each check returns a drop reason (a short snake_case name) or None to keep.

Reasons are counted and land in report.json under "drops", so a user can see what was thrown away.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from characterkit.records import Sample


class DropCounter(Counter):
    """Counts of dropped items by reason (a Counter with a stable, sorted dict view)."""

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.items()))


class SampleFilter:
    """Drops empty replies, replies under `min_words` words, and exact duplicate samples.

    Duplicates are detected by a 16-byte digest of (character, context, reply), so memory grows with
    the number of distinct samples, not with the size of the input.
    """

    def __init__(self, min_words: int = 1):
        self.min_words = min_words
        self._seen: set[bytes] = set()

    def reason_to_drop(self, sample: Sample) -> str | None:
        reply = sample.reply.strip()
        if not reply:
            return "empty"
        if self.min_words > 1 and len(reply.split()) < self.min_words:  # a non-blank reply has 1 word
            return "too_short"
        digest = _digest(sample)
        if digest in self._seen:
            return "duplicate"
        self._seen.add(digest)
        return None


def _digest(sample: Sample) -> bytes:
    parts = [sample.character]
    for turn in sample.context:
        parts += ("\x00", turn.speaker or "", "\x01", turn.text)
    parts += ("\x02", sample.instruction, "\x03", sample.reply)
    return hashlib.blake2b("".join(parts).encode(), digest_size=16).digest()
