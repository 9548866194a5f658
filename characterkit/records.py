"""The nouns that flow through the pipeline: plain dataclasses, no behaviour beyond small views.

    source text --parse--> Line ... --samples--> Sample ... --export--> files

A `Line` is one utterance (or a piece of narration, or a scene break) in reading order.
A `Sample` is one training example: context turns, the target reply, and where it came from.
Style pairs and synthetic pairs are Samples too: their `instruction` holds the task and their
single context turn holds the input text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A novel attribution's confidence is the precision its rule and details measured on PDNC
# (parse/novel/calibrate.py); kept at 0.9, lines were ~97% right on novels left out of the fit
# (leave-one-novel-out), so `prepare dialogue --min-confidence` defaults to it. Transcript lines are certain (1.0).
DEFAULT_MIN_CONFIDENCE = 0.9

SPEECH = "speech"
NARRATION = "narration"
BREAK = "break"  # a scene break: context never crosses it


@dataclass(slots=True)  # slots: a 100 MB transcript makes a million of them
class Line:
    """One unit of a parsed source, in reading order.

    speaker: the display name (after alias merging) for speech; None for narration and breaks.
    kind: SPEECH, NARRATION or BREAK.
    source / lineno: where it came from (1-based line of the first source line).
    confidence: how sure the parser is of `speaker` (1.0 for tagged transcripts; novel attribution
    sets less, and samples below --min-confidence are dropped as uncertain).
    may_be: novels: the characters `speaker` may stand for, kept apart because the text does not
    say which ('Miss Bennet': the eldest sister, but two fit).
    """

    speaker: str | None
    text: str
    kind: str = SPEECH
    source: str = ""
    lineno: int = 0
    confidence: float = 1.0
    may_be: tuple[str, ...] = ()


@dataclass
class Turn:
    """A context turn inside a Sample. speaker None means narration (rendered without a name)."""

    speaker: str | None
    text: str

    def render(self) -> str:
        return f"{self.speaker}: {self.text}" if self.speaker else self.text


@dataclass
class Sample:
    """One training example.

    character: whose voice the reply is in (a character for dialogue, an author for style pairs).
    context: the turns before the reply, oldest first (may be empty).
    reply: the target text, without any `Name:` prefix.
    instruction: a task line for instruction data (style and synthetic pairs); "" for dialogue.
    persona: a description of the character used as system prompt; "" when none.
    """

    id: str
    character: str
    context: list[Turn]
    reply: str
    instruction: str = ""
    persona: str = ""
    source: str = ""
    split: str = "train"
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        # Written by hand: dataclasses.asdict deep-copies every field and was a third of export time.
        return {
            "id": self.id, "character": self.character,
            "context": [{"speaker": t.speaker, "text": t.text} for t in self.context],
            "reply": self.reply, "instruction": self.instruction, "persona": self.persona,
            "source": self.source, "split": self.split, "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, row: dict) -> "Sample":
        row = dict(row)
        row["context"] = [Turn(**t) for t in row.get("context", [])]
        return cls(**row)


@dataclass
class Message:
    """A chat message: role is 'system', 'user' or 'assistant'; name is the speaker when known."""

    role: str
    content: str
    name: str | None = None
