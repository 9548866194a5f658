"""Parsed Lines parked on disk, so that a second pass over the sources need not parse them again.

`prepare dialogue` needs every speaker counted before it can spell a name or choose the characters,
and it must not hold the input in memory. Parsing is most of the cost of a pass (a play has ten
source lines or more per Line), so prepare parses each source once into a LineSpool and reads the
Lines back from it for the second pass.

    with LineSpool() as spool:
        section = spool.add(parsed_lines)     # one section per source
        for line in spool.read(section): ...

The Lines go to an anonymous temporary file (about the size of their text) as pickled batches of
tuples, which pickle ten times faster than dataclasses; memory holds one batch.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import fields
from operator import attrgetter

from characterkit.records import Line

BATCH_LINES = 4096
_line_values = attrgetter(*(f.name for f in fields(Line)))  # every field, in the order Line(...) takes them


class LineSpool:
    """Lines written in sections (one per source) to a temporary file that is deleted on close.

    Sections are read back one at a time (they share the file's position).
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="characterkit-lines-")
        self._sections: list[tuple[int, int]] = []  # (start, end) offset of each section

    def add(self, lines: Iterable[Line]) -> int:
        """Write `lines` (consuming them) as a new section at the end; return the section's number."""
        start = self._file.seek(0, os.SEEK_END)  # a read may have left the position elsewhere
        batch = []
        for line in lines:
            batch.append(_line_values(line))
            if len(batch) == BATCH_LINES:
                pickle.dump(batch, self._file, pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, self._file, pickle.HIGHEST_PROTOCOL)
        self._sections.append((start, self._file.tell()))
        return len(self._sections) - 1

    def read(self, section: int) -> Iterator[Line]:
        """The Lines of `section`, in the order they were added (new Line objects)."""
        start, end = self._sections[section]
        self._file.seek(start)
        while self._file.tell() < end:
            batch = pickle.load(self._file)
            for values in batch:
                yield Line(*values)

    def __len__(self) -> int:
        """The number of sections."""
        return len(self._sections)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LineSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
