"""Bytes to lines: choosing the encoding, decoding in chunks, splitting on any line ending.

Nothing here holds a whole file: the encoding is chosen from a BOM, the NUL-byte pattern of the
first 64 KiB, or one pass that checks the file is valid UTF-8 chunk by chunk; the text is then
decoded by an incremental decoder over 1 MiB reads and cut into lines as it goes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from characterkit.errors import UserError
from characterkit.io import cp1252
from characterkit.io.info import ReadInfo
from characterkit.io.mojibake import looks_garbled, repair_lines

CHUNK_BYTES = 1 << 20
SNIFF_BYTES = 1 << 16

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
BOMS = {
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}

# Bytes that never appear in text: C0 controls other than tab, newlines, form feed and escape.
_CONTROL_BYTES = bytes(b for b in [*range(0x20), 0x7F] if b not in b"\t\n\v\f\r\x1b")
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
MAX_CONTROL_SHARE = 0.1  # real text has next to none; a few per cent already means "not text"


def sniff_encoding(path: Path) -> tuple[str, bool]:
    """(encoding, has_bom) for the file at `path`; raises UserError when it is not text.

    A BOM decides; else NUL bytes mean UTF-16 when they fall on every other byte (ASCII text in
    UTF-16 without a BOM) and a binary file otherwise; else UTF-8 when the whole file decodes as
    UTF-8, cp1252 when it does not.
    """
    with _open_binary(path) as f:
        head = f.read(SNIFF_BYTES)
        for encoding, bom in BOMS.items():
            if head.startswith(bom):
                return encoding, True
        if b"\0" in head:
            encoding = _utf16_by_nul_pattern(head)
            if encoding is None:
                raise UserError("looks like a binary file (it has NUL bytes), not text", path=path)
            return encoding, False
        controls = len(head.translate(None, _NOT_CONTROL_BYTES))
        if controls > MAX_CONTROL_SHARE * len(head):
            message = f"looks like a binary file ({controls} control bytes in the first {len(head)}), not text"
            raise UserError(message, path=path)
        f.seek(0)
        return ("utf-8" if _is_utf8(f) else "cp1252"), False


def _utf16_by_nul_pattern(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit on the odd/even bytes only (ASCII-range text), else None."""
    pairs = len(head) // 2
    even_nuls, odd_nuls = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd_nuls > 0.3 * pairs and even_nuls < 0.05 * pairs:
        return "utf-16-le"
    if even_nuls > 0.3 * pairs and odd_nuls < 0.05 * pairs:
        return "utf-16-be"
    return None


def _is_utf8(f: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := f.read(CHUNK_BYTES):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue  # ASCII (most reads of most files) is UTF-8: no need to decode it
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class LineEndings:
    """How many lines ended in each way; `label` names the file's style for ReadInfo."""

    lf: int = 0
    crlf: int = 0
    cr: int = 0

    def normalize(self, text: str) -> str:
        """`text` with every '\\r\\n' and '\\r' made '\\n', counting each kind on the way."""
        if "\r" not in text:
            self.lf += text.count("\n")
            return text
        crlf = text.count("\r\n")
        self.crlf += crlf
        self.cr += text.count("\r") - crlf
        self.lf += text.count("\n") - crlf
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def label(self) -> str:
        """'lf', 'crlf', 'cr', or 'mixed'; 'lf' too for a single line with no ending at all."""
        seen = [name for name, n in (("lf", self.lf), ("crlf", self.crlf), ("cr", self.cr)) if n]
        if len(seen) > 1:
            return "mixed"
        return seen[0] if seen else "lf"


def decoded_lines(path: Path, info: ReadInfo) -> Iterator[tuple[int, str]]:
    """(lineno, text) for every line of the file, decoded as `info.encoding`, mojibake repaired.

    lineno counts '\\n', '\\r\\n' and '\\r' endings from 1, as editors do (not the other breaks
    str.splitlines knows). Updates `info.line_ending` and `info.mojibake_fixed` as it goes.
    """
    # chain.from_iterable hands out each read's lines at C speed: Python code runs per read, not per line.
    return chain.from_iterable(_numbered_reads(path, info))


def _numbered_reads(path: Path, info: ReadInfo) -> Iterator[Iterable[tuple[int, str]]]:
    """The (lineno, text) pairs of `decoded_lines`, one read's worth at a time."""
    endings = LineEndings()
    partial: list[str] = []  # pieces of the line whose ending has not been read yet
    lineno = 0
    with _open_binary(path) as f:
        if info.bom:
            f.seek(len(BOMS[info.encoding]))
        for text in _decoded_chunks(f, _decoder(info.encoding)):
            text = endings.normalize(text)
            if "\n" not in text:
                partial.append(text)
                continue
            lines = text.split("\n")
            if partial:
                lines[0] = "".join(partial) + lines[0]
            partial = [lines.pop()]
            if looks_garbled(text) or looks_garbled(lines[0]):  # lines[0] may begin in earlier reads
                info.mojibake_fixed += repair_lines(lines)
            info.line_ending = endings.label()
            yield enumerate(lines, lineno + 1)
            lineno += len(lines)
    info.line_ending = endings.label()
    last = ["".join(partial)]
    if last[0]:  # the file does not end with a line ending
        info.mojibake_fixed += repair_lines(last)
        yield [(lineno + 1, last[0])]


def _decoded_chunks(f: BinaryIO, decoder: codecs.IncrementalDecoder) -> Iterator[str]:
    """The decoded text in pieces; a piece never ends in a '\\r' that may be half of a '\\r\\n'."""
    held = ""
    while chunk := f.read(CHUNK_BYTES):
        text = held + decoder.decode(chunk)
        held = "\r" if text.endswith("\r") else ""
        yield text[:-1] if held else text
    yield held + decoder.decode(b"", final=True)


def _decoder(encoding: str) -> codecs.IncrementalDecoder:
    if encoding == "cp1252":
        return cp1252.Decoder()
    # The pre-scan showed UTF-8 valid; 'replace' only matters if the file changes underneath us
    # or UTF-16 holds a lone surrogate.
    return codecs.getincrementaldecoder(encoding)(errors="replace")


def _open_binary(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as e:
        raise UserError(f"cannot read: {e.strerror}", path=path) from None
