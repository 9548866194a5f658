"""How a Sample becomes text, shared by every export so all formats say the same thing.

    dialogue sample                       instruction sample (style / synthetic pair)
    system:    persona (or a default)     system:    persona (or a default)
    user:      Alice: Hello there.        user:      Rewrite this in Dickens's voice.
               It was raining.                       The man walked home.
    assistant: the reply                  assistant: the reply

The legacy `{input, output}` rows use the project's own prompt format (`prompts.PygmalionFormat`),
so `input + " " + output + "\\n"` is exactly the text `characterkit finetune` trains on.
"""

from __future__ import annotations

from characterkit.prompts import Conversation, PygmalionFormat
from characterkit.records import Sample


def one_line(text: str) -> str:
    """Context turns are one line each in a transcript; inner newlines and runs of spaces collapse."""
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
