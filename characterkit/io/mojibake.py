"""Repairing mojibake (UTF-8 text that was once decoded as cp1252/latin-1, e.g. ``wouldnâ€™t``).

Repair is slow, so only lines that fail a cheap test are tried: mojibake of UTF-8 always shows a
lead byte read as a letter (U+00C2..U+00F4) followed by what was a continuation byte (0x80..0xBF
read as cp1252 or latin-1). Clean text almost never has that pair, so nearly every line skips it.
A suspect line is first re-read as the UTF-8 it was (the common, exact case); ftfy handles the rest.
"""

from __future__ import annotations

import functools

import regex

from characterkit.io import cp1252


def _continuation_chars() -> str:
    """Every character a UTF-8 continuation byte (0x80..0xBF) becomes when misread as cp1252 or latin-1."""
    continuation = bytes(range(0x80, 0xC0))
    return "".join(sorted(set(cp1252.TABLE[b] for b in continuation) | set(continuation.decode("latin-1"))))


_SUSPECT = regex.compile("[\u00c2-\u00f4][" + "".join(map(regex.escape, _continuation_chars())) + "]")


def looks_garbled(text: str) -> bool:
    """True when `text` may hold mojibake (cheap; false positives only cost an ftfy call)."""
    return not text.isascii() and _SUSPECT.search(text) is not None


def repair(line: str) -> str:
    """`line` with mojibake undone; curly quotes, HTML entities, ligatures and widths left alone.

    Only ftfy's encoding fixes are on: its other defaults (uncurl quotes, unescape HTML, NFC,
    fold ligatures and full-width letters, turn U+2028 into a line break) would change text that
    was never broken, and only on the lines that happened to be checked.
    """
    quick = _reread_as_utf8(line)
    if quick is not None and not looks_garbled(quick):
        return quick
    import ftfy  # here, so that reading clean text never imports it

    return ftfy.fix_text(line, _ftfy_config())


@functools.cache
def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def _reread_as_utf8(line: str) -> str | None:
    """`line` as the UTF-8 it was before a cp1252 decode garbled it, or None if it cannot be.

    The usual case (a whole UTF-8 file read once as cp1252) needs only this exact inverse, which
    is a thousand times faster than ftfy; anything else (double encoding, lost bytes, garbled and
    clean text on one line) fails here and goes to ftfy.
    """
    try:
        return cp1252.encode(line).decode("utf-8")
    except UnicodeError:
        return None


def repair_lines(lines: list[str]) -> int:
    """Repair the garbled lines of `lines` in place; return how many changed."""
    fixed = 0
    for i, line in enumerate(lines):
        if looks_garbled(line):
            repaired = repair(line)
            if repaired != line:
                lines[i] = repaired
                fixed += 1
    return fixed
