"""Transcripts -> Lines: speaker tags in three formats, found by name or detected.

    parse_source(path) -> ParsedSource   iterate it for Line(speaker, text, kind, source, lineno),
                                         or .scan(table) to count the speakers in the same read
    scan_speakers(paths) -> SpeakerTable the cheap first pass: who speaks, how often, how spelled
    FORMATS                              the parsers by name: inline, ownline, chatlog, novel

Every parser has the signature `parse(lines, options, source, drops) -> Iterator[Line]`: it reads
`(lineno, text)` pairs, yields speakers as spelled in the source, and counts what it drops by
reason in `drops` (a Counter). The functions here add detection, display names (case and aliases
merged, see `speakers.py`) and the rules every format shares: no BREAK before the first line or
twice in a row, and a UserError when a source has no speaker tags at all.

Only the standard library is imported on this path: `characterkit speakers` must start fast.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, is_dataclass
from itertools import chain, islice

from characterkit.errors import UserError
from characterkit.parse.chatlog import CHAT_LINE, parse_chatlog
from characterkit.parse.common import ParseOptions, SourceLines, is_blank
from characterkit.parse.inline import inline_tag, parse_inline
from characterkit.parse.novel import dialogue_line, parse_novel
from characterkit.parse.ownline import ownline_tag, parse_ownline
from characterkit.parse.speakers import Speaker, SpeakerTable, speaker_key
from characterkit.records import BREAK, DEFAULT_MIN_CONFIDENCE, SPEECH, Line

Parser = Callable[[SourceLines, ParseOptions, str, Counter], Iterator[Line]]

FORMATS: dict[str, Parser] = {
    "inline": parse_inline,
    "ownline": parse_ownline,
    "chatlog": parse_chatlog,
    "novel": parse_novel,  # quotations in prose, attributed to a cast (characterkit/parse/novel/)
}

# `detect_format` looks at this many non-blank lines from the top of a source, or up to
# MAX_DETECT_LINES lines when those hold almost no tag (a long introduction before a dialogue).
DETECT_LINES, MAX_DETECT_LINES = 400, 20_000
# Fewer tags than this in the first lines is too little to choose by (a novel's preface may hold
# one `NAME:` line and one quotation): detection then reads on to MAX_DETECT_LINES.
MIN_DETECT_TAGS = 10

__all__ = ["FORMATS", "DETECT_LINES", "ParseOptions", "ParsedSource", "Speaker", "SpeakerTable", "detect_format",
           "get_format", "parse_lines", "parse_source", "scan_speakers", "speaker_key"]


def get_format(name: str) -> Parser:
    """The parser registered as `name`; UserError listing the valid names otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UserError(f"unknown format {name!r}; choose one of: auto, {', '.join(FORMATS)}") from None


def detect_format(head: list[tuple[int, str]], source: str = "") -> str:
    """The format whose speaker tags are most frequent in `head` (the first lines of a source).

    Counts timestamped chat lines, inline `Name: text` lines, and tags alone on a line that open a
    paragraph and are followed by text. UserError naming `source` when none is found.
    """
    counts = _tag_counts(head)
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise _no_tags(source, "", where=f" in the first {len(head)} lines")
    return best


def _tag_counts(head: list[tuple[int, str]]) -> dict[str, int]:
    counts = {"chatlog": 0, "inline": 0, "ownline": 0, "novel": 0}  # ties go to the first
    previous_blank = True
    for (_, text), (_, following) in zip(head, [*head[1:], (0, "")]):
        if is_blank(text):
            previous_blank = True
            continue
        if CHAT_LINE.match(text):
            counts["chatlog"] += 1
        elif (tag := inline_tag(text)) is not None and tag[1]:
            counts["inline"] += 1
        elif previous_blank and not is_blank(following) and ownline_tag(text) is not None:
            counts["ownline"] += 1
        elif dialogue_line(text):  # prose with a quotation and a speech verb: a novel
            counts["novel"] += 1
        previous_blank = False
    return counts


