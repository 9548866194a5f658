"""What every transcript format shares: options, name tests, headings, cast lists, actions, and
turning a finished turn into a Line (counting it as a drop when nothing is kept).

Parsing runs once per source line, so the regexes are compiled once at import, and the tests that
see the same strings again and again (tag lines, paragraph openers) are memoised by their callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from characterkit.errors import UserError
from characterkit.records import BREAK, NARRATION, SPEECH, Line

# (lineno, text) pairs as `characterkit.io.SourceText.lines()` yields them: 1-based, no line ending.
SourceLines = Iterable[tuple[int, str]]


@dataclass
class ParseOptions:
    """How much of a transcript besides the speech is kept.

    keep_narration: untagged lines of inline files and system lines of chat logs become NARRATION
        lines (else they are dropped and counted as `narration` / `system_message`).
    keep_stage_directions: untagged paragraphs of plays (`[Enter Lane.]`, ` Exit.`, scene
        descriptions) become NARRATION lines (else dropped, counted as `stage_direction`).
    strip_actions: remove `(actions)`, `*actions*` and `[actions]` from speech; a line left empty
        is dropped and counted as `empty_after_strip_actions`.
    aliases: {"Jack": "John Worthing"} merges the name on the left into the one on the right.
    new_day_breaks: chat logs only: a change of date starts a new conversation (a BREAK).
    cast: novels only: a cast file (YAML: name, aliases, gender) used instead of the discovered cast.
    """

    keep_narration: bool = True
    keep_stage_directions: bool = True
    strip_actions: bool = False
    aliases: dict[str, str] = field(default_factory=dict)
    new_day_breaks: bool = True
    cast: str | None = None

    def __post_init__(self):
        for alias, name in self.aliases.items():
            if not str(alias).strip() or not str(name).strip():
                raise UserError(f"an alias needs a name on both sides, got {alias!r} -> {name!r}")


# --- names ------------------------------------------------------------------------------------

# Lower-case words allowed inside a name: "Duke of York", "Senators, &C", "Ludwig van Beethoven".
_NAME_PARTICLES = {"of", "the", "de", "da", "di", "du", "del", "van", "von", "der", "den", "la", "le",
                   "and", "&", "&c", "&c.", "y", "bin", "al", "st.", "mac"}
# Labels that look like names but never speak (front matter, headers); lists of persons and
# headings are caught by CAST_HEADING and HEADING below.
_NOT_NAMES = {"note", "notes", "scene", "setting", "time", "place", "date", "title", "author", "translator",
              "editor", "summary", "example", "warning", "source", "release date", "posting date", "language",
              "credits", "transcript"}
# Characters no speaker tag contains: sentence and markup punctuation, URL and mail syntax.
_BAD_NAME_CHARS = re.compile(r"[^\w\s.'’\-,&]|_")
_URL_SCHEMES = {"http", "https", "ftp", "mailto", "file", "www"}


def _capitalised(word: str) -> bool:
    # Uncased scripts (CJK, Arabic...) have no capitals, so "not lower-case" is the test.
    return word[0].isalpha() and not word[0].islower()


def strict_name(name: str) -> bool:
    """True if `name` can be a speaker tag inside running text (inline `Name: line`).

    Short (1-5 words, <= 40 characters), every word capitalised except particles and numbers
    ("Mr. Pickwick", "Duke of York", "Guard 2", "小明"), no URL scheme, not a label or a heading.
    """
    words = name.split()
    if not words or len(words) > 5 or len(name) > 40 or _BAD_NAME_CHARS.search(name):
        return False
    if not _capitalised(words[0]):
        return False
    for word in words[1:]:
        if not (_capitalised(word) or word.lower() in _NAME_PARTICLES or word.isdigit()):
            return False
    return _not_a_label(name)


def loose_name(name: str) -> bool:
    """True if `name` can be a tag standing alone on its line (plays): the line's position is most
    of the evidence, so lower-case words are allowed ("Second murderer", "Ghost of young Princes")."""
    words = name.split()
    if not words or len(words) > 6 or len(name) > 48 or _BAD_NAME_CHARS.search(name):
        return False
    # No label list here: in a play "Time:" alone on a line is Time speaking (The Winter's Tale).
    return _capitalised(words[0]) and not _heading(name)


def _not_a_label(name: str) -> bool:
    lowered = name.lower()
    return lowered not in _NOT_NAMES and lowered not in _URL_SCHEMES and not _heading(name)


def _heading(name: str) -> bool:
    return bool(HEADING.fullmatch(name) or CAST_HEADING.fullmatch(name))


def clean_name(name: str) -> str:
    """The tag as written, minus stray spaces: "LADY  CAPULET" -> "LADY CAPULET"."""
    return " ".join(name.split())


# --- headings, breaks, front matter ----------------------------------------------------------

_NUMBER = r"(?:[IVXLCDM]+|\d+)"
# Scene breaks. Upper-case keywords may stand alone ("SCENE", "ACT DROP"); title-case ones need a
# number ("Scene II.") so that a speech line like "Act well your part" is never a heading.
HEADING = re.compile(
    r"\s*(?:"
    rf"(?:ACT|SCENE|CHAPTER|PART)(?:\s+{_NUMBER}|\s+DROP)?(?:[.:]\s*.*)?"
    rf"|(?:Act|Scene|Chapter|Part)\s+{_NUMBER}(?:[.:]\s*.*)?"
    r"|(?:FIRST|SECOND|THIRD|FOURTH|FIFTH|LAST)\s+(?:ACT|SCENE|PART)\.?"
    r"|(?:THE\s+)?(?:PROLOGUE|EPILOGUE|END)\.?"
    r"|(?:[*\-=~#_•]\s*){3,}"
    r")\s*"
)
# A heading that opens a list of people (or a table of contents): nothing in it is speech.
CAST_HEADING = re.compile(
    r"\s*(?:the\s+)?(?:dramatis\s+person\w*|persons\s+(?:in|of)\s+the\s+(?:play|dialogue|drama)"
    r"|persons\s+represented|characters(?:\s+in\s+the\s+play)?|cast(?:\s+of\s+characters)?"
    r"|(?:table\s+of\s+)?contents)[.:]?\s*",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def is_cast_heading(text: str) -> bool:
    """Memoised: it is asked of every paragraph's first line, and in a play most of those repeat."""
    return CAST_HEADING.fullmatch(text) is not None


