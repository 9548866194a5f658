"""`ownline` transcripts: plays, where the tag stands alone on its line and the speech follows.

    First Citizen:                    ALGERNON.
    Before we proceed any further,    Did you hear what I was playing, Lane?
    hear me speak.

A tag is `Name:` (Tiny Shakespeare; the name may have lower-case words, "Second murderer:") or
`NAME.` in capitals (Gutenberg plays), unindented, at the start of a paragraph. The speech is the
rest of the paragraph, its lines joined with a space, up to a blank line or to the next tag;
inside a speech a line is a tag only if the same line has already opened a paragraph, so a verse
line `Come:` or a reply `I.` stays speech.

The rest:
- `ACT I`, `SCENE II. A Street.`, `FIRST ACT`, `* * *` and 2+ blank lines are BREAKs;
- any other paragraph (`[Enter Lane.]`, ` Enter Sampson and Gregory.`, a scene description) is a
  stage direction: NARRATION if `keep_stage_directions`, else dropped as `stage_direction`;
- but a plain paragraph right after an indented or bracketed direction continues the speech that
  direction interrupted (Gutenberg's Shakespeare: `ROMEO.`, lines, ` [_Exit Servant._]`, more of
  Romeo's lines);
- `ROMEO. Nurse, commend me` (a capitals name that passes the strict test of inline tags) is a
  tag with its speech on the same line;
- `[Takes plate.]` inside a speech stays in it unless `strip_actions`;
- a list of persons ("Dramatis Personae", "THE PERSONS IN THE PLAY") or a table of contents is
  skipped up to the next run of blank lines (`cast_list`), so the persons never speak.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from characterkit.parse.common import (HEADING, MAX_TURN_LINES, CastList, ParseOptions, SourceLines,
                                       break_line, clean_name, loose_name, narration_line, speech_line, strict_name)
from characterkit.records import Line

# A capitals tag with the speech on the same line ("THIRD WATCH. Here is a Friar").
_TAG_AND_SPEECH = re.compile(r"([A-Z][A-Z '’&-]*[A-Z]\.)\s+(\S.*)")


@lru_cache(maxsize=8192)
def ownline_tag(text: str) -> str | None:
    """The speaker name when `text` is a tag on its own line (`Name:` or `NAME.`), else None.

    Memoised: a play opens thousands of paragraphs with the same few hundred tag lines.
    """
    line = text.rstrip()
    if len(line) < 2 or len(line) > 50 or line[-1] not in ":." or text[0].isspace():
        return None
    name = line[:-1].rstrip()
    if ":" in name or (line[-1] == "." and not name.isupper()):
        return None  # `Name.` in mixed case is a sentence ("Exit."), not a tag
    return clean_name(name) if loose_name(name) else None


def parse_ownline(lines: SourceLines, options: ParseOptions, source: str, drops) -> Iterator[Line]:
    """Lines of a play, speakers spelled as tagged (see the module doc)."""
    cast = CastList(drops)
    speaker: str | None = None  # who speaks in the open paragraph; None for a stage direction
    parts: list[str] | None = None  # the open paragraph's lines; None when none is open
    start, aside = 0, False  # where it opened; whether it is an indented or bracketed direction
    last_speaker = resume = None  # who spoke last; who resumes after an aside interrupted them
    tag_lines: set[str] = set()  # tag lines that opened a paragraph: only they may interrupt a speech
    blanks = 1  # blank lines before this one; the file starts as if after a blank line
    for lineno, text in lines:
        if not text or text.isspace():
            blanks += 1
            continue
        if not blanks and speaker is not None and text not in tag_lines and len(parts) < MAX_TURN_LINES:
            parts.append(text)  # the hot path, most lines of a play: one more line of a speech
            continue
        if parts is not None and (blanks or speaker is not None):
            # the paragraph ended, a known tag interrupts the speech, or the speech is too long
            line = _finish(speaker, parts, start, source, options, drops)
            if line is not None:
                yield line
            if speaker is not None or not aside:
                last_speaker = speaker
            resume = last_speaker if aside else None
            if blanks or text in tag_lines:
                speaker, parts = None, None
            else:
                parts, start = [], lineno
        if blanks >= 2:
            yield break_line("", lineno, source)
            last_speaker = resume = None
        before, blanks = blanks, 0
        if cast.swallows(text, before):
            continue
        if parts is not None:
            parts.append(text)
            continue
        speaker, parts, aside = _open(text, tag_lines, resume)
        start = lineno
        if parts is None:
            yield break_line(text, lineno, source)
            last_speaker = resume = None
    if parts is not None:
        line = _finish(speaker, parts, start, source, options, drops)
        if line is not None:
            yield line


def _open(text: str, tag_lines: set[str], resume: str | None) -> tuple[str | None, list[str] | None, bool]:
    """(speaker, lines so far, is an aside) for the paragraph `text` opens; lines None for a heading.

    An aside is an indented or bracketed stage direction (` Enter Romeo.`, `[_Exit._]`); a plain
    paragraph right after one continues the speech it interrupted (`resume`), as in Gutenberg's
    Shakespeare where directions stand between two halves of a speech.
    """
    name = ownline_tag(text)
    if name is not None:
        tag_lines.add(text)
        return name, [], False
    if HEADING.fullmatch(text):
        return None, None, False
    tagged = _TAG_AND_SPEECH.fullmatch(text)
    if tagged is not None and strict_name(tagged[1][:-1]):
        return ownline_tag(tagged[1]), [tagged[2]], False  # "ROMEO. Nurse, commend me to thy lady"
    if text[0].isspace() or text[0] == "[":
        return None, [text], True
    return resume, [text], False


def _finish(speaker: str | None, parts: list[str], start: int, source: str, options: ParseOptions,
            drops) -> Line | None:
    if speaker is None:
        return narration_line(parts, start, source, options.keep_stage_directions, "stage_direction", drops)
    return speech_line(speaker, parts, start, source, options, drops)
