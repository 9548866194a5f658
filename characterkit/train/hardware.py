"""What the hardware can do fast: the precision `--precision auto` picks, and the attention
`--attention auto` picks.

    fp32            everything in fp32
    bf16-autocast   fp32 master weights (LoRA + optimizer) and fp32 residual stream; matmuls in bf16.
                    The frozen base's linear weights are stored in bf16 once (`cache_frozen_bf16`):
                    autocast casts frozen weights anew on every forward (it caches casts only of
                    weights that require grad), and the cast gives the same bf16 numbers either way.
                    The frozen weights left in fp32 are copied out of the memory-mapped model file,
                    so the file's pages read for the bf16 copies are not held resident.
                    An activation read by several projections (q, k, v; gate, up) is cast to bf16
                    once for all of them, and LoRA's dropout runs on that bf16 copy: autocast would
                    cast it for each and keep each copy for backward
    bf16            the whole frozen base in bf16 (residual stream too); LoRA weights and the
                    optimizer stay fp32 (peft keeps adapters fp32); matmuls under bf16 autocast
    fp16            fp16 mixed precision (CUDA only)

auto: bf16 on a CUDA GPU that has it, else fp16 there; on a CPU bf16-autocast when it has bf16
instructions (avx512_bf16 or AMX), else fp32. A CPU without them emulates bf16 matmuls, which is
slower than fp32, so torch's own "mkldnn bf16 supported" (true on any AVX-512 CPU) is not enough.

Attention: `default` (transformers' own: torch's fused kernel, sdpa, where the architecture has it),
`plain` (train/attention.py: two bf16 matmuls and a softmax), `sdpa` or `eager` (transformers' plain
one, fp32 softmax). auto: the default on a GPU; on a CPU plain up to a cutoff of PLAIN_MAX_CUTOFF tokens
where the architecture takes custom attention. torch's CPU flash-attention backward is slow at short
lengths: a SmolLM2-135M step (micro-batch 4, bf16 autocast, 2 threads, the two taking turns) ran 1.15x
faster with plain attention at 256 tokens, 1.16x at 512 and 0.90x at 1024 (transformers' eager: 1.13x,
1.03x). Plain attention keeps every layer's attention weights for backward (micro-batch x heads x
cutoff^2 bf16 values: 19 MB a layer for SmolLM2 at 512), another reason it stops there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError

CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of native bf16 dot products
CPUINFO = Path("/proc/cpuinfo")
PLAIN_MAX_CUTOFF = 512


@dataclass(frozen=True)
class Choice:
    """A setting a run trains with and why it was chosen (shown at start and kept in the run card)."""

    name: str
    reason: str

    def to_dict(self) -> dict:
        return {"name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Precision(Choice):
    """The precision a run trains in (see the module docstring for what each name means)."""

    @property
    def mixed(self) -> str | None:
        """The Trainer's mixed-precision mode ("bf16", "fp16") or None for fp32."""
        return None if self.name == "fp32" else self.name.split("-")[0]

    @property
    def weights(self) -> str:
        """The dtype the base model is loaded in: bf16 only for `bf16`; bf16-autocast loads fp32
        and caches bf16 copies of the frozen linear weights after the LoRA is added."""
        return self.name if self.name in ("bf16", "fp16") else "fp32"


def cpu_bf16_flags() -> list[str]:
    """The native-bf16 instruction flags this CPU reports ([] when none, or not Linux)."""
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return [flag for flag in CPU_BF16_FLAGS if flag in flags]


# glibc's malloc hands a freed block of 128 KB or more (the threshold grows to at most 32 MB as it
# learns) back to the system at once, and trims the heap's free top: a training step frees and
# allocates hundreds of MB of activations and logits, and every page handed back faults in again on
# reuse (10,000-75,000 page faults a SmolLM2 step here). Kept in the process instead: about 1,500.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # mallopt's parameters (malloc.h)
KEEP_FREED = ((M_MMAP_THRESHOLD, 1 << 30), (M_TRIM_THRESHOLD, 1 << 31), (M_TOP_PAD, 1 << 28))


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed memory in the process for reuse rather than return it to the
    system (see KEEP_FREED); True when set, False where there is no glibc (macOS, musl, Windows).
    Peak memory is what the step needs either way; it is kept after, until the process ends."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return all(mallopt(param, value) == 1 for param, value in KEEP_FREED)


def choose_precision(requested: str) -> Precision:
    """`requested` as is (with why), or for `auto` the fastest correct precision on this machine."""
    import torch

    if requested != "auto":
        return Precision(requested, "asked for with --precision")
    if torch.cuda.is_available():
        if torch.cuda.is_bf16_supported():
            return Precision("bf16", "auto: this CUDA GPU supports bf16")
        return Precision("fp16", "auto: this CUDA GPU has no bf16; fp16 mixed precision")
    flags = cpu_bf16_flags()
    if flags:
        return Precision("bf16-autocast", f"auto: this CPU has {'/'.join(flags)}, so bf16 matmuls run at about "
                                          "twice fp32's speed; LoRA weights, optimizer and residual stream stay fp32")
    return Precision("fp32", "auto: this CPU has no bf16 instructions (avx512_bf16/amx_bf16), where bf16 is "
                             "emulated and slower than fp32")