def parse_lines(lines: SourceLines, fmt: str = "auto", *, source: str = "", options: ParseOptions | None = None,
                speakers: SpeakerTable | None = None, drops: Counter | None = None) -> Iterator[Line]:
    """Lines of one source given as `(lineno, text)` pairs (a generator; nothing is read until used).

    Speakers are shown as `speakers.display(name)` when a table is given, else in the first
    spelling seen (aliases applied). Drops are counted into `drops` when given.
    """
    options = options or ParseOptions()
    drops = drops if drops is not None else Counter()
    display = speakers.display if speakers is not None else _first_spelling(options.aliases)
    _, raw = _parse(lines, fmt, options, source, drops)
    yield from _finish(raw, display, source)


class ParsedSource:
    """The Lines of one file; iterate it (each iteration reads the file again, streaming).

    After an iteration: `format` is the format used, `drops` counts what was dropped by reason,
    `kinds` counts the lines yielded by kind, and `report()` sums it up for report.json.
    """

    def __init__(self, path: str | os.PathLike, fmt: str = "auto", options: ParseOptions | None = None,
                 speakers: SpeakerTable | None = None):
        if fmt != "auto":
            get_format(fmt)  # fail now, not on the first read
        self.path, self.fmt, self.options, self.speakers = str(path), fmt, options or ParseOptions(), speakers
        self.format: str | None = None if fmt == "auto" else fmt
        self.drops: Counter = Counter()
        self.kinds: Counter = Counter()
        self.reading: dict = {}

    def __iter__(self) -> Iterator[Line]:
        speakers = self.speakers
        if speakers is None:  # display spellings need whole-file counts: one cheap pass first
            speakers = scan_speakers(self.path, self.fmt, **vars(self.options))
        yield from self._read(speakers.display, _Tally())

    def scan(self, table: SpeakerTable) -> Iterator[Line]:
        """Iterate with speakers as spelled in the source, counting each speech into `table`.

        What `scan_speakers` and an iteration take two reads of the file for, in one: for a caller
        that keeps the Lines (prepare spools them) and spells names once every source is counted.
        Records the format and drops in `table` too, and fails as `scan_speakers` does.
        """
        tally = _Tally()
        yield from self._read(_as_spelled, tally, fmt_in_error=True)
        for spelling, lines in tally.spoken.items():  # in order of first appearance, as table.add expects
            table.add(spelling, self.path, tally.first_lineno[spelling], lines)
        table.formats[self.path] = self.format
        table.drops.update(self.drops)

    def _read(self, display: Callable[[str], str], tally: _Tally, fmt_in_error: bool = False) -> Iterator[Line]:
        text = _open(self.path)
        self.drops.clear()
        self.kinds = tally.kinds
        self.format, raw = _parse(text.lines(), self.fmt, self.options, self.path, self.drops)
        yield from _finish(raw, display, self.path, self.format if fmt_in_error else "", tally)
        self.reading = _as_dict(text.info)

    def report(self) -> dict:
        return {"path": self.path, "format": self.format, "lines": dict(sorted(self.kinds.items())),
                "drops": dict(sorted(self.drops.items())), "reading": self.reading}


def parse_source(path: str | os.PathLike, fmt: str = "auto", *, speakers: SpeakerTable | None = None,
                 **options) -> ParsedSource:
    """Parse one file: `fmt` is a name in FORMATS or "auto"; `options` are ParseOptions fields.

    Pass `speakers` (from `scan_speakers` over all the sources) so that names are spelled the same
    across files; without it the file is scanned once more to choose its own display spellings.
    """
    return ParsedSource(path, fmt, ParseOptions(**options), speakers)


def scan_speakers(sources: str | os.PathLike | Iterable, fmt: str = "auto", **options) -> SpeakerTable:
    """Count who speaks in `sources`: a path, a list of paths, or `(lineno, text)` pairs.

    `options` are ParseOptions fields (`aliases` merges names). The table also records the format
    of each source and the parse drops. UserError when a source has no speaker tags.
    """
    options = ParseOptions(**options)
    table = SpeakerTable(options.aliases)
    for source, lines in _each_source(sources):
        table.formats[source], raw = _parse(lines, fmt, options, source, table.drops)
        spoken = 0
        for line in raw:
            if line.kind == SPEECH and line.speaker is not None:  # a novel's unattributed quote has none
                table.add(line.speaker, source, line.lineno, kept=int(line.confidence >= DEFAULT_MIN_CONFIDENCE),
                          may_be=line.may_be)
                spoken += 1
        if not spoken:
            raise _no_tags(source, table.formats[source])
    return table


