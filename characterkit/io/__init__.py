"""Reading sources: bytes on disk to clean lines, streamed.

    open_source(path) -> SourceText     .lines() yields (lineno, text); .info is a ReadInfo
    read_text(path) -> (text, ReadInfo) the whole cleaned text, for novels

Reading chooses the encoding (BOM, UTF-16 by NUL pattern, UTF-8, else cp1252), accepts LF, CRLF
and CR endings, repairs mojibake with ftfy (only on lines that look garbled), and removes the
Project Gutenberg header, credits, licence and footer. A 100 MB transcript is never held whole.

    decode.py     encodings and line splitting
    mojibake.py   the cheap garble test and the ftfy repair
    gutenberg.py  header/footer policy
    cp1252.py     cp1252 as browsers read it (no byte is undecodable)
    info.py       ReadInfo, the report of what reading did
    source.py     open_source, read_text
"""

from characterkit.io.info import ReadInfo
from characterkit.io.source import SourceText, open_source, read_text

__all__ = ["ReadInfo", "SourceText", "open_source", "read_text"]
