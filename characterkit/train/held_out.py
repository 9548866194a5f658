"""The source behind a dataset, parsed again: what `eval` needs beyond the character's own samples.

    source = SourceLines.from_dataset(folder)    # None when report.json names no readable source
    source.other_held_out(character, seed)       # the other speakers' held-out samples, built as prepare
                                                 # would build theirs (same window, same rendering, each
                                                 # with the persona prepare would write for them)
    source.speech(exclude=texts)                 # (speaker, text) of every speech line but `texts`
    source.passages(...)                         # speech and narration lines, for the yes/no test

prepare records its settings and sources in report.json; re-parsing with them gives the same Lines,
so the other speakers' samples have exactly the context the character's would have had. Their
held-out set is seeded (`assign_split`, as prepare splits), so every eval of a dataset uses the same.
"""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.errors import UserError
from characterkit.export.persona import SpeechTraits, count_traits, describe
from characterkit.records import NARRATION, SPEECH, Line, Sample
from characterkit.samples import Drop, SampleFilter, assign_split, build_samples

DEFAULT_VAL_RATIO = 0.1  # the others' held-out share when the dataset itself has none


@dataclass
class SourceLines:
    """Every Line of a dataset's sources (speakers named as in the dataset), with prepare's settings.

    all_kinds: the same sources parsed with narration and stage directions kept whatever prepare
    was told (the yes/no test needs the passages that are not dialogue).
    """

    lines: list[Line]
    all_kinds: list[Line]
    settings: dict
    sources: list[str] = field(default_factory=list)
    traits: dict[str, SpeechTraits] = field(default_factory=dict)  # speaker -> how they speak, whom they answer

    @classmethod
    def from_dataset(cls, folder: Path) -> "SourceLines | None":
        """None (the caller says so) when there is no report.json or it names no source on this machine."""
        report_path = folder / "report.json"
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as e:
            raise UserError(f"unreadable report ({e})", path=report_path) from None
        settings = report.get("settings") or {}
        sources = [s["path"] for s in report.get("sources", []) if Path(s.get("path", "")).is_file()]
        if report.get("kind", "dialogue") != "dialogue" or not sources:
            return None
        traits = {}
        return cls(lines=_parse(sources, settings, keep_all=False, traits=traits),
                   all_kinds=_parse(sources, settings, keep_all=True), settings=settings, sources=sources, traits=traits)

    def persona(self, speaker: str) -> str:
        """The persona prepare would write for `speaker`: from the source when the dataset's came from
        it, else none (a persona the user gave describes their character, not the others)."""
        if self.settings.get("persona") is not None or speaker not in self.traits:
            return ""
        return describe(speaker, self.sources, self.traits[speaker])

    def other_held_out(self, character: str, seed: int) -> tuple[list[Sample], Counter]:
        """Held-out samples of every speaker but `character`, and what was dropped (by reason)."""
        others = {line.speaker for line in self.lines if line.kind == SPEECH and line.speaker not in (None, character)}
        keep, drops = SampleFilter(min_words=int(self.settings.get("min_words", 1))), Counter()
        ratio = float(self.settings.get("val_ratio") or 0) or DEFAULT_VAL_RATIO
        held_out, persona = [], functools.cache(self.persona)  # describe() reads the sources' headers: once a speaker
        for item in build_samples(self.lines, others, int(self.settings.get("rounds", 5)),
                                  min_confidence=float(self.settings.get("min_confidence", 0.0))):
            reason = item.reason if isinstance(item, Drop) else keep.reason_to_drop(item)
            if reason:
                drops[reason] += 1
            elif assign_split(item.id, ratio, seed) == "val":
                item.split, item.persona = "val", persona(item.character)
                held_out.append(item)
        return held_out, drops

    def speech(self, exclude: set[str] = frozenset()) -> list[tuple[str, str]]:
        """(speaker, text) of the speech lines whose text is not in `exclude` (the held-out lines)."""
        return [(line.speaker, line.text) for line in self.lines
                if line.kind == SPEECH and line.speaker and line.text.strip() not in exclude]

    def passages(self, count: int, seed: int, min_words: int = 4, max_words: int = 60) -> list[tuple[str, bool]]:
        """About `count` passages, half speech (rendered `NAME: text`, answer True) and half narration
        or stage directions (answer False), seeded; fewer when the source has fewer."""
        fits = [line for line in self.all_kinds if min_words <= len(line.text.split()) <= max_words]
        speech = [(f"{line.speaker}: {line.text}", True) for line in fits if line.kind == SPEECH and line.speaker]
        narration = [(line.text, False) for line in fits if line.kind == NARRATION and not _shouted(line.text)]
        rng = random.Random(seed)
        half = min(count // 2, len(speech), len(narration))
        chosen = rng.sample(speech, half) + rng.sample(narration, half)
        rng.shuffle(chosen)
        return chosen


def _parse(sources: list[str], settings: dict, keep_all: bool, traits: dict | None = None) -> list[Line]:
    """The Lines of `sources` parsed with prepare's `settings`, speakers named as the dataset names them
    (the user's spelling of --name, a shouted play name read as a name: `SpeakerTable.readable`).
    With `traits`, every speaker's SpeechTraits are counted into it as prepare counts them."""
    from characterkit.parse import SpeakerTable, parse_source

    aliases = settings.get("aliases") or {}
    table = SpeakerTable(aliases)
    for name in settings.get("names") or []:
        table.prefer(name)
    lines: list[Line] = []
    by_key: dict[str, SpeechTraits] = {}
    for path in sources:
        source = parse_source(path, fmt=settings.get("format", "auto"), aliases=aliases, cast=settings.get("cast"),
                              keep_narration=keep_all or settings.get("keep_narration", True),
                              strip_actions=settings.get("strip_actions", False),
                              keep_stage_directions=keep_all or settings.get("keep_stage_directions", True))
        scanned = source.scan(table)
        lines.extend(scanned if traits is None else count_traits(scanned, by_key, table.key, lambda key: True))
    for line in lines:  # readable names need every source counted first, as in prepare
        if line.kind == SPEECH and line.speaker is not None:
            line.speaker = table.readable(line.speaker)
    for key, counted in by_key.items():
        traits[table.readable(key)] = counted.renamed(table.readable)
    return lines


def _shouted(text: str) -> bool:
    """True when the text opens with a word in capitals: in a play, a speech the parser did not take as one
    ("GWENDOLEN and CECILY [Speaking together.] ..."), in a novel a heading; neither is a sure "no"."""
    first = text.split(maxsplit=1)[0].strip(".,:;!?")
    return len(first) >= 2 and first.isupper()
