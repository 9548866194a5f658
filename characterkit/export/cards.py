"""Character cards, one set per character in the sample stream:

    characters/NAME.yaml        text-generation-webui's character (name, greeting, context)
    characters/NAME.card.json   a Tavern V2 card (`chara_card_v2`) that also carries webui's keys
                                (name, greeting, context) at the top, so webui's "Upload character"
                                takes the same file SillyTavern imports
    characters/NAME.png         the avatar with the card in `chara` (V2) and `ccv3` (V3) chunks
                                (png_card.py): SillyTavern's import, webui's TavernAI PNG upload,
                                and webui's avatar for NAME.yaml

The greeting is a line of the character's that can open a chat with a stranger (persona.py), or the
one given with `--greeting`; the other good lines become V2 `alternate_greetings`. The description
is the --persona when given, else written from the source (persona.describe).

Memory stays bounded however long the stream: per character we keep the persona, a few candidate
greetings, a few short example exchanges, a few source names and some counters, nothing else.

webui YAML (modules/chat.py::load_character reads `name`, `greeting`, `context`):

    name: Mara
    greeting: Good evening.
    context: |-
      Mara's Persona: a ship's cook with opinions

      {{user}}: Is the soup ready?
      {{char}}: When it is ready, you will smell it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.export.persona import MAX_SCORED, GreetingPicker, SpeechTraits, describe
from characterkit.export.png_card import write_png_card
from characterkit.export.render import Rendered
from characterkit.paths import slug
from characterkit.prompts import one_line
from characterkit.records import Sample

MAX_EXAMPLES = 3  # example exchanges per card: enough to show the voice, short enough for the context
MAX_EXAMPLE_CHARS = 200  # longer lines would crowd a card's context; such exchanges are not picked
MAX_SOURCES = 5
MAX_ALTERNATE_GREETINGS = 3


@dataclass
class CardNotes:
    """What we keep about one character while the stream passes."""

    name: str
    persona: str = ""
    first_reply: str = ""
    first_dialogue_reply: str = ""
    examples: list[tuple[str, str]] = field(default_factory=list)  # (what was said, the reply)
    sources: list[str] = field(default_factory=list)
    greetings: GreetingPicker = field(default_factory=GreetingPicker)
    traits: SpeechTraits = field(default_factory=SpeechTraits)
    chosen_greeting: str = ""  # --greeting
    other_names: set[str] = field(default_factory=set)  # every other speaker seen (set by the writer)

    def add(self, sample: Sample) -> None:
        reply = one_line(sample.reply)
        self.persona = self.persona or sample.persona.strip()
        self.first_reply = self.first_reply or reply
        if sample.source and sample.source not in self.sources and len(self.sources) < MAX_SOURCES:
            self.sources.append(sample.source)
        if sample.instruction:  # style/synthetic pairs: not a line of dialogue
            return
        self.first_dialogue_reply = self.first_dialogue_reply or reply
        if self.traits.lines < MAX_SCORED:  # the first lines describe the character well enough, at no cost later
            self.greetings.offer(reply, opens_scene=not any(t.speaker for t in sample.context))
            self.traits.add(sample, reply)
        said = _last_said_by_other(sample)
        if len(self.examples) < MAX_EXAMPLES and said and max(len(said), len(reply)) <= MAX_EXAMPLE_CHARS:
            self.examples.append((said, reply))

    @property
    def greeting_lines(self) -> list[str]:
        """The greeting first, then alternates: --greeting, else the best lines that can open a chat
        with a stranger, else (no such line) the character's first line of dialogue or first reply."""
        picked = self.greetings.best(self.other_names - {self.name}, n=MAX_ALTERNATE_GREETINGS + 1)
        lines = ([self.chosen_greeting] if self.chosen_greeting else []) + picked
        fallback = self.first_dialogue_reply or self.first_reply
        lines = list(dict.fromkeys(lines)) or ([fallback] if fallback else [])
        return lines[:MAX_ALTERNATE_GREETINGS + 1]

    @property
    def greeting(self) -> str:
        lines = self.greeting_lines
        return lines[0] if lines else ""

    @property
    def description(self) -> str:
        return self.persona or describe(self.name, self.sources, self.traits)


