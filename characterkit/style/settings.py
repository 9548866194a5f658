"""`prepare style` settings: a dataclass that checks itself, so a bad flag fails before any LLM call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from characterkit import paths
from characterkit.errors import UserError, check_at_least, check_at_most, check_fraction
from characterkit.llm.base import LLMSettings, settings_dict
from characterkit.style.validate import ValidationRules


@dataclass
class StyleSettings:
    """novel -> "rephrase in the style of AUTHOR" pairs in datasets/NAME/.

    Passages: min_words / max_words bound a passage; beats > 0 merges short paragraphs into passages
    of about that many words (never across chapters); limit keeps only the first N passages.
    Paraphrasing: template is a preset name or a YAML file; max_retries is the number of attempts
    per passage; temperature / max_tokens (None: sized from the passage) / seed go to the model, the
    seed rising by one per attempt so a retry is not a repeat. min_ratio / max_ratio and
    reject_phrases tune validation; tones is a tone-mapping YAML (default: the bundled one).
    Output: dataset (name, default "AUTHOR-style"), output_dir (instead of datasets/NAME), formats
    (export names, None for all), val_ratio. journal: where finished passages are recorded (default
    datasets/.NAME.journal.jsonl); fresh: ignore and replace an existing journal.
    """

    novel: str
    author: str
    llm: LLMSettings = field(default_factory=LLMSettings)
    template: str = "plain"
    tones: str | None = None
    min_words: int = 10
    max_words: int = 400
    beats: int = 0
    limit: int | None = None
    max_retries: int = 5
    temperature: float = 0.7
    max_tokens: int | None = None
    seed: int = 0
    min_ratio: float = 0.5
    max_ratio: float = 2.0
    reject_phrases: list[str] = field(default_factory=list)
    dataset: str | None = None
    output_dir: str | None = None
    formats: list[str] | None = None
    val_ratio: float = 0.0
    journal: str | None = None
    fresh: bool = False
    progress: bool = True

    def __post_init__(self):
        if not Path(self.novel).is_file():
            raise UserError("no such file" if not Path(self.novel).exists() else "is not a regular file", path=self.novel)
        if not self.author.strip():
            raise UserError("--author is required: whose style the pairs teach")
        if self.min_words < 1 or self.max_words < self.min_words:
            raise UserError(f"need 1 <= --min-words <= --max-words, got {self.min_words} and {self.max_words}")
        if self.beats < 0 or (self.limit is not None and self.limit < 1):
            raise UserError("--beats must be >= 0 and --limit >= 1")
        if self.max_retries < 1:
            raise UserError(f"--max-retries must be at least 1 (one attempt), got {self.max_retries}")
        if self.max_tokens is not None:
            check_at_least(1, max_tokens=self.max_tokens)
        check_fraction(val_ratio=self.val_ratio)
        check_at_least(0, temperature=self.temperature)
        check_at_most(2, temperature=self.temperature)  # what OpenAI-compatible servers accept
        ValidationRules(self.min_ratio, self.max_ratio)  # raises on bad ratios
        paths.safe_name(self.dataset_name, "dataset name")

    @property
    def rules(self) -> ValidationRules:
        return ValidationRules(self.min_ratio, self.max_ratio, list(self.reject_phrases))

    @property
    def dataset_name(self) -> str:
        return self.dataset or f"{paths.slug(self.author)}-style"

    @property
    def folder(self) -> Path:
        return paths.dataset_folder(self.dataset_name, self.output_dir)

    @property
    def journal_path(self) -> Path:
        return paths.journal_path(self.folder, self.journal)

    def to_dict(self) -> dict:
        return settings_dict(self)