def choose_attention(requested: str, cutoff: int, supported: set[str]) -> Choice:
    """`requested` as is, or for `auto` the faster attention at this cutoff on this machine.
    `supported`: the implementations the model's architecture takes ("plain", "sdpa", "eager")."""
    import torch

    if requested != "auto":
        if requested != "default" and requested not in supported:
            raise UserError(f"--attention {requested}: transformers has no such attention for this architecture; "
                            f"choose one of: default, {', '.join(sorted(supported))}")
        return Choice(requested, "asked for with --attention")
    if torch.cuda.is_available():
        return Choice("default", "auto: transformers' own, the fused kernel where the architecture has it, on a GPU")
    if "plain" not in supported:
        return Choice("default", "auto: this architecture takes no custom attention in transformers")
    if cutoff <= PLAIN_MAX_CUTOFF:
        return Choice("plain", f"auto: on a CPU at --cutoff {cutoff} (up to {PLAIN_MAX_CUTOFF}) plain bf16 attention "
                               "runs faster than torch's fused kernel")
    return Choice("default", f"auto: on a CPU above --cutoff {PLAIN_MAX_CUTOFF} torch's fused kernel is faster and "
                             "keeps no attention weights")


def cache_frozen_bf16(model) -> int:
    """Store the frozen linear weights of `model` in bf16; return how many were converted.

    Under bf16 autocast each matmul casts its fp32 weight to bf16 on every forward; doing it once
    gives the same bf16 numbers without the per-step cast (and halves those weights' memory). The
    output embedding (the LM head, often tied to the input embedding) and anything trainable stay fp32;
    a frozen head reads a bf16 copy of its weight under autocast.
    Outside autocast (a direct forward call) hooks run such a layer in bf16 and hand back fp32, so the
    model still runs as an fp32 model would.
    """
    import torch

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    head = base.get_output_embeddings()
    converted = [module for module in base.modules()
                 if isinstance(module, torch.nn.Linear) and module is not head and not module.weight.requires_grad
                 and module.weight.dtype == torch.float32]
    for module in converted:
        module.to(torch.bfloat16)
        module.register_forward_pre_hook(_input_to_bf16)
        module.register_forward_hook(_output_to_fp32)
    cast_once = SharedCast()
    for module in _outermost(base, converted):
        module.register_forward_pre_hook(cast_once)
        module.cast_input_dtype_enabled = False  # peft would cast the bf16 input back to its fp32 weights' dtype
    _copy_out_of_the_loaded_file(base)
    if isinstance(head, torch.nn.Linear) and not head.weight.requires_grad:
        _read_a_bf16_copy_under_autocast(head)
    return len(converted)


def _read_a_bf16_copy_under_autocast(head) -> None:
    """Give the frozen LM head a bf16 copy of its weight to use under bf16 autocast.

    The head stays fp32 because it is usually tied to the input embedding, which feeds the fp32
    residual stream. Autocast cast its 49152 x 576 weight anew on every forward (17 ms a step for
    SmolLM2) and kept the copy for backward anyway; this copy is made once, with the same numbers.
    """
    import torch

    weight = head.weight.detach().to(torch.bfloat16)
    bias = None if head.bias is None else head.bias.detach().to(torch.bfloat16)
    fp32_forward = head.forward

    def forward(x):
        device = x.device.type
        if torch.is_autocast_enabled(device) and torch.get_autocast_dtype(device) == torch.bfloat16:
            return torch.nn.functional.linear(x.to(torch.bfloat16), weight, bias)
        return fp32_forward(x)

    head.forward = forward


def _copy_out_of_the_loaded_file(base) -> None:
    """Copy the frozen fp32 weights left (embeddings, norms) into the process's own memory.

    transformers reads safetensors through a memory map, and a tensor that is a view of it keeps the
    whole map alive: every page of the fp32 projections that were read to make their bf16 copies stays
    resident and counted in the process's memory. SmolLM2-135M: 460 MB of the file's pages were held by
    its 113 MB embedding; copying the embedding out lowered resident memory by 300 MB (1133 -> 828 MB
    after the LoRA was added).
    """
    import torch

    for parameter in base.parameters():
        if parameter.dtype == torch.float32 and not parameter.requires_grad:
            parameter.data = parameter.data.clone()


class SharedCast:
    """A forward pre-hook that, under CPU autocast, hands a projection the bf16 copy of its fp32 input,
    made once for consecutive projections of the same tensor (q, k and v read one normed hidden state).

    Autocast would cast it for each projection and keep each copy for backward. The numbers are the
    same; the gradients of the shared copy are summed in bf16 before the one cast back to fp32.
    The last input is held, so a new tensor cannot reuse its memory and look like it.
    """

    def __init__(self):
        self.source, self.version, self.copy = None, -1, None

    def __call__(self, module, args):
        import torch

        x = args[0] if args else None
        if not isinstance(x, torch.Tensor) or x.dtype != torch.float32 or not torch.is_autocast_enabled(x.device.type):
            return None
        if x is not self.source or x._version != self.version:
            self.source, self.version, self.copy = x, x._version, x.to(torch.bfloat16)
        return (self.copy, *args[1:])


def _outermost(base, converted: list) -> list:
    """The modules the model calls for the `converted` layers: the LoRA layer wrapping one, else the layer."""
    from peft.tuners.lora import LoraLayer

    wrapper = {id(m.base_layer): m for m in base.modules() if isinstance(m, LoraLayer)}
    return [wrapper.get(id(module), module) for module in converted]


def _input_to_bf16(module, args):
    import torch

    x = args[0]
    if torch.is_autocast_enabled(x.device.type) or x.dtype == torch.bfloat16:
        return None
    return (x.to(torch.bfloat16), *args[1:])


def _output_to_fp32(module, args, output):
    import torch

    if torch.is_autocast_enabled(output.device.type) or output.dtype == torch.float32:
        return None
    return output.float()
