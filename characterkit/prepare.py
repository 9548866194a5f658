"""`prepare dialogue`: sources -> Lines -> Samples -> datasets/NAME/ (every export + report.json).

Two passes, one parse: the first parses every source, counts its speakers (to resolve --name,
choose the display spelling of each name and pick --all-speakers) and parks the Lines in a
temporary file (`parse.spool`); the second reads the Lines back, builds and writes the samples.
Nothing is held in memory but the context window, the duplicate digests and the counters.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from characterkit import atomic, paths
from characterkit.config import DialogueSettings
from characterkit.errors import UserError
from characterkit.records import SPEECH, Line, Sample
from characterkit.summary import counts_line
from characterkit.samples import Drop, DropCounter, SampleFilter, assign_split, build_samples, within_reach


def prepare_dialogue(settings: DialogueSettings) -> dict:
    """Write the dataset folder for `settings` atomically and return its report (also report.json)."""
    from characterkit.export import export_samples, get_exports, install_into_webui, relative_files
    from characterkit.memory.store import MEMORY_FILE, write_memory
    from characterkit.parse.spool import LineSpool

    started = time.perf_counter()
    get_exports(settings.formats)  # an unknown format name fails before any reading or writing
    settings.aliases = {**cast_aliases(settings.cast), **settings.aliases}  # so --name Lizzy finds Elizabeth
    with LineSpool() as spool:
        table, parsed, traits = _parse_sources(settings, spool)
        characters = _choose_characters(settings, table)
        personas = source_personas(settings, table, traits, characters)
        name = paths.safe_name(settings.dataset or characters[0], "dataset name")
        folder = paths.dataset_folder(name, settings.output_dir)
        paths.check_output_folder(folder)

        drops = DropCounter()
        for source in parsed:
            drops.update(source.drops)
        written, context = Counter(), Counter()  # context: turns of the kept samples' windows, by kind
        samples = _samples(settings, spool, table, personas, drops, written, context)
        export_notes = Counter()
        with atomic.replace_dir(folder) as tmp:
            exports = export_samples(samples, tmp, name, settings.formats, notes=export_notes,
                                     greetings=chosen_greetings(settings.greetings, characters))
            memory_lines = write_memory(tmp / "samples.jsonl", tmp / MEMORY_FILE)
            report = {
                "dataset": name,
                "kind": "dialogue",
                "characters": characters,
                "sources": [source.report() for source in parsed],
                "speakers": table.to_dict(),
                "samples": {"total": sum(written.values()), **_by_split_and_character(written)},
                "drops": drops.as_dict(),
                "context": dict(context),  # unattributed_speech: speech turns shown without a name (under the cut-off)
                "exports": relative_files(exports, tmp),
                "memory": {"file": MEMORY_FILE, "lines": memory_lines},
                "personas": personas,  # the system prompt of each character's samples
                "export_notes": dict(export_notes),  # e.g. opening_turn_added: replies that open a scene
                "settings": settings.to_dict(),
                "seconds": round(time.perf_counter() - started, 3),
            }
            if report["samples"]["total"] == 0:
                raise UserError(f"no samples were written for {', '.join(characters)}: every line was dropped "
                                f"({_drops_line(drops)}); try a smaller --min-words or --min-confidence")
            atomic.write_json(tmp / "report.json", report)
    if settings.into_webui:
        report["into_webui"] = [str(p) for p in install_into_webui(folder, settings.into_webui, name)]
    report["folder"] = str(folder)
    return report


def _parse_sources(settings: DialogueSettings, spool) -> tuple:
    """The first pass: each source parsed once into a section of `spool` (in order), its speakers
    counted. Returns the SpeakerTable and each source's ParsedSource (format, drops, report).

    With --name the characters are known by key before any counting (aliases included), so only
    the Lines within reach of their replies are spooled; --all-speakers needs every Line.
    """
    from characterkit.export.persona import count_traits
    from characterkit.parse import SpeakerTable, parse_source

    table = SpeakerTable(settings.aliases)
    for name in settings.names:
        table.prefer(name)
    named = {table.key(name) for name in settings.names}
    key = functools.cache(table.key)
    is_character = functools.cache(lambda spelled: key(spelled) in named)
    traits = {}  # speaker key -> SpeechTraits, for the personas written from the source
    wanted = (lambda k: True) if settings.all_speakers else named.__contains__
    parsed = []
    for path in settings.sources:
        source = parse_source(path, fmt=settings.format, aliases=settings.aliases, cast=settings.cast,
                              keep_narration=settings.keep_narration, strip_actions=settings.strip_actions,
                              keep_stage_directions=settings.keep_stage_directions)
        lines = source.scan(table)
        if settings.persona is None:
            lines = count_traits(lines, traits, key, wanted)
        spool.add(lines if settings.all_speakers else within_reach(lines, is_character, settings.rounds))
        parsed.append(source)
    return table, parsed, traits


def source_personas(settings: DialogueSettings, table, traits: dict, characters: list[str]) -> dict[str, str]:
    """{character: persona}: --persona for every character when given, else one written from the source
    (export.persona.describe: where the lines come from, whom the character talks to, how they speak)."""
    from characterkit.export.persona import describe

    if settings.persona is not None:
        return {name: settings.persona for name in characters}
    counted = {name: traits.get(table.key(name)) for name in characters}
    return {name: describe(name, settings.sources, c.renamed(table.readable)) if c else ""
            for name, c in counted.items()}


def _samples(settings: DialogueSettings, spool, speakers, personas: dict[str, str], drops: DropCounter,
             written: Counter, context: Counter) -> Iterator[Sample]:
    """The second pass: every kept sample of a character in `personas` (each with its persona) and its
    split, counting drops and writes as it goes."""
    keep = SampleFilter(min_words=settings.min_words)
    for section in range(len(spool)):  # one per source: the context window starts empty in each
        lines = _displayed(spool.read(section), speakers)
        for item in build_samples(lines, set(personas), settings.rounds, min_confidence=settings.min_confidence):
            reason = item.reason if isinstance(item, Drop) else keep.reason_to_drop(item)
            if reason:
                drops[reason] += 1
                continue
            item.persona = personas[item.character]
            item.split = assign_split(item.id, settings.val_ratio, settings.seed)
            written[(item.split, item.character)] += 1
            context["unattributed_speech"] += item.meta.get("unattributed_context", 0)
            yield item


def _displayed(lines: Iterator[Line], speakers) -> Iterator[Line]:
    """`lines` with each speaker under its readable name (the table now counts every source)."""
    names: dict[str, str] = {}
    for line in lines:
        if line.kind == SPEECH and line.speaker is not None:  # a novel's unattributed quote has none
            name = names.get(line.speaker)
            if name is None:
                name = names[line.speaker] = speakers.readable(line.speaker)
            line.speaker = name
        yield line


def chosen_greetings(given: list[str], characters: list[str]) -> dict[str, str]:
    """--greeting values as {character: line}: "NAME=LINE" for a named character, else the first one."""
    chosen = {}
    for value in given:
        name, sep, line = value.partition("=")
        match = next((c for c in characters if sep and c.lower() == name.strip().lower()), None)
        chosen[match or characters[0]] = (line if match else value).strip()
    return chosen


def cast_aliases(cast_file: str | None) -> dict[str, str]:
    """{alias: name} for every alias in a cast file ({} without one)."""
    if not cast_file:
        return {}
    from characterkit.parse.novel.cast import load_cast

    return {alias: person.name for person in load_cast(cast_file) for alias in person.aliases if alias != person.name}


def _choose_characters(settings: DialogueSettings, table) -> list[str]:
    if settings.all_speakers:
        chosen = [table.readable(name) for name, count in table.most_common() if count >= settings.min_lines]
        if not chosen:
            raise UserError(f"no speaker has {settings.min_lines} or more lines; lower --min-lines")
        return chosen
    return [table.readable(table.resolve(name)) for name in settings.names]


def _by_split_and_character(written: Counter) -> dict:
    by_split, by_character = Counter(), Counter()
    for (split, character), n in written.items():
        by_split[split] += n
        by_character[character] += n
    return {"by_split": dict(by_split), "by_character": dict(by_character.most_common())}


def _drops_line(drops: DropCounter) -> str:
    return ", ".join(f"{reason}: {n}" for reason, n in drops.as_dict().items()) or "no lines found"


def summary(report: dict) -> str:
    """A few lines for the terminal: where the dataset went, how many samples, what was dropped."""
    samples = report["samples"]
    lines = [f"wrote {samples['total']} samples ({counts_line(samples.get('by_split', {}))}) to {report['folder']}"]
    lines.append(f"characters: {counts_line(samples.get('by_character', {}))}")
    if report["drops"]:
        lines.append(f"dropped: {_drops_line(DropCounter(report['drops']))}")
    details = "; details in report.json" if report.get("report_json", True) else ""
    lines.append(f"exports: {', '.join(report['exports'])}{details}")
    for path in report.get("into_webui", []):
        lines.append(f"installed {path}")
    return "\n".join(lines)


def prepare_legacy(name: str, rounds: int, txtfilename: str, jsonfilename: str) -> dict:
    """What the legacy `prepare_dataset.py` did, done right: dataset.txt -> processed_dataset.json.

    Same inputs and output file, with the fixes (every input ends with the `Name:` cue, the prefix is
    removed exactly, context resets at scene breaks); no validation split, so every sample is in the file.
    """
    import os
    import tempfile

    target = Path(jsonfilename)
    if target.is_dir():
        raise UserError("output path is a folder, expected a JSON file name", path=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".prepare-", dir=target.parent) as tmp:
        settings = DialogueSettings(sources=[txtfilename], names=[name], rounds=rounds, val_ratio=0.0, persona="",
                                    formats=["processed_dataset"], output_dir=str(Path(tmp) / "out"))
        report = prepare_dialogue(settings)
        os.replace(Path(tmp) / "out" / "processed_dataset.json", target)
    # Only processed_dataset.json is kept: the summary names only what is on disk.
    report.update(folder=str(target), exports={"processed_dataset": [target.name]}, report_json=False)
    return report
