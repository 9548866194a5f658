"""Exports: one stream of Samples fanned out to every trainer's format, written as it streams.

    export_samples(samples, folder, "Mara", ["webui", "llama-factory"])
    -> {"samples": [.../samples.jsonl], "webui": [.../webui-chat.json, ...], "llama-factory": [...]}

Each format is a writer registered by name in `EXPORTS`:

    writer = Writer(folder, dataset_name)
    writer.write(view)          # once per sample, in stream order: view = render.Rendered(sample)
    files = writer.close()      # finish the files (close JSON arrays), return the paths written

Writers hold one row at a time (character cards keep a few lines per character), so a dataset of
millions of rows never sits in memory. Validation samples (`split == "val"`) go to `*.val.*`
siblings, created only when there are any. The canonical `samples.jsonl` (train and val rows, with
their `split`) is always written. `folder` is written directly: the caller builds it in a temporary
folder and renames it into place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from characterkit.errors import UserError, closest
from characterkit.export.cards import CharacterWriter
from characterkit.export.configs import write_configs
from characterkit.export.chat import HumanBotWriter, OpenAIWriter, PromptCompletionWriter, WebuiChatWriter
from characterkit.export.jsonfiles import JsonLinesFile
from characterkit.export.legacy import ProcessedDatasetWriter, WebuiLegacyWriter
from characterkit.export.llama_factory import LlamaFactoryWriter
from characterkit.export.render import Rendered, encode
from characterkit.export.webui_install import install_into_webui
from characterkit.records import Sample

EXPORTS = {
    writer.name: writer
    for writer in (ProcessedDatasetWriter, WebuiChatWriter, WebuiLegacyWriter, LlamaFactoryWriter, OpenAIWriter,
                   PromptCompletionWriter, HumanBotWriter, CharacterWriter)
}

__all__ = ["EXPORTS", "SamplesWriter", "export_samples", "get_exports", "install_into_webui",
           "relative_files"]


class SamplesWriter:
    """samples.jsonl: `Sample.to_dict()` per line, train and val together (what finetune reads)."""

    name = "samples"

    def __init__(self, folder: Path, dataset_name: str):
        self.file = JsonLinesFile(Path(folder) / "samples.jsonl")

    def write(self, view: Rendered) -> None:
        self.file.write(encode(view.sample.to_dict()))

    def close(self) -> list[Path]:
        self.file.close()
        return [self.file.path]


ALWAYS_WRITTEN = ("samples", "configs")


def get_exports(names: Iterable[str] | None) -> list[type]:
    """The writer classes for `names` in registry order; None or "all" means every export.

    Unknown names raise UserError listing the valid ones.
    """
    names = list(EXPORTS) if names is None else [n.strip() for n in names if n.strip()]
    # samples.jsonl and the trainer configs are always written (reports list them as "samples" and
    # "configs"), so naming them is accepted: every name a summary lists is a name --formats takes.
    names = [n for n in names if n not in ALWAYS_WRITTEN]
    if "all" in names:
        names = list(EXPORTS)
    for name in names:
        if name not in EXPORTS:
            hint = ", ".join(closest(name, EXPORTS, n=1))
            raise UserError(f"unknown export format {name!r} (did you mean {hint}?); "
                            f"choose from: {', '.join(EXPORTS)}, or all (samples and configs are always written)")
    return [EXPORTS[name] for name in EXPORTS if name in names]


def export_samples(samples: Iterable[Sample], folder, dataset_name: str,
                   formats: Iterable[str] | None = None, notes: Counter | None = None,
                   greetings: dict[str, str] | None = None) -> dict[str, list[Path]]:
    """Write `samples` once, in one pass, to samples.jsonl and every format in `formats`.

    Returns {format name: [paths written]}, "samples" first, then "configs" (trainer configs for the
    files written, see configs.py) when there are any. The number of samples per split is in
    samples.jsonl (and counted by the pipeline as it yields them); exports never drop a sample.
    notes: counts what the exports changed, by reason: "opening_turn_added" for each reply that
    opens a scene and was given render.OPENING_TURN as its user turn.
    greetings: the cards' greetings chosen by the user ({character: line}; key "" for the first character).
    """
    chosen = get_exports(formats)  # before any file is opened: a bad name fails cleanly
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writers = [SamplesWriter(folder, dataset_name)] + [cls(folder, dataset_name) for cls in chosen]
    for writer in writers:
        if isinstance(writer, CharacterWriter):
            writer.greetings = dict(greetings or {})
    notes = Counter() if notes is None else notes
    for sample in samples:
        view = Rendered(sample)  # the text the writers share, built once per sample
        notes["opening_turn_added"] += view.opens_scene
        for writer in writers:
            writer.write(view)
    exports = {writer.name: writer.close() for writer in writers}
    configs = write_configs(folder, dataset_name, exports)
    return {**exports, "configs": configs} if configs else exports


def relative_files(exports: dict, folder: str | Path) -> dict[str, list[str]]:
    """{name: [paths]} -> the same with paths relative to `folder` (how report.json lists them)."""
    return {name: [str(Path(f).relative_to(folder)) for f in files] for name, files in exports.items()}
