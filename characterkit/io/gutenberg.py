"""Removing the Project Gutenberg header, credits, licence and footer from a stream of lines.

The policy, line-based and streaming (only the first HEAD_LINES lines are ever held):

- Header: everything up to the last START marker among the first HEAD_LINES lines. START markers
  are ``*** START OF THE/THIS PROJECT GUTENBERG EBOOK ...`` in all its spellings (2002 comma,
  ``***START`` without spaces, the 2025 form) and, for 1990s Etexts that have no such line,
  ``*END*THE SMALL PRINT! ...`` that closes the licence printed at the top.
  ``*** START: FULL LICENSE ***`` and ``***START**THE SMALL PRINT!**`` are not START markers.
- Credits: if the first paragraph after the marker is a credit ("Produced by ...", "E-text
  prepared by ...", "This Etext was prepared by ...", "Transcribed from ..."), it goes too.
- Footer: from the first line that says ``End of (the|this) Project Gutenberg ...`` (with or without
  leading asterisks, so the ``*** END OF ...`` marker too) or ``*** START: FULL LICENSE ***`` to
  the end of the file. Only looked for in files that show a START marker or name Project
  Gutenberg near the top, so other texts are never cut short.

A file with no markers passes through unchanged. Line numbers are those of the original file.

Compared with c-w/gutenberg's ``strip_headers`` (the ``clean/`` goldens), this keeps transcriber's
and editor's notes that follow the credits (c-w drops a paragraph ending in "this Project
Gutenberg edition.") and does not trim blank lines; the body's text lines are otherwise the same.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable, Iterator

from characterkit.io.info import ReadInfo

HEAD_LINES = 1000  # 1990s Etexts end their top licence near line 250; modern headers by line 40

_START = re.compile(
    r"[\s*]*(start of (the |this )?(copyrighted )?project gutenberg|end\*?\s*the small print)", re.IGNORECASE
)
_FOOTER = re.compile(r"[\s*]*(end of (the |this )?project gutenberg|start: full license)", re.IGNORECASE)
_CREDIT = re.compile(
    r"\s*(produced by|e-?text prepared by|transcribed (from|by)"
    r"|this (project gutenberg )?e-?(text|book) was (prepared|produced) by)",
    re.IGNORECASE,
)


def strip_gutenberg(lines: Iterator[tuple[int, str]], info: ReadInfo) -> Iterator[tuple[int, str]]:
    """`lines` without the Project Gutenberg header and footer (see the module docstring).

    Sets `info.gutenberg_header_lines` once the head is read and `info.gutenberg_footer_lines`
    when the stream ends; both stay 0 for a file with no markers.
    """
    # A file without markers passes through chain.from_iterable at C speed, not line by line in Python.
    return itertools.chain.from_iterable(_parts(iter(lines), info))


def _parts(lines: Iterator[tuple[int, str]], info: ReadInfo) -> Iterator[Iterable[tuple[int, str]]]:
    """The stripped stream in parts: the head and the rest as they are, or the body up to the footer."""
    head = list(itertools.islice(lines, HEAD_LINES))
    body_start = _body_start(head)
    if body_start == 0 and not any("project gutenberg" in text.lower() for _, text in head):
        yield head
        yield lines
        return
    info.gutenberg_header_lines = body_start
    yield _until_footer(itertools.chain(head[body_start:], lines), info)


def _until_footer(body: Iterator[tuple[int, str]], info: ReadInfo) -> Iterator[tuple[int, str]]:
    for lineno, text in body:
        if _FOOTER.match(text):
            info.gutenberg_footer_lines = 1 + sum(1 for _ in body)
            return
        yield lineno, text


def _body_start(head: list[tuple[int, str]]) -> int:
    """Index in `head` of the first body line: after the last START marker and its credits; 0 if none."""
    start = None
    for i, (_, text) in enumerate(head):
        if _FOOTER.match(text):  # a short book: its END marker is already in the head
            break
        if _START.match(text):
            start = i + 1
    if start is None:
        return 0
    return _after_credits(head, start)


def _after_credits(head: list[tuple[int, str]], start: int) -> int:
    """`start`, or the index just past the credit paragraph when one is the first paragraph there."""
    first = start
    while first < len(head) and not head[first][1].strip():
        first += 1
    if first == len(head) or not _CREDIT.match(head[first][1]):
        return start
    end = first
    while end < len(head) and head[end][1].strip():
        end += 1
    return end
