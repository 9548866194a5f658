"""cp1252 as browsers and Windows read it: the five bytes cp1252 leaves unassigned (0x81, 0x8D,
0x8F, 0x90, 0x9D) are read as the latin-1 control characters of the same number instead of failing.

Used to decode legacy files (a stray byte never stops a file from being read) and to undo
mojibake, whose 0x9D (from '”' = E2 80 9D) survives as U+009D in this reading.
"""

from __future__ import annotations

import codecs

TABLE = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))
_ENCODING_MAP = codecs.charmap_build(TABLE)


class Decoder(codecs.IncrementalDecoder):
    """Incremental decoder for this cp1252; one byte per character, so it keeps no state."""

    def decode(self, data: bytes, final: bool = False) -> str:
        return codecs.charmap_decode(data, "strict", TABLE)[0]


def encode(text: str) -> bytes:
    """The bytes that decode to `text`; UnicodeEncodeError if a character has none."""
    return codecs.charmap_encode(text, "strict", _ENCODING_MAP)[0]