def _last_said_by_other(sample: Sample) -> str:
    """The last spoken context line, if someone other than the character said it ("" otherwise):
    with narration skipped, that line and the reply make a `{{user}}` / `{{char}}` exchange."""
    for turn in reversed(sample.context):
        if turn.speaker:
            return one_line(turn.text) if turn.speaker != sample.character else ""
    return ""


def webui_character(notes: CardNotes) -> dict:
    """{name, greeting, context}; the context is the persona line then the example exchanges."""
    exchanges = "".join(f"{{{{user}}}}: {said}\n{{{{char}}}}: {reply}\n" for said, reply in notes.examples)
    context = f"{notes.name}'s Persona: {notes.description}"
    if exchanges:
        context += "\n\n" + exchanges.rstrip("\n")
    return {"name": notes.name, "greeting": notes.greeting, "context": context}


def tavern_card_v2(notes: CardNotes, dataset_name: str) -> dict:
    """A chara_card_v2 card with every V2 field (spec_v2.md, the 14 SillyTavern's TavernCardValidator
    requires); character_book is optional and left out."""
    mes_example = "\n".join(f"<START>\n{{{{user}}}}: {said}\n{{{{char}}}}: {reply}" for said, reply in notes.examples)
    sources = ", ".join(Path(s).name for s in notes.sources) or "unknown"
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": notes.name,
            "description": notes.description,
            "personality": "",
            "scenario": "",
            "first_mes": notes.greeting,
            "mes_example": mes_example,
            "creator_notes": f"Made with characterkit from the dataset {dataset_name!r} (sources: {sources}).",
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": notes.greeting_lines[1:],
            "tags": ["characterkit"],
            "creator": "",
            "character_version": "",
            "extensions": {},
        },
    }


def json_card(notes: CardNotes, dataset_name: str) -> dict:
    """The V2 card with webui's own keys (name, greeting, context) first: webui's "Upload character"
    reads those, SillyTavern reads `spec` and `data` (and keeps unknown top-level keys)."""
    return {**webui_character(notes), **tavern_card_v2(notes, dataset_name)}


class CharacterWriter:
    name = "character"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder) / "characters"
        self.dataset_name = dataset_name
        self.notes: dict[str, CardNotes] = {}
        self.speakers: set[str] = set()  # everyone who speaks in a context: names a greeting must not use
        self.greetings: dict[str, str] = {}  # --greeting: {character: line}; "" as key: the first character

    def write(self, view: Rendered) -> None:
        sample = view.sample
        if sample.character not in self.notes:
            self.notes[sample.character] = CardNotes(sample.character)
        self.notes[sample.character].add(sample)
        self.speakers.update(t.speaker for t in sample.context if t.speaker)

    def close(self) -> list[Path]:
        self.folder.mkdir(parents=True, exist_ok=True)
        files, used = [], set()
        for i, notes in enumerate(self.notes.values()):
            notes.other_names = self.speakers | set(self.notes)
            notes.chosen_greeting = self.greetings.get(notes.name) or (self.greetings.get("", "") if i == 0 else "")
            stem = _unique(slug(notes.name), used)
            yaml_path, card_path = self.folder / f"{stem}.yaml", self.folder / f"{stem}.card.json"
            png_path = self.folder / f"{stem}.png"
            yaml_path.write_text(to_yaml(webui_character(notes)), encoding="utf-8")
            card = json_card(notes, self.dataset_name)
            card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            write_png_card(png_path, tavern_card_v2(notes, self.dataset_name))
            files += [yaml_path, card_path, png_path]
        return files


def _unique(stem: str, used: set[str]) -> str:
    """'Pip & Co' and 'Pip, Co' both slug to 'Pip_Co': the second becomes 'Pip_Co-2', not an overwrite."""
    candidate, n = stem, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate


def to_yaml(mapping: dict) -> str:
    """YAML with multi-line strings as `|-` blocks, like webui's own example characters."""
    import yaml  # only the character export needs it

    class BlockDumper(yaml.SafeDumper):
        pass

    def represent_str(dumper, text):
        style = "|" if "\n" in text else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    BlockDumper.add_representer(str, represent_str)
    return yaml.dump(mapping, Dumper=BlockDumper, allow_unicode=True, sort_keys=False, width=10**6)
