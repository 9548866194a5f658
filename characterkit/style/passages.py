"""A novel's text -> passages: clean paragraphs (or story beats) with an id, chapter and type.

    passages, drops = split_passages(text, min_words=10, beats=0)

Cleaning, in order:
1. `[Illustration...]`, `[Transcriber's note...]` and `[Footnote...]` blocks are cut out, even
   when they span lines and blank lines (PG's illustrated editions do that).
2. The text is split at blank lines into blocks; hard-wrapped lines are joined with spaces.
3. Chapter headings ("CHAPTER XII.", "Chapter 3", "BOOK ONE") start a new chapter and are dropped
   together with a title line that follows them. Blocks before the first heading (title page,
   contents, preface) are dropped as front matter when the book has headings at all.
4. With `beats` > 0, consecutive paragraphs of a chapter are merged until a passage reaches `beats`
   words (paragraphs joined by a blank line). Never across chapters.
5. Passages under `min_words` or over `max_words` are dropped.
Every dropped block is counted in `drops` under its reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import regex

# One level of nested brackets is allowed: "[Illustration: Mr. Bennet [_Copyright 1894_]]".
_BRACKETED = r"\[\s*{word}(?:[^\[\]]|\[[^\[\]]*\])*\]"
CUT_BLOCKS = {
    "illustration": regex.compile(_BRACKETED.format(word="Illustration"), regex.IGNORECASE),
    "transcriber_note": regex.compile(_BRACKETED.format(word=r"Transcriber[’']?s?\s+Notes?"), regex.IGNORECASE),
    "footnote": regex.compile(_BRACKETED.format(word=r"Footnote"), regex.IGNORECASE),
}
_NUMBER = r"(?:[IVXLCDM]+|\d+|[A-Z][A-Za-z]+(?:[- ][A-Z][A-Za-z]+)?)"
HEADING = regex.compile(rf"^(?:CHAPTER|Chapter|BOOK|Book|PART|Part|STAVE|Stave)\s+{_NUMBER}\b[.:]?")
# Quoted speech in every convention PG texts use: “curly”, "straight", ‘single’, 'straight single'
# and `backtick' (1990s etexts). An unclosed double quote runs to the end (speech that continues
# into the next paragraph); single quotes must not touch a letter outside, so "don't" is no quote.
QUOTED = regex.compile(
    r"“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)|(?<!\w)‘.*?’(?!\w)|(?<!\w)'(?=\w).*?(?<=[\w.,!?;:-])'(?!\w)"
    r"|`(?=\S).*?'(?!\w)", regex.DOTALL)
PERSONAL = regex.compile(r"\b(?:I|we|he|she|they|me|us|him|her|them)\b", regex.IGNORECASE)
TYPES = ("dialogue", "mixed", "narration", "description")


@dataclass
class Passage:
    """One unit to paraphrase. id: stable across runs (a hash of the text), so a journal from an
    earlier run still matches after unrelated settings change. chapter: 0 = before any heading."""

    id: str
    chapter: int
    text: str
    type: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def split_passages(text: str, min_words: int = 10, max_words: int = 400,
                   beats: int = 0) -> tuple[list[Passage], Counter]:
    """The novel's passages in reading order, and how many blocks were dropped for each reason."""
    drops: Counter = Counter()
    for reason, pattern in CUT_BLOCKS.items():
        text, n = pattern.subn("", text)
        drops[reason] += n
    chapters = _chapters(_blocks(text), drops)
    passages, seen = [], Counter()
    for chapter, paragraphs in chapters:
        for body in (_beats(paragraphs, beats) if beats > 0 else paragraphs):
            words = len(body.split())
            if words < min_words or words > max_words:
                drops["too_short" if words < min_words else "too_long"] += 1
                continue
            passages.append(Passage(_passage_id(body, seen), chapter, body, passage_type(body)))
    return passages, +drops


def passage_type(text: str) -> str:
    """dialogue (half or more of the text in quotes), mixed (some), else narration or description.

    Without quotes: description when fewer than a third of the sentences mention a person
    (I, he, she, they...), a scene rather than someone acting in it; otherwise narration.
    """
    quoted = sum(len(m) for m in QUOTED.findall(text))
    share = quoted / max(len(text), 1)
    if share >= 0.5:
        return "dialogue"
    if share > 0:
        return "mixed"
    sentences = [s for s in regex.split(r"(?<=[.!?;])\s+", text) if s.strip()]
    personal = sum(1 for s in sentences if PERSONAL.search(s))
    return "description" if personal * 3 < len(sentences) else "narration"


def _blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks as lists of stripped lines."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _chapters(blocks: list[list[str]], drops: Counter) -> list[tuple[int, list[str]]]:
    """Group paragraphs by chapter, dropping headings, their title lines and the front matter."""
    chapters: list[tuple[int, list[str]]] = [(0, [])]
    after_heading = False
    for lines in blocks:
        if len(lines) <= 2 and HEADING.match(lines[0]):
            chapters.append((len(chapters), []))
            drops["heading"] += 1
            after_heading = True
            continue
        paragraph = " ".join(" ".join(lines).split())
        if after_heading and _is_title(paragraph):
            drops["heading"] += 1
            continue
        after_heading = False
        chapters[-1][1].append(paragraph)
    if len(chapters) > 1:  # the book has headings: what precedes the first is not the story
        drops["front_matter"] += len(chapters[0][1])
        chapters = chapters[1:]
    return [(number, paragraphs) for number, paragraphs in chapters if paragraphs]


def _is_title(paragraph: str) -> bool:
    """A chapter title line: short and not ending like a sentence ("Why the Princess Has a Story")."""
    return len(paragraph.split()) <= 12 and not paragraph.rstrip("”’\"' ").endswith((".", "!", "?", ":", ";", ","))


def _beats(paragraphs: list[str], target: int) -> list[str]:
    """Merge consecutive paragraphs until each passage has at least `target` words. A chapter's
    leftover shorter than half a beat joins the passage before it rather than stand alone."""
    merged, current, words = [], [], 0
    for paragraph in paragraphs:
        current.append(paragraph)
        words += len(paragraph.split())
        if words >= target:
            merged.append("\n\n".join(current))
            current, words = [], 0
    if current and merged and words < target / 2:
        merged[-1] += "\n\n" + "\n\n".join(current)
    elif current:
        merged.append("\n\n".join(current))
    return merged


def _passage_id(text: str, seen: Counter) -> str:
    """'p' + 10 hex digits of the text's SHA-1; a repeated text gets '-2', '-3'..."""
    base = "p" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"
