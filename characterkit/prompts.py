"""Prompt formats: the one place that turns a conversation into model text.

finetune and chat both call `render`, so the text a model is trained on and the text the chat sends
are produced by the same code. A format is recorded by name in the LoRA folder (run card), so chat
needs nothing else to rebuild it.

    prompt, target = fmt.render(conversation)      # training: mask `prompt`, train `target`
    prompt, _ = fmt.render(conversation_without_reply)   # chat: generate after `prompt`
    fmt.stop_strings(conversation)                  # where generation must stop
"""

from __future__ import annotations

from dataclasses import dataclass, field

from characterkit.errors import UserError
from characterkit.records import Turn


@dataclass
class Conversation:
    """What a prompt is rendered from.

    character: the name the model speaks as. persona: description / system text ("" for none).
    turns: history, oldest first; a turn whose speaker is `character` is the character's own line,
    speaker None is narration. reply: the target text for training, None when chatting.
    instruction: a task line for instruction data (style/synthetic pairs), "" for dialogue.
    user_name: the name the person chatting goes by (used for stop strings).
    """

    character: str
    turns: list[Turn] = field(default_factory=list)
    reply: str | None = None
    persona: str = ""
    instruction: str = ""
    user_name: str = "You"


class PygmalionFormat:
    """`Name: text` turns after a persona block, ending with the `Character:` cue.

        Bob's Persona: a grumpy sailor
        <START>
        Alice: Hello there.
        Bob: Ahoy.            <- prompt ends with "Bob:"; target is " Ahoy.\n"

    The newline is the end marker: it is trained as the last target token and chat stops on it.
    """

    name = "pygmalion"
    end_marker = "\n"

    def render(self, conv: Conversation, tokenizer=None) -> tuple[str, str]:
        parts = []
        if conv.persona:
            parts.append(f"{conv.character}'s Persona: {conv.persona.strip()}\n<START>\n")
        if conv.instruction:
            parts.append(conv.instruction.strip() + "\n")
        for turn in conv.turns:
            parts.append(_one_line(turn.render()) + "\n")
        parts.append(f"{conv.character}:")
        target = "" if conv.reply is None else " " + _one_line(conv.reply) + self.end_marker
        return "".join(parts), target

    def stop_strings(self, conv: Conversation) -> list[str]:
        names = {t.speaker for t in conv.turns if t.speaker and t.speaker != conv.character}
        names.add(conv.user_name)
        return ["\n"] + sorted(f"\n{n}:" for n in names)


def _one_line(text: str) -> str:
    """Turns are one line each in this format; inner newlines become spaces."""
    return " ".join(text.split())


FORMATS = {PygmalionFormat.name: PygmalionFormat}


def get_format(name: str):
    """The prompt format registered under `name` (a clear error lists the valid ones)."""
    try:
        return FORMATS[name]()
    except KeyError:
        raise UserError(f"unknown prompt format {name!r}; choose one of: {', '.join(sorted(FORMATS))}") from None