# --- the steps shared by the functions above --------------------------------------------------


def _parse(lines: SourceLines, fmt: str, options: ParseOptions, source: str,
           drops: Counter) -> tuple[str, Iterator[Line]]:
    """Read the head of `lines`, settle the format, and return it with the raw parser output."""
    lines = iter(lines)
    head = []
    nonblank = 0
    for item in lines:
        head.append(item)
        nonblank += not is_blank(item[1])
        if nonblank >= DETECT_LINES:
            break
    if fmt == "auto" and sum(_tag_counts(head).values()) < MIN_DETECT_TAGS:
        head += islice(lines, MAX_DETECT_LINES)  # a long preface: look further before deciding
    name = detect_format(head, source) if fmt == "auto" else fmt
    return name, get_format(name)(chain(head, lines), options, source, drops)


@dataclass
class _Tally:
    """What `_finish` counts of the Lines it passes on (counting there saves a layer per Line)."""

    kinds: Counter = field(default_factory=Counter)  # Lines by kind
    spoken: Counter = field(default_factory=Counter)  # speech Lines by speaker as spelled, first seen first
    first_lineno: dict[str, int] = field(default_factory=dict)  # spelling -> where it first spoke


def _finish(raw: Iterable[Line], display: Callable[[str], str], source: str, fmt: str = "",
            tally: _Tally | None = None) -> Iterator[Line]:
    """Display names for speakers; no BREAK first, last or twice in a row; UserError if nobody spoke
    (naming `fmt` as the format it was read as, when given). Counts what it yields into `tally`."""
    tally = tally or _Tally()
    kinds, spoken, first_lineno = tally.kinds, tally.spoken, tally.first_lineno
    names: dict[str, str] = {}
    pending_break: Line | None = None
    started = False
    for line in raw:
        if line.kind == BREAK:
            if started and (pending_break is None or not pending_break.text):
                pending_break = line
            continue
        if pending_break is not None:
            kinds[BREAK] += 1
            yield pending_break
            pending_break = None
        started = True
        kinds[line.kind] += 1
        if line.kind == SPEECH and line.speaker is not None:  # a novel's unattributed quote has none
            spelled = line.speaker
            name = names.get(spelled)
            if name is None:
                name = names[spelled] = display(spelled)
                first_lineno[spelled] = line.lineno
            spoken[spelled] += 1
            line.speaker = name
        yield line
    if not spoken:
        raise _no_tags(source, fmt)


def _as_spelled(name: str) -> str:
    return name


def _no_tags(source: str, fmt: str, where: str = "") -> UserError:
    parsed_as = f" (read as {fmt})" if fmt else ""
    return UserError(f"no speaker tags found{where}{parsed_as}; use --format {'|'.join(FORMATS)} to choose a parser",
                     path=source or None)


def _first_spelling(aliases: dict[str, str]) -> Callable[[str], str]:
    """A display function for one streaming pass: each speaker keeps the first spelling seen."""
    table = SpeakerTable(aliases)

    def display(name: str) -> str:
        if name not in table:
            table.add(name)
        return table.display(name)

    return display


def _each_source(sources) -> Iterator[tuple[str, SourceLines]]:
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    items = iter(sources)
    first = next(items, None)
    if isinstance(first, tuple):  # (lineno, text) pairs, not paths
        yield "", chain([first], items)
        return
    for path in chain([first], items) if first is not None else ():
        yield str(path), _open(path).lines()


def _open(path):
    from characterkit.io import open_source

    return open_source(path)


def _as_dict(info) -> dict:
    if is_dataclass(info):
        return asdict(info)
    return dict(info) if isinstance(info, dict) else {}
