"""How a Sample becomes text, shared by every export so all formats say the same thing.

    dialogue sample                       instruction sample (style / synthetic pair)
    system:    persona (or a default)     system:    persona (or a default)
    user:      Alice: Hello there.        user:      Rewrite this in Dickens's voice.
               It was raining.                       The man walked home.
    assistant: the reply                  assistant: the reply

A reply that opens a scene has no context. No export writes an empty user turn (OpenAI's format
check flags it, chat templates render it as an empty message): such a sample's user turn is
OPENING_TURN, a neutral stage line, and `export_samples` counts how many got it.

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


# The user turn of a sample whose reply opens a scene: a stage line, so a model trained on it learns
# to open a conversation when told a scene begins. webui's instruction template leaves it out again
# (characterkit trains such replies after nothing but the `Name:` cue).
OPENING_TURN = "(A new scene begins.)"


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
    instruction, a newline and the input text; OPENING_TURN when nothing precedes the reply."""
    if sample.instruction:
        text = "\n".join(part for part in (sample.instruction.strip(), input_text(sample)) if part)
    else:
        text = context_lines(sample)
    return text if text.strip() else OPENING_TURN


def pygmalion_user_text(sample: Sample) -> str:
    """The user turn as characterkit's `Name:` format renders it: the instruction line, then each
    context turn on one line ("" when nothing precedes the reply). webui-chat.json carries this, so
    its instruction template renders exactly the text `characterkit finetune` trains on."""
    lines = [sample.instruction.strip()] if sample.instruction.strip() else []
    return "\n".join(lines + [one_line(t.render()) for t in sample.context])


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
        user = user_text(sample)
        self.opens_scene = user is OPENING_TURN
        self.fields = {"system": escaped(system_text(sample)), "user": escaped(user),
                       "reply": escaped(reply_text(sample))}

    @cached_property
    def pygmalion_user(self) -> str:
        """`pygmalion_user_text`, escaped: for dialogue samples the same text as fields["user"]."""
        sample = self.sample
        if not sample.instruction and not self.opens_scene:
            return self.fields["user"]
        return escaped(pygmalion_user_text(sample))

    @cached_property
    def legacy_row(self) -> str:
        """The `legacy_pair` row, encoded: two exports write it, and only they pay for it."""
        pair = legacy_pair(self.sample)
        return LEGACY_ROW.format(input=escaped(pair["input"]), output=escaped(pair["output"]))
