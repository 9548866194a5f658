"""Settings for each stage as dataclasses that check themselves on creation.

A bad value fails at start-up with a sentence (a UserError), not halfway through a long job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from characterkit.errors import UserError, check_at_least, check_at_most, check_fraction
from characterkit.records import DEFAULT_MIN_CONFIDENCE


@dataclass
class DialogueSettings:
    """`prepare dialogue`: transcripts (or novels) -> rolling-context samples for chosen characters.

    rounds counts turns (one speaker's utterance, or a piece of narration) and the window empties at
    scene breaks; the legacy prepare_dataset.py counted raw lines of any kind across scenes.
    """

    sources: list[str]
    names: list[str] = field(default_factory=list)
    all_speakers: bool = False
    min_lines: int = 20
    rounds: int = 5
    format: str = "auto"
    aliases: dict[str, str] = field(default_factory=dict)
    strip_actions: bool = False
    keep_narration: bool = True
    keep_stage_directions: bool = True
    min_words: int = 1
    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # transcripts' lines are certain (1.0); novels' are not
    cast: str | None = None  # novels: a cast file (name, aliases, gender) instead of the discovered cast
    val_ratio: float = 0.05
    seed: int = 0
    persona: str | None = None  # None: written from the source (export.persona.describe); "": no system prompt
    greetings: list[str] = field(default_factory=list)  # --greeting: "LINE" (first character) or "NAME=LINE"
    formats: list[str] | None = None  # None: every export
    dataset: str | None = None  # name under datasets/; default: the (first) character's name
    output_dir: str | None = None  # an explicit folder instead of datasets/NAME
    into_webui: str | None = None

    def __post_init__(self):
        if not self.sources:
            raise UserError("no source files given")
        if not self.names and not self.all_speakers:
            raise UserError("choose a character with --name (see `characterkit speakers FILE`) or use --all-speakers")
        check_at_least(1, rounds=self.rounds, min_lines=self.min_lines)
        check_at_most(10_000, rounds=self.rounds)
        check_at_least(0, min_words=self.min_words)
        check_fraction(val_ratio=self.val_ratio)
        if not 0.0 <= self.min_confidence <= 1.0:
            raise UserError(f"--min-confidence must be in [0, 1] (got {self.min_confidence})")

    def to_dict(self) -> dict:
        return asdict(self)


def parse_aliases(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`["Jack=John Worthing"]` -> {"Jack": "John Worthing"} (the right side is the name kept)."""
    aliases = {}
    for pair in pairs:
        alias, sep, name = pair.partition("=")
        if not sep or not alias.strip() or not name.strip():
            raise UserError(f"--alias expects ALIAS=NAME, got {pair!r}")
        aliases[alias.strip()] = name.strip()
    return aliases
