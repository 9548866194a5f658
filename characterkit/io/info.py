"""ReadInfo: what reading one source file found and changed (a section of report.json)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class ReadInfo:
    """What reading a file found and changed.

    encoding: 'utf-8', 'utf-16-le', 'utf-16-be', 'utf-32-le', 'utf-32-be' or 'cp1252'.
    bom: the file began with a byte order mark (not part of the text).
    line_ending: 'lf', 'crlf', 'cr' or 'mixed' ('lf' for a single unterminated line).
    mojibake_fixed: lines whose mojibake was repaired.
    gutenberg_header_lines / gutenberg_footer_lines: lines removed before / after the body.
    The last four are filled in as the lines stream and are complete once the stream is exhausted.
    """

    path: str
    encoding: str
    bom: bool = False
    line_ending: str = "lf"
    mojibake_fixed: int = 0
    gutenberg_header_lines: int = 0
    gutenberg_footer_lines: int = 0

    def to_dict(self) -> dict:
        return asdict(self)
