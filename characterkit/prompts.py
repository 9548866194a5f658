"""Prompt formats: the one place that turns a conversation into model text.

finetune and chat both call `render`, so the text a model is trained on and the text the chat sends
are produced by the same code. A format is recorded by name in the LoRA folder (run card), so chat
needs nothing else to rebuild it.

    prompt, target = fmt.render(conversation)      # training: mask `prompt`, train `target`
    prompt, _ = fmt.render(conversation_without_reply)   # chat: generate after `prompt`
    fmt.stop_strings(conversation)                  # where generation must stop
"""

from __future__ import annotations

import functools
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
    memories: the character's own lines from its source, retrieved for this moment (chat memory);
    summary: what the turns folded out of the history said. Both go into the persona block.
    """

    character: str
    turns: list[Turn] = field(default_factory=list)
    reply: str | None = None
    persona: str = ""
    instruction: str = ""
    user_name: str = "You"
    memories: list[str] = field(default_factory=list)
    summary: str = ""


def background(conv: Conversation) -> str:
    """The persona block's text, the same in training and chat: the persona, what the character said
    before (memories) and the summary of the conversation so far. Just the persona when there is no
    memory, so datasets written without memory render exactly as before."""
    parts = [conv.persona.strip()] if conv.persona.strip() else []
    if conv.memories:
        parts.append(memory_header(conv) + "".join(memory_windows(conv)))
    if conv.summary.strip():
        parts.append(f"Earlier in this conversation: {one_line(conv.summary)}")
    return "\n".join(parts)


def memory_header(conv: Conversation) -> str:
    """The line that opens the recalled lines in the persona block."""
    return f"Things {conv.character} has said before:"


def memory_windows(conv: Conversation) -> list[str]:
    """Each recalled line as the prompt shows it after `memory_header`, one text per line, the same
    wherever it stands in the list (so each can be encoded on its own: `memory/blocks.py`)."""
    return [f"\n- {one_line(m)}" for m in conv.memories]


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
        if persona := background(conv):
            parts.append(f"{conv.character}'s Persona: {persona}\n<START>\n")
        if conv.instruction:
            parts.append(conv.instruction.strip() + "\n")
        for turn in conv.turns:
            parts.append(one_line(turn.render()) + "\n")
        parts.append(f"{conv.character}:")
        target = "" if conv.reply is None else " " + one_line(conv.reply) + self.end_marker
        return "".join(parts), target

    def stop_strings(self, conv: Conversation) -> list[str]:
        names = {t.speaker for t in conv.turns if t.speaker and t.speaker != conv.character}
        names.add(conv.user_name)
        return ["\n"] + sorted(f"\n{n}:" for n in names)


@functools.lru_cache(maxsize=256)  # exports render each turn again in the next few samples' contexts
def one_line(text: str) -> str:
    """Turns are one line each in this format; inner newlines and runs of spaces become one space."""
    # Most turns already are one line (str.split's whitespace is all non-printable but " "): skip the copy.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


class ChatTemplateFormat:
    """The tokenizer's own chat template, for instruct models.

        system:    the persona (left out when there is none)
        user:      the other speakers' turns as `Name: text` lines (narration as plain lines),
                   the instruction first for instruction data
        assistant: the character's turns; the reply is the last assistant message

    The prompt is the template applied with the generation prompt; the target is what the full
    conversation adds after it: the reply and the template's end-of-turn text (e.g. `<|im_end|>`).
    Templates that are not prefix-stable (the full text does not start with the prompt) are refused.
    """

    name = "chat-template"
    uses_tokenizer = True

    def __init__(self, tokenizer=None):
        self.tokenizer = tokenizer

    def render(self, conv: Conversation, tokenizer=None) -> tuple[str, str]:
        tokenizer = self._tokenizer(tokenizer)
        messages = self.messages(conv)
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        if conv.reply is None:
            return prompt, ""
        full = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": conv.reply.strip()}],
                                             tokenize=False)
        if not full.startswith(prompt):
            raise UserError("the tokenizer's chat template renders the prompt differently with and without the "
                            "reply, so the reply cannot be masked; use --prompt-format pygmalion")
        # The newline a template writes after its end-of-turn token (ChatML: "<|im_end|>\n") belongs to
        # the next turn: trained, it would teach "<|im_end|>" -> "\n" -> EOS, a second end after the end.
        return prompt, full[len(prompt):].rstrip()

    def messages(self, conv: Conversation) -> list[dict]:
        """Role messages for `conv` without its reply: user turns merged, one message per run of turns."""
        system = background(conv)
        messages = [{"role": "system", "content": system}] if system else []
        pending = [conv.instruction.strip()] if conv.instruction.strip() else []
        for turn in conv.turns:
            if turn.speaker == conv.character:
                # Templates expect a user message before every assistant one, even an empty one.
                messages.append({"role": "user", "content": "\n".join(pending)})
                messages.append({"role": "assistant", "content": turn.text.strip()})
                pending = []
            else:
                pending.append(turn.render().strip())
        messages.append({"role": "user", "content": "\n".join(pending)})
        return messages

    def stop_strings(self, conv: Conversation) -> list[str]:
        """The template's end-of-turn text (what follows a reply), the EOS token, and another speaker's
        turn on a new line (`\nTobias:`, as the user messages name them): a reply may run over several
        lines, but the character never speaks for someone else."""
        tokenizer = self._tokenizer(None)
        probe = "characterkit-probe-reply"
        _, target = self.render(Conversation(character=conv.character, reply=probe))
        end = target.split(probe, 1)[-1].strip()  # what the template puts after a reply
        names = {t.speaker for t in conv.turns if t.speaker and t.speaker != conv.character} | {conv.user_name}
        stops = [s for s in (end, tokenizer.eos_token) if s] + sorted(f"\n{n}:" for n in names)
        return list(dict.fromkeys(stops))

    def _tokenizer(self, tokenizer):
        tokenizer = tokenizer or self.tokenizer
        if tokenizer is None:
            raise ValueError("the chat-template format needs the model's tokenizer")
        if not getattr(tokenizer, "chat_template", None):
            raise UserError("the model's tokenizer has no chat template; use --prompt-format pygmalion")
        return tokenizer


FORMATS = {PygmalionFormat.name: PygmalionFormat, ChatTemplateFormat.name: ChatTemplateFormat}


def get_format(name: str, tokenizer=None):
    """The prompt format registered under `name` (a clear error lists the valid ones).

    tokenizer: needed by formats that render through it (`chat-template`); ignored by the others.
    """
    try:
        fmt_class = FORMATS[name]
    except KeyError:
        raise UserError(f"unknown prompt format {name!r}; choose one of: {', '.join(sorted(FORMATS))}") from None
    return fmt_class(tokenizer) if getattr(fmt_class, "uses_tokenizer", False) else fmt_class()


def choose_format(name: str, tokenizer):
    """`auto` picks the chat template when the tokenizer has one (instruct models), else `pygmalion`."""
    if name == "auto":
        name = ChatTemplateFormat.name if getattr(tokenizer, "chat_template", None) else PygmalionFormat.name
    return get_format(name, tokenizer)


def tokenize_prompt(tokenizer, prompt: str) -> list[int]:
    """Token ids of a rendered prompt, with the tokenizer's BOS added unless the text already has it.

    Chat templates usually write the BOS text themselves; adding it again would double it. Training
    and chat both tokenize prompts through here, so they see the same ids.
    """
    has_bos = bool(tokenizer.bos_token) and prompt.startswith(tokenizer.bos_token)
    return tokenizer(prompt, add_special_tokens=not has_bos)["input_ids"]
