"""Tokenise and mask: a Conversation becomes input ids and labels that train only the reply.

    prompt (rendered by the prompt format)      target
    <s> Tobias: Hello.\\n Mara:                  " Ahoy.\\n" + </s>
    labels: -100 ... -100                       ids of the target: the reply, its end marker
                                                (the newline) and EOS, so the model learns to stop

The labels are built here and nothing later rewrites them: the collator pads them with -100, so EOS
is trained even when the tokenizer pads with the EOS token. A sample over the cutoff loses its
oldest context turns first, down to the turn it answers, then its recalled lines (least relevant
first), then that turn; one whose reply alone does not fit is dropped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from characterkit.memory.blocks import BlockedPrompt, tokenize_blocked
from characterkit.prompts import Conversation, tokenize_prompt

IGNORE = -100  # the label value the loss skips

# Drop reasons (counted in the run card and training log).
REPLY_TOO_LONG = "reply_longer_than_cutoff"
PROMPT_TOO_LONG = "no_room_for_reply_after_persona"
EMPTY_REPLY = "empty_reply"


@dataclass
class Encoded:
    """One training sequence. labels[i] is the id at position i when it carries loss, else -100
    (the model shifts labels by one itself)."""

    input_ids: list[int]
    labels: list[int]
    windows: list[tuple[int, int]] | None = None  # spans of recalled lines attended to as blocks

    def as_dict(self) -> dict:
        row = {"input_ids": self.input_ids, "labels": self.labels}
        if self.windows is not None:  # every row of a run with memory blocks has the key (a dataset column)
            row["windows"] = [list(w) for w in self.windows]
        return row


@dataclass
class EncodeStats:
    """What tokenisation did: samples kept, drops by reason, context trimmed, tokens carrying loss."""

    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    context_trimmed: int = 0
    memories_trimmed: int = 0
    trained_tokens: int = 0
    shortest_dropped: int | None = None  # fewest tokens a dropped sample needed (prompt without context + target)

    def to_dict(self) -> dict:
        return {"kept": self.kept, "dropped": dict(self.dropped), "context_trimmed": self.context_trimmed,
                "memories_trimmed": self.memories_trimmed, "trained_tokens": self.trained_tokens}


class ConversationEncoder:
    """Encodes conversations with one prompt format, tokenizer and cutoff."""

    def __init__(self, fmt, tokenizer, cutoff: int, add_eos: bool = True, memory_blocks: bool = False):
        self.fmt = fmt
        self.tokenizer = tokenizer
        self.cutoff = cutoff
        self.add_eos = add_eos
        self.memory_blocks = memory_blocks  # recalled lines tokenized and attended to one by one (memory/blocks.py)
        self.stats = EncodeStats()

    def encode(self, conv: Conversation) -> Encoded | None:
        """The encoded sample, or None when it was dropped (the reason is counted in `stats`)."""
        if not (conv.reply or "").strip():
            self.stats.dropped[EMPTY_REPLY] += 1
            return None
        target_ids = self._target_ids(conv)
        if len(target_ids) > self.cutoff:
            self.stats.dropped[REPLY_TOO_LONG] += 1
            self._note_dropped_length(len(target_ids))
            return None
        for shorter in _shorter(conv):
            prompt = self._prompt(shorter)
            prompt_ids = prompt.ids
            if len(prompt_ids) + len(target_ids) <= self.cutoff:
                break
        else:
            self.stats.dropped[PROMPT_TOO_LONG] += 1
            self._note_dropped_length(len(prompt_ids) + len(target_ids))
            return None
        self.stats.kept += 1
        self.stats.context_trimmed += len(shorter.turns) < len(conv.turns)
        self.stats.memories_trimmed += len(shorter.memories) < len(conv.memories)
        self.stats.trained_tokens += len(target_ids)
        return Encoded(prompt_ids + target_ids, [IGNORE] * len(prompt_ids) + target_ids,
                       prompt.windows if self.memory_blocks else None)

    def _prompt(self, conv: Conversation) -> BlockedPrompt:
        text, _ = self.fmt.render(replace(conv, reply=None), tokenizer=self.tokenizer)
        if self.memory_blocks:
            return tokenize_blocked(self.tokenizer, text, conv)
        return BlockedPrompt(tokenize_prompt(self.tokenizer, text), [])

    def _target_ids(self, conv: Conversation) -> list[int]:
        _, target = self.fmt.render(conv, tokenizer=self.tokenizer)
        ids = self.tokenizer(target, add_special_tokens=False)["input_ids"]
        eos = self.tokenizer.eos_token_id
        if self.add_eos and eos is not None and (not ids or ids[-1] != eos):
            ids.append(eos)
        return ids

    def _note_dropped_length(self, length: int) -> None:
        if self.stats.shortest_dropped is None or length < self.stats.shortest_dropped:
            self.stats.shortest_dropped = length


def _shorter(conv: Conversation) -> Iterator[Conversation]:
    """`conv`, then shorter and shorter: oldest turns first (the turn it answers stays), then recalled
    lines from the least relevant, then that last turn. The persona always stays."""
    last = max(len(conv.turns) - 1, 0)
    for first in range(last + 1):
        yield replace(conv, turns=conv.turns[first:])
    for keep in range(len(conv.memories) - 1, -1, -1):
        yield replace(conv, turns=conv.turns[last:], memories=conv.memories[:keep])
    if conv.turns:
        yield replace(conv, turns=[], memories=[])


def text_windows(text: str, tokenizer, cutoff: int, overlap: int, add_eos: bool = True) -> Iterator[Encoded]:
    """Plain text as windows of `cutoff` tokens, each sharing `overlap` tokens with the previous one.

    Every token carries loss (style training). The last window is kept when it adds new tokens.
    """
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if add_eos and tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    step = cutoff - overlap
    for start in range(0, max(len(ids) - overlap, 1), step):
        window = ids[start : start + cutoff]
        if len(window) >= 2:  # one token predicts nothing
            yield Encoded(window, list(window))
