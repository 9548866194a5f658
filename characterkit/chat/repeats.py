"""A reply that starts saying one of its own sentences again has ended: small models loop.

Greedy decoding on a small LoRA falls into loops ("The lamp is dry. The lamp is dry. The lamp is
dry."); a repetition penalty only delays them and an n-gram ban garbles the words a line needs to
repeat. A character saying the same sentence twice in one line is almost never meant, so chat ends
the reply where the repeat begins, as it ends a reply at a stop string. Sentences of fewer than
MIN_WORDS words ("No. No.") are emphasis, not a loop, and never end a reply.
"""

from __future__ import annotations

import re

MIN_WORDS = 3
REPEAT = "(repeated sentence)"  # ReplyStats.stopped_by when a repeat ended the reply

# the end of a sentence: its mark, any closing quotes or brackets, then the space before the next
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")


def repeat_start(text: str, final: bool = False) -> tuple[int, bool]:
    """Where `text` begins a sentence it already said: (offset, True); (-1, False) if it does not.

    While generating (`final` False) a sentence is complete once the space after its mark has come;
    an unfinished last sentence whose words so far begin one already said ("The lamp is d" after
    "The lamp is dry.") gives (its offset, False): it may become a repeat, so it is held back from
    view, as a tail that may become a stop string is, and nothing shown has to be taken back.
    """
    said: list[str] = []
    start = 0
    for mark in _SENTENCE_END.finditer(text):
        if mark.end() == len(text) and not final:
            break
        key = _key(text[start:mark.end()])
        if len(key.split()) >= MIN_WORDS and key in said:
            return _skip_space(text, start), True
        said.append(key)
        start = mark.end()
    tail = _key(text[start:])
    if not final and tail and any(s.startswith(tail) and len(s.split()) >= MIN_WORDS for s in said):
        return _skip_space(text, start), False
    return -1, False


def _key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def _skip_space(text: str, start: int) -> int:
    return start + len(text[start:]) - len(text[start:].lstrip())
