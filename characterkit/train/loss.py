"""The training loss over the trained tokens only: logits are computed where a label is, nowhere else.

Our labels train the reply and mask the context (`encode.py`), so most positions of a batch carry no
loss; the legacy recipe still projected every one of them onto the whole vocabulary. Here the
collator adds `logits_to_keep`, a (batch, length) mask of the positions whose next token is a label,
and the model's LM head runs on those rows only (transformers' `slice_logits_to_keep`, 5.x). The
loss is the same cross entropy the model's own loss computes: summed, divided by the number of
trained tokens in the whole accumulated batch (`num_items_in_batch`, counted by the Trainer).
"""

from __future__ import annotations

from characterkit.train.encode import IGNORE


def logits_mask_supported(model) -> bool:
    """True if `model` (a causal LM, or peft's wrapper of one) takes a boolean (batch, length) mask
    as `logits_to_keep`: this transformers slices with masks (5.x, `slice_logits_to_keep`) and the
    model's forward has the argument (a few architectures and remote-code models do not)."""
    import inspect

    try:
        from transformers.modeling_utils import slice_logits_to_keep  # noqa: F401  (added with mask support)
    except ImportError:
        return False
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def trained_positions(labels):
    """(batch, length) bool: True at position i when label i + 1 is trained (position i predicts it)."""
    import torch

    mask = torch.zeros_like(labels, dtype=torch.bool)
    mask[:, :-1] = labels[:, 1:] != IGNORE
    return mask


class WithTrainedPositions:
    """Wraps a collator: adds `logits_to_keep`, the mask of `trained_positions` of its labels."""

    def __init__(self, collator):
        self.collator = collator

    def __call__(self, features: list[dict]) -> dict:
        batch = self.collator(features)
        batch["logits_to_keep"] = trained_positions(batch["labels"])
        return batch


def trained_token_loss(outputs, labels, num_items_in_batch=None):
    """Cross entropy over the trained tokens: the Trainer's `compute_loss_func`.

    `outputs.logits` is (trained tokens, vocab) when the batch carried `logits_to_keep`, or the full
    (batch, length, vocab) when it did not (another collator, or an older transformers).
    """
    import torch.nn.functional as F

    logits = outputs.logits
    targets = labels[:, 1:]
    if logits.dim() == 3:  # every position was projected: shift as the model's own loss does
        logits, targets = logits[:, :-1].flatten(0, 1), targets.flatten()
    else:
        targets = targets[targets != IGNORE]
    loss = F.cross_entropy(logits.float(), targets.to(logits.device), ignore_index=IGNORE, reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else (targets != IGNORE).sum()
    return loss / count
