"""Keys and values of recalled lines, kept between replies, so that memory costs the first token
almost nothing (the layout is in `memory/blocks.py`).

A LoRA trained with memory blocks sees each recalled line on its own after the persona, at the same
positions, so a line's keys and values are the same in every reply that recalls it. The cache
computes them once (several lines in one forward pass, with the block mask), keeps them, least
recently used out first beyond `max_bytes`, and hands `generate` a cache of prefix + lines: only
the summary, the turns and the cue are prefilled. A new persona (another prefix) empties it.

    cache = LineCache(model)
    past = cache.past(blocked)          # a DynamicCache of blocked.ids up to the last line's end
    model.generate(input_ids=blocked.ids, past_key_values=past, ...)

torch and transformers are imported inside the methods, as everywhere on the chat path.
"""

from __future__ import annotations

from collections import OrderedDict

from characterkit.memory.blocks import BlockedPrompt, additive, block_mask

MAX_BYTES = 512 * 2**20  # about 22,000 lines' tokens of SmolLM2 in bf16 (24 KB a token)
CHUNK_TOKENS = 512  # lines computed per forward pass (the mask grows with its square)


class LineCache:
    """Per-line keys and values of one model (adapter state included: use it for one of them)."""

    def __init__(self, model, max_bytes: int = MAX_BYTES):
        self.model = model
        self.max_bytes = max_bytes
        self.prefix: tuple[int, ...] = ()
        self._prefix_kv: list = []  # per layer (keys, values), (1, kv_heads, tokens, head_dim)
        self._lines: OrderedDict[tuple[int, ...], list] = OrderedDict()
        self.bytes = 0
        self.computed = self.reused = 0  # lines computed / taken from the cache, since it was made

    def __len__(self) -> int:
        return len(self._lines)

    def past(self, prompt: BlockedPrompt):
        """A DynamicCache holding `prompt.ids` up to the end of its last recalled line."""
        from transformers import DynamicCache

        lines = self.add(prompt)
        kv = [([k], [v]) for k, v in self._prefix_kv]
        for line in lines:
            for (keys, values), (k, v) in zip(kv, self._lines[line]):
                keys.append(k)
                values.append(v)
        return DynamicCache(ddp_cache_data=[(_cat(keys), _cat(values)) for keys, values in kv])

    def add(self, prompt: BlockedPrompt) -> list[tuple[int, ...]]:
        """Compute what is not kept yet of `prompt`'s prefix and lines; return its lines' ids."""
        prefix = tuple(prompt.ids[:prompt.prefix_len])
        if prefix != self.prefix:
            self._start(prefix)
        lines = [tuple(prompt.ids[start:end]) for start, end in prompt.windows]
        missing = [line for line in dict.fromkeys(lines) if line not in self._lines]
        self.reused += len(lines) - len(missing)
        chunk: list[tuple[int, ...]] = []
        for line in missing:
            if chunk and sum(map(len, chunk)) + len(line) > CHUNK_TOKENS:
                self._compute(chunk)
                chunk = []
            chunk.append(line)
        if chunk:
            self._compute(chunk)
        for line in lines:
            self._lines.move_to_end(line)
        self._evict(keep=set(lines))
        return lines

    def _start(self, prefix: tuple[int, ...]) -> None:
        import torch

        self._lines.clear()
        self.bytes, self.prefix = 0, prefix
        out = self.model(input_ids=torch.tensor([prefix], device=self.model.device), use_cache=True)
        self._prefix_kv = [(k, v) for k, v, _ in out.past_key_values]

    def _compute(self, lines: list[tuple[int, ...]]) -> None:
        """One forward pass over `lines` side by side after the prefix: each sees the prefix and itself."""
        import torch
        from transformers import DynamicCache

        before = len(self.prefix)
        windows, ids = [], []
        for line in lines:
            windows.append((before + len(ids), before + len(ids) + len(line)))
            ids += line
        mask = block_mask(len(ids), windows, past=before)
        positions = [before + i for line in lines for i in range(len(line))]  # every line starts after the prefix
        device = self.model.device
        if self.model.config._attn_implementation == "eager":  # eager adds the mask to the scores
            mask = additive(mask)
        past = DynamicCache(ddp_cache_data=self._prefix_kv)
        out = self.model(input_ids=torch.tensor([ids], device=device), past_key_values=past, use_cache=True,
                         attention_mask=mask[None, None].to(device), position_ids=torch.tensor([positions], device=device))
        layers = [(k, v) for k, v, _ in out.past_key_values]
        for line, (start, end) in zip(lines, windows):
            kv = [(k[:, :, start:end].clone(), v[:, :, start:end].clone()) for k, v in layers]
            self._lines[line] = kv
            self.bytes += _nbytes(kv)
        self.computed += len(lines)

    def _evict(self, keep: set) -> None:
        for line in list(self._lines):
            if self.bytes <= self.max_bytes:
                break
            if line not in keep:
                self.bytes -= _nbytes(self._lines.pop(line))


def _cat(tensors: list):
    import torch

    return tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim=2)


def _nbytes(kv: list) -> int:
    return sum(k.nbytes + v.nbytes for k, v in kv)
