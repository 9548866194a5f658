"""What in a novel's file is never speech, and Gutenberg markup that is no part of the words.

    blank_matter(text) -> (text, Counter)   the same length, with front/back matter blanked
    plain(words) -> str                     '_italics_' -> 'italics'

A list of illustrations quotes the book (`“I hope Mr. Bingley will like it”      6`), captions
and footnotes sit in brackets (`[Illustration: ...]`, `[Footnote 3: ...]`, `[Transcriber's
note: ...]`): none of it is said by anyone, so it is replaced by spaces before quotations are
looked for. Offsets stay those of the text as read. The Counter says what was blanked, by kind.
"""

from __future__ import annotations

import re
from collections import Counter

# A bracketed block of the edition, possibly over several lines: captions, footnotes, notes.
_BRACKETED = re.compile(r"\[(?:Illustration|Footnote|Transcriber|Note|Sidenote|Editor|Errata)\b[^\]]{0,3000}\]", re.IGNORECASE)
# A line of a table of contents or list of illustrations: words, a wide gap, a page number.
_LISTING = re.compile(r"^[^\n]{1,100}?\S(?:[ \t]{4,}|[ \t]*\.{3,}[ \t.]*)(?:\d{1,4}|[ivxlcdm]{1,7})[ \t]*$", re.MULTILINE | re.IGNORECASE)
# A table of contents without page numbers: four or more lines in a row of a chapter number and a
# title ('20.  Irene's Clue'). Its titles name characters with the words after them ('Curdie Comes').
_NUMBERED_LIST = re.compile(r"(?:^[ \t]*(?:\d{1,3}|[IVXLC]{1,7})\.[ \t]+[A-Z][^\n]{0,80}\n){4,}", re.MULTILINE)


def blank_matter(text: str) -> tuple[str, Counter]:
    """`text` with front and back matter replaced by spaces (newlines kept), and what was blanked."""
    counts: Counter = Counter()

    def blank(kind):
        def replace(m):
            counts[kind] += 1
            return re.sub(r"[^\n]", " ", m.group(0))
        return replace

    text = _BRACKETED.sub(blank("bracketed_matter"), text)
    text = _LISTING.sub(blank("contents_line"), text)
    text = _NUMBERED_LIST.sub(blank("contents_list"), text)
    return text, counts

