"""Speaker names: one speaker per name up to case, aliases merged, shown in the most common spelling.

`DORA:` and `Dora:` are one speaker; with `aliases={"Jack": "John Worthing"}` the lines tagged
`JACK.` belong to John Worthing. The display spelling needs counts over whole files, so it comes
from a `SpeakerTable` filled by a first cheap pass (`characterkit.parse.scan_speakers`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field

from characterkit.errors import UserError, closest
from characterkit.parse.common import clean_name
from characterkit.records import DEFAULT_MIN_CONFIDENCE


def speaker_key(name: str) -> str:
    """The name a speaker is matched by: case-folded, single-spaced, one kind of apostrophe."""
    return " ".join(name.replace("’", "'").casefold().split())


@dataclass
class Speaker:
    """One speaker: lines counted, where it first spoke, and every spelling seen (with counts)."""

    key: str
    lines: int = 0
    kept: int = 0  # lines attributed at or above the cut-off (all of them, outside novels)
    source: str = ""
    first_lineno: int = 0
    spellings: Counter = field(default_factory=Counter)
    may_be: tuple[str, ...] = ()  # novels: whom the name may stand for (see records.Line)


class SpeakerTable:
    """Speakers of one or more sources, by key; the result of a first pass over the sources.

    `display(name)` gives the name to print for any spelling or alias (never fails);
    `resolve(name)` does the same for a name the user typed, and raises UserError with the
    closest names when nobody by that name speaks.
    """

    def __init__(self, aliases: dict[str, str] | None = None):
        aliases = aliases or {}
        self._alias_of = {speaker_key(a): speaker_key(n) for a, n in aliases.items()}
        self._alias_names = {speaker_key(n): clean_name(n) for n in aliases.values()}
        self._speakers: dict[str, Speaker] = {}
        self._names: dict[str, str] = {}  # key -> display spelling, cached until that speaker changes
        self._keys: dict[str, str] = {}  # spelling -> key: `add` runs once per line, with few spellings
        self._preferred: dict[str, str] = {}  # key -> the spelling the user typed (see `prefer`)
        self.drops: Counter = Counter()  # lines the parsers dropped, by reason
        self.formats: dict[str, str] = {}  # source -> the format it was parsed as

    def key(self, name: str) -> str:
        key = speaker_key(name)
        return self._alias_of.get(key, key)

    def add(self, name: str, source: str = "", lineno: int = 0, lines: int = 1, kept: int | None = None,
            may_be: tuple[str, ...] = ()) -> None:
        """Count `lines` lines spoken by `name` (as spelled in the source), the first at `lineno`;
        `kept` of them clear the confidence cut-off (default: all); `may_be`: see records.Line."""
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = self.key(name)
        speaker = self._speakers.get(key)
        if speaker is None:
            speaker = self._speakers[key] = Speaker(key, source=source, first_lineno=lineno)
        speaker.lines += lines
        speaker.kept += lines if kept is None else kept
        speaker.spellings[name] += lines
        if may_be and not speaker.may_be:
            speaker.may_be = tuple(may_be)
        self._names.pop(key, None)

    def display(self, name: str) -> str:
        """The display spelling of `name`: the alias target as given, else the most common spelling."""
        key = self.key(name)
        shown = self._names.get(key)
        if shown is None:
            speaker = self._speakers.get(key)
            # most_common keeps first-seen order among equal counts: ties go to the first spelling
            spelled = speaker.spellings.most_common(1)[0][0] if speaker else clean_name(name)
            shown = self._names[key] = self._alias_names.get(key) or spelled
        return shown

    def prefer(self, spelled: str) -> None:
        """Make `spelled` (a name the user typed) the name `readable` gives its speaker: `--name
        Algernon` names the dataset and the character Algernon, whatever case the source uses. A name
        typed all in one case is not a spelling; an alias keeps its target's spelling (the user
        chose that one too)."""
        key = self.key(spelled)
        # `--name mara` or `--name MARA` is typing, not a spelling: the source's Mara stays.
        if key == speaker_key(spelled) and not (spelled.islower() or spelled.isupper()):
            self._preferred[key] = clean_name(spelled)

    def readable(self, name: str) -> str:
        """The name to write into a dataset: the user's spelling (`prefer`), else the display spelling
        read as a name when the source shouts it (plays print ALGERNON; a dataset says Algernon)."""
        key = self.key(name)
        if key in self._preferred:
            return self._preferred[key]
        shown = self.display(name)
        if not _shouted(shown):
            return shown
        speaker = self._speakers.get(key)
        mixed = [s for s, _ in speaker.spellings.most_common() if not _shouted(s)] if speaker else []
        return clean_name(mixed[0]) if mixed else as_name(shown)

    def resolve(self, name: str) -> str:
        """The display name of a speaker the user named; UserError listing the closest names if none."""
        if name in self:
            return self.display(name)
        names = [self.display(s.key) for s in self]
        if not names:
            raise UserError(f"no speaker named {name!r}: no speakers were found")
        hint = ", ".join(closest(name, names))
        raise UserError(f"no speaker named {name!r}; closest: {hint} (see `characterkit speakers FILE`)")

    def __iter__(self):
        """Speakers, most lines first (ties in order of first appearance)."""
        return iter(sorted(self._speakers.values(), key=lambda s: -s.lines))

    def __len__(self) -> int:
        return len(self._speakers)

    def __contains__(self, name: str) -> bool:
        return self.key(name) in self._speakers

    def most_common(self) -> list[tuple[str, int]]:
        return [(self.display(s.key), s.lines) for s in self]

    def to_dict(self) -> dict[str, int]:
        """{display name: lines}, most lines first (for report.json)."""
        return dict(self.most_common())

    def rows(self) -> list[dict]:
        """One dict per speaker, most lines first: name, lines, kept, first_seen, spellings, and
        may_be (a novel's name the text leaves ambiguous) where there is one."""
        return [{"name": self.display(s.key), "lines": s.lines, "kept": s.kept, "first_seen": f"{s.source}:{s.first_lineno}" if s.source else f"line {s.first_lineno}",
                 "spellings": dict(s.spellings.most_common()), **({"may_be": list(s.may_be)} if s.may_be else {})}
                for s in self]

    def report(self) -> dict:
        """Everything the scan found, for `characterkit speakers --json`."""
        return {"speakers": self.rows(), "formats": self.formats, "drops": dict(sorted(self.drops.items()))}

    def format_table(self) -> str:
        """A plain-text table for the terminal: each source once with the format it was read as, then
        the speakers, where each first spoke given as a line number (with the file's name when there
        are several)."""
        names = {source: os.path.basename(source) or source for source in self.formats}
        several = len(names) > 1
        rows = [(self.display(s.key), str(s.lines), str(s.kept),
                 f"{names.get(s.source, s.source)}:{s.first_lineno}" if several and s.source else f"line {s.first_lineno}")
                for s in self]
        header = ("speaker", "lines", "kept", "first seen")  # kept: at or above the confidence cut-off
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        fmt = f"{{:<{widths[0]}}}  {{:>{widths[1]}}}  {{:>{widths[2]}}}  {{}}"
        sources = [f"{names[source]}: read as {fmt_name}" for source, fmt_name in self.formats.items()]
        unsure = [f"{name} may be {' or '.join(s.may_be)}: kept apart, since the text does not say which "
                  f"(to merge: --alias \"{name}=NAME\")" for s in self if s.may_be and (name := self.display(s.key))]
        legend = ([f"kept: the lines whose speaker is sure enough to train on (confidence at least {DEFAULT_MIN_CONFIDENCE},"
                   " prepare's --min-confidence): prepare keeps these as the character's replies"]
                  if any(s.kept != s.lines for s in self) else [])
        return "\n".join([*sources, *[fmt.format(*row) for row in [header, *rows]], *legend, *unsure])


# Titles too short to hold a vowel, still read as words: MR. PICKWICK -> Mr. Pickwick.
_TITLES = {"mr", "mrs", "ms", "dr", "st", "sr", "jr"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _shouted(name: str) -> bool:
    return name.isupper() and sum(c.isalpha() for c in name) > 2


def as_name(shouted: str) -> str:
    """An all-capitals name as a name: LADY BRACKNELL -> Lady Bracknell, O'BRIEN -> O'Brien. Words of
    fewer than three letters or with no vowel stay as they are, since they are more likely initials
    or acronyms (GM, NPC, JD) than names."""

    def word(m: re.Match) -> str:
        w = m.group()
        if w.casefold() in _TITLES or (len(w) > 2 and re.search(r"[AEIOUY]", w)):
            return w[0] + w[1:].lower()
        return w  # the O of O'BRIEN stays as it is; BRIEN is a word of its own

    return _WORD.sub(word, shouted)
