"""Which base models llama.cpp can take our LoRA for, and how its converter lays their weights out.

llama.cpp names tensors its own way (`blk.3.attn_q.weight`) and, for some architectures, reorders a
weight's output rows when it converts a model (LLaMA's q/k rows for its RoPE kernel, GPT-NeoX's fused
qkv rows from per-head to all-q-then-k-then-v). A LoRA's `lora_b` holds those same output rows, so
it must be reordered the same way or the adapter would add its change to the wrong rows. The names
come from the `gguf` package's own tensor map (the one llama.cpp's converter uses).
"""

from __future__ import annotations

from dataclasses import dataclass

from characterkit.errors import UserError


@dataclass(frozen=True)
class Arch:
    """A base architecture we can write GGUF for.

    gguf_name: llama.cpp's `general.architecture` (must equal the base GGUF's, or llama.cpp refuses the
    adapter). hf_classes: the `architectures` names in config.json. mergeable: whether `--merge` can
    write a whole model for it (the model writer needs its hyperparameter keys).
    """

    gguf_name: str
    hf_classes: tuple[str, ...]
    mergeable: bool = False

    def tensor_map(self, n_blocks: int):
        import gguf

        model_arch = next(a for a, name in gguf.MODEL_ARCH_NAMES.items() if name == self.gguf_name)
        return gguf.get_tensor_name_map(model_arch, n_blocks)

    def row_order(self, hf_name: str, config: dict):
        """The permutation llama.cpp's converter applies to this weight's output rows (None: none)."""
        import numpy as np

        if self.gguf_name == "llama":
            heads = config["num_attention_heads"]
            if hf_name.endswith("self_attn.q_proj"):
                return _rope_rows(np, config, heads)
            if hf_name.endswith("self_attn.k_proj"):
                return _rope_rows(np, config, config.get("num_key_value_heads") or heads)
        if self.gguf_name == "gptneox" and hf_name.endswith("attention.query_key_value"):
            heads, hidden = config["num_attention_heads"], config["hidden_size"]
            # HF interleaves q, k, v per head; llama.cpp wants all q rows, then all k, then all v.
            return np.arange(3 * hidden).reshape(heads, 3, hidden // heads).transpose(1, 0, 2).reshape(-1)
        return None


def _rope_rows(np, config: dict, heads: int):
    """LLaMA q/k rows: HF's rotate-half pairs (i, i + d/2) become llama.cpp's adjacent pairs (2i, 2i+1)."""
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    rows = heads * head_dim
    return np.arange(rows).reshape(heads, 2, head_dim // 2).swapaxes(1, 2).reshape(-1)


ARCHS = (
    Arch("llama", ("LlamaForCausalLM", "MistralForCausalLM"), mergeable=True),
    Arch("gpt2", ("GPT2LMHeadModel",)),
    Arch("gptneox", ("GPTNeoXForCausalLM",)),
)


def supported_classes(merge: bool = False) -> list[str]:
    return [c for arch in ARCHS if arch.mergeable or not merge for c in arch.hf_classes]


def find_arch(config: dict, where, merge: bool = False) -> Arch:
    """The Arch for a base model's config.json contents; a clear error names the ones we convert."""
    classes = config.get("architectures") or []
    for arch in ARCHS:
        if any(c in arch.hf_classes for c in classes):
            if merge and not arch.mergeable:
                break
            return arch
    what = "merge into a GGUF model" if merge else "convert to a llama.cpp LoRA adapter"
    found = ", ".join(classes) or f"model_type {config.get('model_type')!r}"
    raise UserError(f"the base model is {found}, which characterkit cannot {what}; supported architectures: "
                    f"{', '.join(supported_classes(merge))}", path=where)
