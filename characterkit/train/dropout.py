"""LoRA dropout with a cheap random mask, for CPU training.

torch's CPU dropout draws its mask with `bernoulli_`, one generator call per value: for LoRA dropout
on q and v of SmolLM2 (micro-batch 4, 230 tokens) that was 3 ms a call, 10% of a training step.
Here one 64-bit draw of the same generator (so `--seed` still fixes the run) gives four 15-bit
uniform numbers, and a value is kept when its number is at least p x 32768 (p exact to 1/32768):
1.0 ms a call, draws and masking together, against 2.9. Kept values are scaled by 1 / (1 - p), as
torch's dropout does.
"""

from __future__ import annotations

import torch

LEVELS = 1 << 15  # int64 random_() draws from [0, 2**63): each of its four int16 chunks has 15 uniform low bits


class FastDropout(torch.nn.Module):
    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.threshold = round(p * LEVELS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        count = x.numel()
        words = torch.empty((count + 3) // 4, dtype=torch.int64, device=x.device).random_()
        uniform = words.view(torch.int16)[:count].view(x.shape) & (LEVELS - 1)
        keep = (uniform >= self.threshold).to(x.dtype)
        return x * (keep * (1.0 / (1.0 - self.p)))

    def extra_repr(self) -> str:
        return f"p={self.p}"


def use_fast_lora_dropout(model) -> int:
    """Swap peft's LoRA dropout modules (p > 0) for FastDropout; return how many were swapped."""
    from peft.tuners.lora import LoraLayer

    swapped = 0
    for module in model.modules():
        if isinstance(module, LoraLayer):
            for name, dropout in module.lora_dropout.items():
                if isinstance(dropout, torch.nn.Dropout) and dropout.p > 0:
                    module.lora_dropout[name] = FastDropout(dropout.p)
                    swapped += 1
    return swapped
