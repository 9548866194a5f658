"""Plain attention for CPU training: two bf16 matmuls and a softmax, one bf16 copy of the weights kept.

torch's fused CPU kernel (`sdpa`) is slow in backward at the short lengths chat samples have, and
transformers' `eager` attention, though faster there, runs the softmax in fp32 under autocast and
keeps an fp32 and a bf16 copy of every layer's attention weights for backward (6 bytes per value).
This one casts q, k and v to the autocast dtype once, runs the softmax in it (torch accumulates in
fp32 inside), and keeps one bf16 copy (2 bytes per value), shared by the softmax's and the matmul's
backward. Peak memory training SmolLM2 (bench finetune_real, micro-batch 4, cutoff 256): sdpa 2.68 GB,
eager 3.06 GB, plain 2.76 GB. Grouped-query heads read their shared key/value head through a
reshape, not a copy per query head (`repeat_kv`).

Registered with transformers under NAME; it takes transformers' boolean sdpa mask (padding, packed
samples, sliding windows are all in it) and builds the causal one when transformers skips it.
Masked scores are set to the dtype's lowest finite value, not -inf: a row with nothing to attend
to (a padding position) then gets finite weights instead of NaN, which would poison the gradients
of every weight it touches even though its own loss weight is zero.
"""

from __future__ import annotations

NAME = "characterkit_plain"


def register() -> str:
    """Make NAME a transformers attention implementation (idempotent); return NAME."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(NAME, plain_attention)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    return NAME


def plain_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """softmax(q k^T * scaling + mask) v for query (batch, heads, q_len, dim) and key/value
    (batch, kv_heads, kv_len, dim); returns (output (batch, q_len, heads, dim), None)."""
    import torch

    if kwargs.get("s_aux") is not None:
        raise ValueError("--attention plain does not do attention sinks; use --attention default")
    device = query.device.type
    dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else value.dtype
    batch, heads, q_len, dim = query.shape
    kv_heads, kv_len = key.shape[1], key.shape[2]
    groups = heads // kv_heads  # query head h reads key/value head h // groups, as repeat_kv lays them out
    scale = dim ** -0.5 if scaling is None else scaling
    with torch.autocast(device, enabled=False):
        q = (query.to(dtype) * scale).reshape(batch, kv_heads, groups * q_len, dim)
        scores = (q @ key.to(dtype).transpose(-1, -2)).view(batch, kv_heads, groups, q_len, kv_len)
        if kwargs.get("softcap"):  # Gemma 2's soft-capped scores
            scores = torch.tanh(scores / kwargs["softcap"]) * kwargs["softcap"]
        if attention_mask is None:  # transformers leaves out a mask that is only causal
            attention_mask = torch.ones(q_len, kv_len, dtype=torch.bool, device=query.device).tril(kv_len - q_len)
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask.view(-1, 1, 1, q_len, kv_len), torch.finfo(dtype).min)
        else:  # an additive float mask
            scores = scores + attention_mask.to(dtype).view(-1, 1, 1, q_len, kv_len)
        weights = scores.softmax(dim=-1)
        if dropout and module.training:
            weights = torch.nn.functional.dropout(weights, p=dropout)
        output = weights.view(batch, kv_heads, groups * q_len, kv_len) @ value.to(dtype)
    return output.view(batch, heads, q_len, dim).transpose(1, 2), None
