"""How a Sample becomes text, shared by every export so all formats say the same thing.

    dialogue sample                       instruction sample (style / synthetic pair)
    system:    persona (or a default)     system:    persona (or a default)
    user:      Alice: Hello there.        user:      Rewrite this in Dickens's voice.
               It was raining.                       The man walked home.
    assistant: the reply                  assistant: the reply

The legacy `{input, output}` rows use the project's own prompt format (`prompts.PygmalionFormat`),
so `input + " " + output + "\\n"` is exactly the text `characterkit finetune` trains on.

Speed: each sample becomes about ten rows that repeat the same few strings (system prompt, user
text, reply). `Rendered` builds each of them once per sample and JSON-escapes it once; writers
fill row templates (`row_template`) with the escaped strings, which gives the bytes json.dumps gives.
"""

from __future__ import annotations

import json
import re
from functools import cached_property

from characterkit.prompts import Conversation, PygmalionFormat, one_line
from characterkit.records import Sample

# One encoder for every row (json.dumps with options builds a new one per call). ensure_ascii=False:
# non-ASCII text stays readable, as the legacy script wrote it. A str is encoded by a C fast path.
encode = json.JSONEncoder(ensure_ascii=False).encode


def escaped(text: str) -> str:
    """`text` as it stands inside a JSON string: `encode(text)` without the quotes."""
    return encode(text)[1:-1]


def row_template(row: dict) -> str:
    """`row` as `encode` writes it, to fill with str.format: every "{name}" in its strings is a field.

    JSON escapes each character on its own, so filling the fields with `escaped` strings gives
    exactly `encode` of the row with the strings put in.
    """
    text = encode(row).replace("{", "{{").replace("}", "}}")  # JSON's own braces stay braces
    return re.sub(r"\{\{(\w+)\}\}", r"{\1}", text)


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


LEGACY_ROW = row_template({"input": "{input}", "output": "{output}"})


class Rendered:
    """One sample as the exports see it: the text they share, each piece built and escaped once.

    `export_samples` makes one per sample and hands it to every writer. `fields`: the `system`,
    `user` and `reply` texts escaped, to fill the writers' row templates.
    """

    def __init__(self, sample: Sample):
        self.sample = sample
        self.fields = {"system": escaped(system_text(sample)), "user": escaped(user_text(sample)),
                       "reply": escaped(reply_text(sample))}

    @cached_property
    def legacy_row(self) -> str:
        """The `legacy_pair` row, encoded: two exports write it, and only they pay for it."""
        pair = legacy_pair(self.sample)
        return LEGACY_ROW.format(input=escaped(pair["input"]), output=escaped(pair["output"]))
