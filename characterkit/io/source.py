"""Opening a source file: the checks, the chosen encoding, and the stream of cleaned lines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

from characterkit.errors import UserError
from characterkit.io.decode import decoded_lines, sniff_encoding
from characterkit.io.gutenberg import strip_gutenberg
from characterkit.io.info import ReadInfo


@dataclass
class SourceText:
    """A text file ready to stream. Each `lines()` call reads the file afresh and refills `info`."""

    path: Path
    info: ReadInfo

    def lines(self) -> Iterator[tuple[int, str]]:
        """(lineno, text) per line: decoded, mojibake repaired, Gutenberg header/footer removed.

        lineno is the 1-based line in the original file; text has no line ending. Raises
        UserError at the end if no line had any text.
        """
        info = self.info
        info.mojibake_fixed = info.gutenberg_header_lines = info.gutenberg_footer_lines = 0
        stream = strip_gutenberg(decoded_lines(self.path, info), info)
        return _require_text(stream, self.path, info)


def open_source(path: str | os.PathLike) -> SourceText:
    """Check that `path` is a readable, non-empty text file and choose its encoding.

    Raises UserError naming the file when it is missing, a directory, empty or binary.
    """
    path = Path(path)
    if not path.exists():
        raise UserError("no such file", path=path)
    if path.is_dir():
        raise UserError("is a directory, not a text file", path=path)
    if not path.is_file():  # /dev/zero, a pipe: size 0 but not empty, and read more than once below
        raise UserError("is not a regular file (a device, pipe or socket); give a text file", path=path)
    if path.stat().st_size == 0:
        raise UserError("empty file", path=path)
    encoding, bom = sniff_encoding(path)
    return SourceText(path, ReadInfo(path=str(path), encoding=encoding, bom=bom))


def read_text(path: str | os.PathLike) -> tuple[str, ReadInfo]:
    """The whole cleaned text of `path`, lines joined with '\\n', and what reading it did.

    For callers that need the text at once (novels); everything else should stream `lines()`.
    """
    source = open_source(path)
    text = "\n".join(line for _, line in source.lines())
    return text, source.info


def _require_text(lines: Iterator[tuple[int, str]], path: Path, info: ReadInfo) -> Iterator[tuple[int, str]]:
    """Pass `lines` through; raise UserError at the end if none of them had any text."""
    # Once a line has text, the rest pass through chain.from_iterable at C speed, not line by line in Python.
    return chain.from_iterable(_checked_parts(iter(lines), path, info))


def _checked_parts(lines: Iterator[tuple[int, str]], path: Path,
                   info: ReadInfo) -> Iterator[Iterable[tuple[int, str]]]:
    for item in lines:
        yield (item,)
        if item[1].strip():
            yield lines
            return
    if info.gutenberg_header_lines or info.gutenberg_footer_lines:
        raise UserError("no text left after removing the Project Gutenberg header and licence", path=path)
    raise UserError("no text (the file is blank)", path=path)
