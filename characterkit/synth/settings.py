"""Settings for `prepare synth` and `pair`: dataclasses that check themselves, so a bad flag fails
before any file is read or any LLM call is made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from characterkit import paths
from characterkit.errors import UserError, check_at_least, check_fraction
from characterkit.llm.base import LLMSettings, settings_dict
from characterkit.synth.filters import FilterSettings


@dataclass
class OutputSettings:
    """Where and how the dataset is written (shared by both commands).

    dataset: the name under datasets/; output_dir: write there instead. formats: export names
    (None: all). val_ratio: the share of pairs held out for validation, drawn with `seed`.
    keep_rejected: also write rejected.jsonl (every dropped completion and its reason).
    """

    dataset: str | None = None
    output_dir: str | None = None
    formats: list[str] | None = None
    val_ratio: float = 0.0
    seed: int = 0
    keep_rejected: bool = False

    def check(self, dataset_name: str) -> None:
        check_fraction(val_ratio=self.val_ratio)
        paths.safe_name(dataset_name, "dataset name")


@dataclass
class SynthSettings:
    """template -> generated completions -> filtered prompt/completion pairs in datasets/NAME/.

    sample: draw this many slot combinations (seeded by `seed`) instead of taking them all.
    journal: where finished requests are recorded (default datasets/.NAME.journal.jsonl); fresh:
    ignore and replace it. write_files: also write prompts/ID.txt and completions/ID.txt for the
    kept pairs, to review by hand and pair again with `characterkit pair`.
    """

    template: str
    llm: LLMSettings = field(default_factory=LLMSettings)
    sample: int | None = None
    filters: FilterSettings = field(default_factory=FilterSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    journal: str | None = None
    fresh: bool = False
    write_files: bool = False
    progress: bool = True

    def __post_init__(self):
        if not Path(self.template).is_file():
            raise UserError("no such template file" if not Path(self.template).exists() else "is not a regular file", path=self.template)
        if self.sample is not None:
            check_at_least(1, sample=self.sample)
        self.output.check(self.dataset_name)

    @property
    def dataset_name(self) -> str:
        return self.output.dataset or paths.slug(Path(self.template).stem)

    @property
    def folder(self) -> Path:
        return paths.dataset_folder(self.dataset_name, self.output.output_dir)

    @property
    def journal_path(self) -> Path:
        return paths.journal_path(self.folder, self.journal)

    def to_dict(self) -> dict:
        return settings_dict(self)


@dataclass
class PairSettings:
    """prompts_dir + completions_dir -> pairs matched by file name, filtered, in datasets/NAME/.

    character: whose voice the completions are; persona: the system prompt in the training files.
    strict: a completion without a prompt is an error instead of a listed warning.
    The dataset name defaults to the folder holding completions_dir ("stories" for stories/completions).
    """

    prompts_dir: str
    completions_dir: str
    character: str = "Assistant"
    persona: str = ""
    strict: bool = False
    filters: FilterSettings = field(default_factory=lambda: FilterSettings(min_chars=0))
    output: OutputSettings = field(default_factory=OutputSettings)

    def __post_init__(self):
        if self.filters.require_slots:
            raise UserError("--require-slot needs a template's slots; `pair` has none")
        if not self.character.strip():
            raise UserError("--character must not be empty")
        self.output.check(self.dataset_name)

    @property
    def dataset_name(self) -> str:
        return self.output.dataset or paths.slug(Path(self.completions_dir).resolve().parent.name or "pairs")

    @property
    def folder(self) -> Path:
        return paths.dataset_folder(self.dataset_name, self.output.output_dir)

    def to_dict(self) -> dict:
        return asdict(self)
