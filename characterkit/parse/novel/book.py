"""A whole novel: quotations with their speakers, and the Lines the sample builder reads.

    analyse(text, cast=None, llm=None) -> ([SpokenQuote], Cast)
    novel_lines(text, source, cast=None) -> Iterator[Line]   speech, narration and breaks, text order
    read_quotes(path, cast=None, llm=None) -> Iterator[dict] what `characterkit quotes --jsonl` prints
    format_quote(row) -> str                                 ... and without --jsonl
    parse_novel(lines, options, source, drops)               the `novel` parser of characterkit.parse
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from characterkit.errors import UserError
from characterkit.parse.common import plain
from characterkit.parse.novel.attribute import attribute
from characterkit.parse.novel.calibrate import confidence
from characterkit.parse.novel.matter import blank_matter
from characterkit.parse.novel.patterns import speech_tag
from characterkit.parse.novel.cast import Cast, join_lone_names, load_cast, scan_cast
from characterkit.parse.novel.quotes import QUOTE_MARKS, Paragraph, Quote, as_line, find_quotes, split_paragraphs
from characterkit.records import BREAK, DEFAULT_MIN_CONFIDENCE, NARRATION, SPEECH, Line


@dataclass
class SpokenQuote:
    """One quotation and its attribution. Offsets are into the text as read (after decoding)."""

    quote: Quote
    speaker: str | None
    confidence: float
    rule: str
    key: str = ""  # the calibration key (rule and detail): see calibrate.py

    @property
    def line(self) -> str:
        """The words as a line of dialogue: no Gutenberg markup, ending as a sentence (quotes.as_line)."""
        return as_line(plain(self.quote.text))

    def to_dict(self) -> dict:
        return {
            "start": self.quote.start,
            "end": self.quote.end,
            "text": self.line,
            "speaker": self.speaker,
            "confidence": self.confidence,
            "rule": self.rule,
        }


def analyse(text: str, cast: Cast | None = None, paragraphs: list[Paragraph] | None = None, llm=None,
            concurrency: int = 4, drops=None, record: list | None = None):
    """Every quotation of `text` with its speaker; the cast is discovered when not given.

    `drops` (a Counter) counts the front and back matter blanked (see matter.py).
    `llm`: an open characterkit.llm Backend to ask about the quotes the rules leave under
    DEFAULT_MIN_CONFIDENCE (see llm.py), `concurrency` requests at a time; None: rules only.
    `record`: a list for the turn scorer's candidates (fitting its weights, see turn_scorer.py).
    """
    paragraphs = paragraphs if paragraphs is not None else split_paragraphs(text)
    prose, blanked = blank_matter(text)  # captions, contents, footnotes: never speech
    if drops is not None:
        drops.update(blanked)
    quotes = find_quotes(prose, paragraphs)
    if cast is None:
        cast = scan_cast(prose, quotes, paragraphs)
    elif cast.origin != "discovered":
        cast = join_lone_names(cast)
    kind = "discovered" if cast.origin == "discovered" else "given"
    spoken = [SpokenQuote(q, a.speaker, confidence(a.key, kind, a.confidence) if a.speaker else 0.0, a.rule, a.key)
              for q, a in zip(quotes, attribute(text, quotes, paragraphs, cast, record))]
    known = set(cast.names())  # a discovered cast lists the people found known only by a description
    cast = cast.listing(list(dict.fromkeys(s.speaker for s in spoken if s.speaker and s.speaker not in known)))
    if llm is not None and spoken:
        from characterkit.parse.novel.llm import ask_llm

        spoken = ask_llm(text, paragraphs, spoken, cast, llm, below=DEFAULT_MIN_CONFIDENCE, concurrency=concurrency)
    return spoken, cast


def novel_lines(text: str, source: str = "", cast: Cast | None = None, linenos: list[int] | None = None,
                drops=None) -> Iterator[Line]:
    """The novel as Lines in text order: SPEECH per quotation (speaker None when unattributed,
    with its confidence), NARRATION for the text between quotations (paragraph by paragraph, the
    speech tags inside a broken quotation left out), BREAK for chapter headings and scene breaks.

    `linenos[i]` is the source line number of the text's line i (lines stripped when reading,
    such as a Gutenberg header, shift them); without it lines count from 1.
    """
    paragraphs = split_paragraphs(text)
    spoken, cast = analyse(text, cast, paragraphs, drops=drops)
    may_be = {c.name: tuple(c.may_be) for c in cast if c.may_be}  # names the text leaves ambiguous
    line_starts = _line_starts(text, linenos)
    next_quote, cursor = 0, 0  # cursor: the end of the last quotation given out
    for index, para in enumerate(paragraphs):
        if para.heading:
            yield Line(None, " ".join(text[para.start : para.end].split()), BREAK, source, _lineno(line_starts, para.start))
            continue
        pos = max(para.start, cursor)  # a quotation may have run on into this paragraph
        while next_quote < len(spoken) and spoken[next_quote].quote.first_paragraph == index:
            item = spoken[next_quote]
            yield from _narration(text, pos, item.quote.start, source, line_starts, drops, after_quote=pos == cursor)
            yield Line(item.speaker, item.line, SPEECH, source, _lineno(line_starts, item.quote.start),
                       item.confidence, may_be.get(item.speaker, ()))
            pos = cursor = item.quote.end
            next_quote += 1
        yield from _narration(text, pos, para.end, source, line_starts, drops, after_quote=pos == cursor)


def _narration(text: str, start: int, end: int, source: str, line_starts, drops=None, after_quote=False) -> Iterator[Line]:
    if start >= end:
        return
    words = plain(" ".join(text[start:end].split()).strip(QUOTE_MARKS + " "))
    if after_quote and _bare_tag(words):  # 'said Jane.' says nothing without its quotation
        if drops is not None:
            drops["speech_tag"] += 1
        return
    if any(ch.isalnum() for ch in words):
        yield Line(None, words, NARRATION, source, _lineno(line_starts, start))


def _bare_tag(words: str) -> bool:
    """Whether narration right after a quotation is only its speech tag ('said Jane.', 'she cried.')."""
    return len(words.split()) <= 6 and words.rstrip()[-1:] in ".!?;,:" and speech_tag(" " + words) is not None


def _line_starts(text: str, linenos: list[int] | None) -> tuple[list[int], list[int] | None]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts, linenos


def _lineno(line_starts, offset: int) -> int:
    starts, linenos = line_starts
    index = bisect.bisect_right(starts, offset)  # 1-based line of the text
    return linenos[index - 1] if linenos else index


def read_quotes(path: str | Path, cast: str | Path | None = None, llm=None) -> Iterator[dict]:
    """The quotations of the novel at `path`, one dict per quote (`SpokenQuote.to_dict`), in
    text order; `cast` is a cast file (see `load_cast`), else the cast is discovered; `llm`
    (characterkit.llm.LLMSettings) asks a model about the uncertain quotes."""
    from characterkit.io import read_text

    text, _info = read_text(path)
    _check_is_a_novel(text, path)
    cast = load_cast(cast) if cast else None
    if llm is None:
        spoken, _ = analyse(text, cast)
    else:
        from characterkit.llm import open_backend

        with open_backend(llm) as backend:
            spoken, _ = analyse(text, cast, llm=backend, concurrency=llm.concurrency)
    if not spoken:
        raise UserError("no quotations found (looked for \"...\", “...” and ‘...’ dialogue)", path=path)
    for item in spoken:
        yield item.to_dict()


def _check_is_a_novel(text: str, path) -> None:
    """A play or a transcript has speaker tags, not quotations: say so instead of listing its letters."""
    from characterkit.parse import MAX_DETECT_LINES, detect_format

    head = list(enumerate(text.splitlines()[:MAX_DETECT_LINES], 1))
    try:
        fmt = detect_format(head, str(path))
    except UserError:
        return
    if fmt != "novel":
        raise UserError(f"reads as a play or transcript (format {fmt}), not a novel: `quotes` lists a novel's quotations "
                        f"(`speakers` and `prepare dialogue` read this file)", path=path)


QUOTE_HEADER = f"{'offset':>8}  {'speaker':<24} {'conf':<4}  {'rule':<16} words"


def format_quote(row: dict) -> str:
    """One quotation as a line of text: offset, speaker, confidence, rule, words (QUOTE_HEADER names them)."""
    text = row["text"] if len(row["text"]) <= 100 else row["text"][:97] + "..."
    return f"{row['start']:>8}  {row['speaker'] or '?':<24} {row['confidence']:.2f}  {row['rule']:<16} {text}"


def parse_novel(lines, options, source: str, drops) -> Iterator[Line]:
    """The `novel` parser (the signature of every parser in characterkit.parse.FORMATS).

    `lines` are the (lineno, text) pairs of the source as read; the cast comes from
    `options.cast` (a cast file) when set, else it is discovered and `options.aliases` merges
    names ({"Lizzy": "Elizabeth"}). Narration is dropped (counted as `narration`) when
    `options.keep_narration` is off. UserError when the novel has no quotation at all.
    """
    numbered = list(lines)
    text = "\n".join(line for _, line in numbered)
    cast_file = getattr(options, "cast", None)
    cast = load_cast(cast_file) if cast_file else scan_cast(text).merged(options.aliases)
    spoke = False
    for line in novel_lines(text, source, cast, [n for n, _ in numbered], drops=drops):
        spoke = spoke or line.kind == SPEECH
        if line.kind == NARRATION and not options.keep_narration:
            drops["narration"] += 1
            continue
        yield line
    if not spoke:
        raise UserError("no quotations found (looked for \"...\", “...” and ‘...’ dialogue)", path=source or None)
