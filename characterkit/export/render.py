"""How a Sample becomes text, shared by every export so all formats say the same thing.

    dialogue sample                       instruction sample (style / synthetic pair)
    system:    persona (or a default)     system:    persona (or a default)
    user:      Alice: Hello there.        user:      Rewrite this in Dickens's voice.
               It was raining.                       The man walked home.
    assistant: the reply                  assistant: the reply

The legacy `{input, output}` rows use the project's own prompt format (`prompts.PygmalionFormat`),
so `input + " " + output + "\\n"` is exactly the text `characterkit finetune` trains on.

Speed: each sample becomes about ten rows that repeat the same few strings (system prompt, user
text, reply). `Rendered` computes each of them once per sample and JSON-encodes it once; writers
splice the encoded strings into row templates (`row_template`) that give the bytes json.dumps gives.
"""

from __future__ import annotations

import json
import re
from functools import cached_property

from characterkit.prompts import Conversation, PygmalionFormat
from characterkit.records import Sample

# One encoder for every row (json.dumps with options builds a new one per call). ensure_ascii=False:
# non-ASCII text stays readable, as the legacy script wrote it. A str is encoded by a C fast path.
encode = json.JSONEncoder(ensure_ascii=False).encode


def row_template(row: dict) -> str:
    """`row` as `encode` writes it, with each value "{name}" made a str.format field `{name}`.

    Filling the fields with encoded values gives exactly `encode` of the filled-in row.
    """
    text = encode(row).replace("{", "{{").replace("}", "}}")
    return re.sub(r'"\{\{(\w+)\}\}"', r"{\1}", text)


def one_line(text: str) -> str:
    """Context turns are one line each in a transcript; inner newlines and runs of spaces collapse."""
    # Most turns already are one line (str.split's whitespace is all non-printable but " "): skip the copy.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def default_persona(character: str) -> str:
    """The system prompt used when a sample has no persona: it at least names who is speaking."""
    return f"You are {character}. Stay in character and reply as {character} would."


def system_text(sample: Sample) -> str:
    return sample.persona.strip() or default_persona(sample.character)


def context_lines(sample: Sample) -> str:
    """The context turns as `Name: text` lines (narration as plain text), one line each."""
    return "\n".join(one_line(t.render()) for t in sample.context)


def input_text(sample: Sample) -> str:
    """An instruction sample's input text, kept as written (paragraphs included)."""
    return "\n".join(t.render().strip() for t in sample.context)


def user_text(sample: Sample) -> str:
    """The other side of the exchange: the context lines, or for instruction samples the
    instruction, a newline and the input text. Empty when a dialogue reply opens a scene."""
    if sample.instruction:
        return "\n".join(part for part in (sample.instruction.strip(), input_text(sample)) if part)
    return context_lines(sample)


def reply_text(sample: Sample) -> str:
    return sample.reply.strip()


def legacy_pair(sample: Sample) -> dict:
    """The legacy `{"input", "output"}` row (prepare_dataset.py's processed_dataset.json).

    input: [instruction line] + the context turns one per line + the `Character:` cue (the legacy
    script dropped the cue once its window was full; we always end with it). output: the reply on
    one line, without the `Name:` prefix and without the leading space the prompt format puts
    before it (the webui format template adds that space back).
    """
    conv = Conversation(character=sample.character, turns=sample.context, reply=sample.reply,
                        instruction=sample.instruction.strip())
    prompt, target = PygmalionFormat().render(conv)
    return {"input": prompt, "output": target.strip()}


class Rendered:
    """One sample as the exports see it: the text they share, each piece built and encoded once.

    `export_samples` makes one per sample and hands it to every writer.
    user, reply: `user_text` and `reply_text`; fields: the encoded `system`, `user` and `reply`,
    which fill the writers' row templates.
    """

    def __init__(self, sample: Sample):
        self.sample = sample
        self.user = user_text(sample)
        self.reply = reply_text(sample)
        self.fields = {"system": encode(system_text(sample)), "user": encode(self.user), "reply": encode(self.reply)}

    @cached_property
    def legacy_row(self) -> str:
        """The encoded `legacy_pair`: two exports write it, and only they pay for it."""
        return encode(legacy_pair(self.sample))
