"""Batching: dynamic padding (the default) or packing. Neither one rewrites the labels.

Dynamic padding pads each batch to its own longest sample, not to the cutoff: with character lines
of a few dozen tokens that is most of the speed-up over the legacy recipe. Packing lays the samples
of a batch end to end in one row; position ids restarting at 0 tell the model where each sample
begins, so attention never crosses from one sample into the next (transformers builds the
block-diagonal mask from them; the model must run with use_cache=False, see finetune.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit.train.encode import IGNORE


@dataclass
class PadCollator:
    """Right-pads input ids with `pad_token_id` and labels with -100; attention_mask marks real tokens.

    Samples with memory blocks (a `windows` key, `memory/blocks.py`) get their position ids and a
    (batch, 1, length, length) mask instead: boolean, or additive floats for attention code that adds
    the mask to the scores (transformers' eager)."""

    pad_token_id: int
    additive_mask: bool = False

    def __call__(self, features: list[dict]) -> dict:
        import torch

        longest = max(len(f["input_ids"]) for f in features)
        input_ids, labels, attention_mask = [], [], []
        for f in features:
            pad = longest - len(f["input_ids"])
            input_ids.append(list(f["input_ids"]) + [self.pad_token_id] * pad)
            labels.append(list(f["labels"]) + [IGNORE] * pad)
            attention_mask.append([1] * len(f["input_ids"]) + [0] * pad)
        batch = {"input_ids": torch.tensor(input_ids), "labels": torch.tensor(labels),
                 "attention_mask": torch.tensor(attention_mask)}
        if "windows" in features[0]:
            batch.update(self._blocks(features, longest))
        return batch

    def _blocks(self, features: list[dict], longest: int) -> dict:
        import torch

        from characterkit.memory.blocks import additive, block_mask, block_positions

        masks, positions = [], []
        for f in features:
            windows = [tuple(w) for w in f["windows"]]
            masks.append(block_mask(longest, windows, real=len(f["input_ids"])))
            positions.append(block_positions(longest, windows))
        mask = torch.stack(masks).unsqueeze(1)
        return {"attention_mask": additive(mask) if self.additive_mask else mask, "position_ids": torch.tensor(positions)}


def make_collator(packing: bool, pad_token_id: int, keep_logits: bool = False, additive_mask: bool = False):
    """The collator for a run: PadCollator, or transformers' flattening collator for --packing;
    with `keep_logits` (see `loss.logits_mask_supported`) each batch also carries the mask of the
    positions the loss needs logits for (`loss.WithTrainedPositions`).

    DataCollatorWithFlattening keeps our labels. It sets each sample's first label to -100: a first
    token is never a target within its own sample, and in the packed row it would otherwise be
    predicted from the previous sample's last token. It returns position_ids, no attention mask.
    """
    from characterkit.train.loss import WithTrainedPositions

    if not packing:
        collator = PadCollator(pad_token_id, additive_mask)
    else:
        from transformers import DataCollatorWithFlattening

        collator = DataCollatorWithFlattening(return_position_ids=True, separator_id=IGNORE)
    return WithTrainedPositions(collator) if keep_logits else collator
