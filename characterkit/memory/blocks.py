"""Memory blocks: each recalled line attends only to the prompt before the block and to itself, so
chat can compute a line's keys and values once and reuse them instead of prefilling it every reply.

A prompt with recalled lines, and the positions its tokens get:

    prefix   persona ... "Things Mara has said before:"    0 .. P-1      sees what is before it
    line 1   "\\n- Tobias: Hi -> \\"Ahoy.\\""                 P .. P+n1-1   sees the prefix and itself
    line 2   "\\n- ..."                                      P .. P+n2-1   sees the prefix and itself
    suffix   summary, the turns, the cue                   its index     sees everything before it

The lines share positions (as in parallel context windows, Ratner et al. 2023), so a line's keys and
values do not depend on which lines come before it. The suffix keeps its plain index (P + n1 + n2 + ...),
which is what `generate` gives the tokens after a cache of that length, so chat needs no position
bookkeeping. finetune trains with the same positions and mask (`PadCollator`), so the model learns the
pattern chat uses; a LoRA trained with full attention over the block never saw it, and answered by
continuing the list (measured, docs/memory.md), so chat uses blocks only for a LoRA whose run card says so.

Each line is tokenized on its own and the pieces joined: training and chat build the ids the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit.prompts import Conversation, memory_header, memory_windows, tokenize_prompt

BLOCKS = "blocks"  # the run card's dataset.memory.attention when finetune trained with them
FULL = "full"  # every token sees every token before it (packing, or a model without position ids)


def trained_with_blocks(card: dict) -> bool:
    """Whether a LoRA's run card says finetune read its recalled lines as memory blocks."""
    memory = (card.get("dataset") or {}).get("memory")
    return isinstance(memory, dict) and memory.get("attention") == BLOCKS


@dataclass
class BlockedPrompt:
    """Token ids of a prompt and the [start, end) span of each recalled line in them."""

    ids: list[int]
    windows: list[tuple[int, int]]

    @property
    def prefix_len(self) -> int:
        """Tokens before the first line (all of them when there is none)."""
        return self.windows[0][0] if self.windows else len(self.ids)


def tokenize_blocked(tokenizer, prompt: str, conv: Conversation) -> BlockedPrompt:
    """`prompt` (rendered from `conv`) tokenized as prefix, one piece per recalled line, suffix; as one
    piece with no spans when it has no lines, or a chat template rewrote the block (then training and
    chat both read it as plain text)."""
    windows = memory_windows(conv)
    block = "".join(windows)
    at = prompt.find(memory_header(conv) + block) if windows else -1
    if at < 0:
        return BlockedPrompt(tokenize_prompt(tokenizer, prompt), [])
    start = at + len(memory_header(conv))
    ids = tokenize_prompt(tokenizer, prompt[:start])
    spans = []
    for text in windows:
        piece = tokenizer(text, add_special_tokens=False)["input_ids"]
        spans.append((len(ids), len(ids) + len(piece)))
        ids = ids + piece
    ids = ids + tokenizer(prompt[start + len(block):], add_special_tokens=False)["input_ids"]
    return BlockedPrompt(ids, spans)


def block_positions(length: int, windows: list[tuple[int, int]]) -> list[int]:
    """Position ids: every line starts where the first one does; all other tokens keep their index."""
    positions = list(range(length))
    for start, end in windows:
        positions[start:end] = range(windows[0][0], windows[0][0] + end - start)
    return positions


def block_mask(length: int, windows: list[tuple[int, int]], real: int | None = None, past: int = 0):
    """The (length, past + length) boolean attention mask (True: may attend) of a sequence whose
    tokens from `past` on are given: causal, except that a line never sees another line. `windows`
    are spans in the whole sequence; keys from `real` on are padding, masked (a padding query still
    sees the first token, so no row is empty)."""
    import torch

    total = past + length
    line = torch.zeros(total, dtype=torch.long)
    for i, (start, end) in enumerate(windows, 1):
        line[start:end] = i
    keys, queries = line.view(1, -1), line[past:].view(-1, 1)
    mask = torch.ones(length, total, dtype=torch.bool).tril(past)
    mask &= ~((queries > 0) & (keys > 0) & (queries != keys))
    if real is not None:
        mask[:, real:] = False
    return mask


def additive(mask):
    """A boolean mask as the floats attention code that adds the mask to its scores wants (eager)."""
    import torch

    return torch.zeros(mask.shape, device=mask.device).masked_fill(~mask, torch.finfo(torch.float32).min)