# A cast list ends at the next run of blank lines; this many lines without one end it anyway.
MAX_CAST_LINES = 300


# --- actions ----------------------------------------------------------------------------------

# Gutenberg marks italics as _word_ (and sometimes bold as =word=), as chat logs' markdown does: the
# marks are not text.
_ITALICS = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])|(?<![\w=])=(?=\S)([^=\n]*?\S)=(?![\w=])")


def plain(words: str) -> str:
    """Words without Gutenberg's markup: '_did_ say' -> 'did say', '[_Exit._]' -> '[Exit.]'."""
    return _ITALICS.sub(lambda m: m.group(1) or m.group(2), words) if "_" in words or "=" in words else words


_ACTION = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\]|\*[^*]+\*)\s*")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


def strip_actions(text: str) -> str:
    """Remove `(sighs)`, `*laughs*` and `[Takes plate.]`, leaving single spaces: "Oh (sighs) well" -> "Oh well"."""
    if "(" not in text and "[" not in text and "*" not in text:
        return text
    text = _ACTION.sub(" ", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))


# --- turns ------------------------------------------------------------------------------------

# A turn longer than this many source lines is emitted in pieces, so a file without blank lines
# (or a malformed one) never has to sit in memory whole.
MAX_TURN_LINES = 2000


def is_blank(text: str) -> bool:
    return not text or text.isspace()


class CastList:
    """Skips a list of persons (or a table of contents) so that none of it becomes speech.

    The list starts at a heading like "Dramatis Personae", "THE PERSONS IN THE PLAY" or "Contents"
    alone on its line and ends at the next run of 2+ blank lines (or after MAX_CAST_LINES lines).
    """

    def __init__(self, drops):
        self.drops = drops
        self.lines_left = 0

    def swallows(self, text: str, blanks_before: int) -> bool:
        """True if this non-blank line belongs to a list (and was counted as `cast_list`).

        `blanks_before`: blank lines just before this one (0 inside a paragraph); a list heading
        counts only at the start of a paragraph, which keeps the regex off most lines.
        """
        if self.lines_left and blanks_before >= 2:
            self.lines_left = 0
        if not self.lines_left:
            if not (blanks_before and is_cast_heading(text)):
                return False
            self.lines_left = MAX_CAST_LINES + 1
        self.lines_left -= 1
        self.drops["cast_list"] += 1
        return True


def speech_line(speaker: str, parts: list[str], lineno: int, source: str, options: ParseOptions,
                drops) -> Line | None:
    """The SPEECH line for a finished turn, or None (counted) when nothing is left to say.

    `parts` are the turn's source lines, stripped and joined here with single spaces."""
    text = _joined(parts)
    if not text:
        drops["empty_speech"] += 1
        return None
    if options.strip_actions:
        text = strip_actions(text)
        if not text:
            drops["empty_after_strip_actions"] += 1
            return None
    return Line(speaker, text, SPEECH, source, lineno)


def narration_line(parts: list[str], lineno: int, source: str, keep: bool, reason: str, drops) -> Line | None:
    """A NARRATION line when `keep`, else None and one more drop under `reason`."""
    if not keep:
        drops[reason] += 1
        return None
    return Line(None, _joined(parts), NARRATION, source, lineno)


def _joined(parts: list[str]) -> str:
    """The lines of a turn stripped and joined with single spaces (lines with no text left out), plain."""
    text = parts[0].strip() if len(parts) == 1 else " ".join(filter(None, map(str.strip, parts)))
    return plain(text)


def break_line(text: str, lineno: int, source: str) -> Line:
    return Line(None, text.strip(), BREAK, source, lineno)
