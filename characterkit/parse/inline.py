"""`inline` transcripts: the tag and the speech on one line, `Name: line` (the legacy dataset.txt).

    Mara: Kind? It only wanted you to think so.     -> SPEECH  Mara
    Tobias laughs and carries the flour up the path. -> NARRATION
    (2+ blank lines, `* * *`, `ACT I`, `SCENE: ...`) -> BREAK

Only the first colon (ASCII `:` or full-width `：`) can end a tag, and only when the part before it
looks like a name (`common.strict_name`: short, capitalised words, no URL scheme), so
`Bob: see http://x.org: it works` is Bob saying `see http://x.org: it works`.

Continuation lines. Files come in two shapes, told apart per file from its first lines
(`is_wrapped`):
- one utterance per line (dataset.txt): an untagged line is narration;
- wrapped prose (Jowett's Plato): a speech runs over several lines until a blank line, so an
  untagged line right after a tagged one continues that speech. A file is wrapped when more of
  its tagged lines are cut off mid-sentence before an untagged line than are followed by another
  tag or end their sentence before one. In a wrapped file a tag counts at the start of a
  paragraph, or after a line that ends a sentence, so a wrapped line that happens to begin
  `Dialogue: (1) ...` stays inside its paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain

from characterkit.parse.common import (HEADING, MAX_TURN_LINES, CastList, ParseOptions, SourceLines,
                                       break_line, clean_name, is_blank, narration_line, speech_line, strict_name)
from characterkit.records import Line

# The first colon, ASCII or full-width, within reach of a name's length.
_COLON = re.compile("[:：]")
_MAX_TAG = 48
# Lines after which a wrapped file may start a new speech without a blank line.
_SENTENCE_END = tuple(".!?:;\"'’”)]")
# `is_wrapped` decides on the first lines that hold this many tags (or this many lines: a long
# introduction before the dialogue must not hide it).
DECIDE_TAGS, LOOKAHEAD_LINES = 200, 20_000


def inline_tag(text: str) -> tuple[str, str] | None:
    """(name, speech) when `text` opens with a speaker tag, else None.

    A colon followed by a digit or `//` is a time or a URL ("At 12:30", "http://"), never a tag.
    """
    colon = _COLON.search(text, 0, _MAX_TAG + 1)
    if colon is None:
        return None
    name = _tag_name(text[:colon.start()])
    end = colon.end()
    if name is None or text[end:end + 1].isdigit() or text.startswith("//", end):
        return None
    return name, text[end:].strip()


@lru_cache(maxsize=8192)
def _tag_name(before_colon: str) -> str | None:
    """The cleaned name if the text before the first colon is one, else None (memoised: names repeat)."""
    return clean_name(before_colon) if strict_name(before_colon.strip()) else None


def is_wrapped(head: list[tuple[int, str]]) -> bool:
    """True if untagged lines right after tagged ones continue the speech (see the module doc).

    Votes over the tagged lines that have a non-blank line right after them: a tagged line cut
    off mid-sentence before an untagged line votes "wrapped"; one followed by another tag, or
    ending its sentence before an untagged line (narration), votes "one per line".
    """
    wrapped = per_line = 0
    previous = None  # the previous line if it was tagged
    for _, text in head:
        if is_blank(text) or HEADING.fullmatch(text):
            previous = None
            continue
        tagged = inline_tag(text) is not None
        if previous is not None:
            if not tagged and not previous.rstrip().endswith(_SENTENCE_END):
                wrapped += 1
            else:
                per_line += 1
        previous = text if tagged else None
    return wrapped > per_line


def parse_inline(lines: SourceLines, options: ParseOptions, source: str, drops) -> Iterator[Line]:
    """Lines of an inline transcript, speakers spelled as tagged (see the module doc)."""
    lines = iter(lines)
    head, tags = [], 0
    for item in lines:
        head.append(item)
        tags += inline_tag(item[1]) is not None
        if tags >= DECIDE_TAGS or len(head) >= LOOKAHEAD_LINES:
            break
    parse = _wrapped if is_wrapped(head) else _one_per_line
    yield from parse(chain(head, lines), options, source, drops)


def _one_per_line(lines: SourceLines, options: ParseOptions, source: str, drops) -> Iterator[Line]:
    cast = CastList(drops)
    blanks = 1  # the file starts as if after a blank line
    for lineno, text in lines:
        if not text or text.isspace():
            blanks += 1
            continue
        if blanks >= 2:
            yield break_line("", lineno, source)
        before, blanks = blanks, 0
        if cast.swallows(text, before):
            continue
        tag = inline_tag(text)
        if tag is not None:
            line = speech_line(tag[0], [tag[1]], lineno, source, options, drops)
        elif HEADING.fullmatch(text):
            line = break_line(text, lineno, source)
        else:
            line = narration_line([text], lineno, source, options.keep_narration, "narration", drops)
        if line is not None:
            yield line


def _wrapped(lines: SourceLines, options: ParseOptions, source: str, drops) -> Iterator[Line]:
    cast = CastList(drops)
    speaker: str | None = None  # who speaks in the open turn; None for narration
    parts: list[str] | None = None  # the open turn's lines; None when none is open
    start = 0
    blanks, ends_sentence = 1, True
    for lineno, text in lines:
        if not text or text.isspace():
            blanks += 1
            continue
        before, blanks = blanks, 0
        if parts is not None and before:  # a blank line ends every turn
            if (line := _finish(speaker, parts, start, source, options, drops)) is not None:
                yield line
            parts = None
        if before >= 2:
            yield break_line("", lineno, source)
        if cast.swallows(text, before):
            continue
        tag = inline_tag(text) if before or ends_sentence else None
        heading = tag is None and HEADING.fullmatch(text) is not None
        ends_sentence = text.rstrip().endswith(_SENTENCE_END)
        if parts is not None and (tag or heading or len(parts) >= MAX_TURN_LINES):
            if (line := _finish(speaker, parts, start, source, options, drops)) is not None:
                yield line
            parts = None
            if not (tag or heading):  # a turn too long to hold goes on in a new piece
                parts, start = [], lineno
        if heading:
            yield break_line(text, lineno, source)
        elif tag is not None:
            speaker, parts, start = tag[0], [tag[1]], lineno
        elif parts is None:
            speaker, parts, start = None, [text], lineno
        else:
            parts.append(text)
    if parts is not None and (line := _finish(speaker, parts, start, source, options, drops)) is not None:
        yield line


def _finish(speaker: str | None, parts: list[str], start: int, source: str, options: ParseOptions,
            drops) -> Line | None:
    if speaker is None:
        return narration_line(parts, start, source, options.keep_narration, "narration", drops)
    return speech_line(speaker, parts, start, source, options, drops)
