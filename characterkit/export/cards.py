"""Character cards: `characters/NAME.yaml` (text-generation-webui) and `characters/NAME.card.json`
(SillyTavern / Tavern V2, `chara_card_v2`), one pair per character in the sample stream.

Memory stays bounded however long the stream: per character we keep the persona, the first reply
(the greeting), a few short example exchanges and a few source names, nothing else.

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

from characterkit.export.render import Rendered, default_persona
from characterkit.paths import slug
from characterkit.prompts import one_line
from characterkit.records import Sample

MAX_EXAMPLES = 3  # example exchanges per card: enough to show the voice, short enough for the context
MAX_EXAMPLE_CHARS = 200  # longer lines would crowd a card's context; such exchanges are not picked
MAX_SOURCES = 5


@dataclass
class CardNotes:
    """What we keep about one character while the stream passes."""

    name: str
    persona: str = ""
    first_reply: str = ""
    first_dialogue_reply: str = ""
    examples: list[tuple[str, str]] = field(default_factory=list)  # (what was said, the reply)
    sources: list[str] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        reply = one_line(sample.reply)
        self.persona = self.persona or sample.persona.strip()
        self.first_reply = self.first_reply or reply
        if sample.source and sample.source not in self.sources and len(self.sources) < MAX_SOURCES:
            self.sources.append(sample.source)
        if sample.instruction:  # style/synthetic pairs: not a line of dialogue
            return
        self.first_dialogue_reply = self.first_dialogue_reply or reply
        said = _last_said_by_other(sample)
        if len(self.examples) < MAX_EXAMPLES and said and max(len(said), len(reply)) <= MAX_EXAMPLE_CHARS:
            self.examples.append((said, reply))

    @property
    def greeting(self) -> str:
        """The character's first line of dialogue (or first reply of any kind when there is none)."""
        return self.first_dialogue_reply or self.first_reply

    @property
    def description(self) -> str:
        return self.persona or default_persona(self.name)


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
    """A chara_card_v2 card with every V2 field (spec_v2.md); character_book is optional and left out."""
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
            "alternate_greetings": [],
            "tags": ["characterkit"],
            "creator": "",
            "character_version": "",
            "extensions": {},
        },
    }


class CharacterWriter:
    name = "character"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder) / "characters"
        self.dataset_name = dataset_name
        self.notes: dict[str, CardNotes] = {}

    def write(self, view: Rendered) -> None:
        sample = view.sample
        if sample.character not in self.notes:
            self.notes[sample.character] = CardNotes(sample.character)
        self.notes[sample.character].add(sample)

    def close(self) -> list[Path]:
        self.folder.mkdir(parents=True, exist_ok=True)
        files, used = [], set()
        for notes in self.notes.values():
            stem = _unique(slug(notes.name), used)
            yaml_path, card_path = self.folder / f"{stem}.yaml", self.folder / f"{stem}.card.json"
            yaml_path.write_text(to_yaml(webui_character(notes)), encoding="utf-8")
            card = tavern_card_v2(notes, self.dataset_name)
            card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            files += [yaml_path, card_path]
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
