"""Base model + LoRA as one GGUF model (LM Studio lists models, not adapters), LLaMA architecture.

The LoRA is merged with peft's merge_and_unload in float32, then written with the `gguf` package's
writer under llama.cpp's tensor names and hyperparameter keys, q/k rows reordered as llama.cpp's
converter does (characterkit.gguf.arch). Weights are f16 or q8_0; norms stay f32, as llama.cpp's own
converter leaves 1-D tensors. The vocabulary is the tokenizer's byte-level BPE (tokenizer.json).
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.errors import UserError
from characterkit.gguf.arch import Arch


def export_merged(setup, arch: Arch, base_config: dict, path: Path, outtype: str, echo=print) -> None:
    """Merge `setup.lora` into `setup.base_model` and write the model GGUF at `path`."""
    check_mergeable(base_config, setup.base_model / "config.json")
    tokenizer_json = _tokenizer_json(setup.tokenizer_dir)
    state = merged_state_dict(setup.base_model, setup.lora)
    write_model_gguf(path, arch, base_config, state, outtype, setup.tokenizer_dir, tokenizer_json,
                     name=setup.lora.name, echo=echo)


def check_mergeable(config: dict, where: Path) -> None:
    """RoPE scaling variants need extra keys/tensors this writer does not produce: refuse them clearly."""
    rope = config.get("rope_scaling") or config.get("rope_parameters") or {}
    kind = rope.get("rope_type") or rope.get("type") or "default"
    if kind != "default":
        raise UserError(f"the base model uses {kind!r} RoPE scaling, which --merge does not write; export the "
                        "adapter alone (without --merge)", path=where)


def _tokenizer_json(folder: Path) -> dict:
    path = folder / "tokenizer.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"--merge needs the tokenizer's tokenizer.json: {str(e).splitlines()[0]}", path=path) from None
    model = data.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise UserError("--merge writes byte-level BPE vocabularies (GPT-2/LLaMA-3/SmolLM style) only; this "
                        "tokenizer is not one (export the adapter alone, without --merge)", path=path)
    return data


def merged_state_dict(base_model: Path, lora_dir: Path) -> dict:
    """peft's merge of the LoRA into a float32 copy of the base, as numpy arrays by HF name."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from characterkit.train.model import quiet_peft_warnings

    quiet_peft_warnings()
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, lora_dir).merge_and_unload()
    return {name: t.detach().float().numpy() for name, t in merged.state_dict().items()}


def write_model_gguf(path: Path, arch: Arch, config: dict, state: dict, outtype: str, tokenizer_dir: Path,
                     tokenizer_json: dict, name: str, echo=print) -> None:
    import gguf

    from characterkit.gguf.files import gguf_writer

    blocks = config["num_hidden_layers"]
    names = arch.tensor_map(blocks)
    tied = config.get("tie_word_embeddings", False)
    with gguf_writer(path, arch.gguf_name) as writer:
        writer.add_type("model")
        writer.add_name(name)
        _add_llama_hparams(writer, config)
        writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if outtype == "q8_0" else gguf.LlamaFileType.MOSTLY_F16)
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
        pre = _add_vocab(writer, tokenizer_dir, tokenizer_json, config["vocab_size"])
        if pre == "default":
            echo("note: unknown pre-tokenizer; llama.cpp will split text its default way (check replies)")
        for hf_name, data in state.items():
            if hf_name.endswith("rotary_emb.inv_freq") or (tied and hf_name == "lm_head.weight"):
                continue  # recomputed by llama.cpp / the same tensor as token_embd
            gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
            if gguf_name is None:
                raise UserError(f"no llama.cpp tensor for {hf_name!r}; the base model is not a plain LLaMA")
            if (order := arch.row_order(hf_name.rpartition(".")[0], config)) is not None:
                data = data[order]
            writer.add_tensor(gguf_name, *_encode(data, outtype))
        echo(f"writing {len(writer.tensors[0])} tensors ({outtype}) ...")


def _add_llama_hparams(writer, config: dict) -> None:
    heads = config["num_attention_heads"]
    rope = config.get("rope_parameters") or {}
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.get("num_key_value_heads") or heads)
    writer.add_rope_dimension_count(config.get("head_dim") or config["hidden_size"] // heads)
    writer.add_rope_freq_base(float(config.get("rope_theta") or rope.get("rope_theta") or 10000.0))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
    writer.add_vocab_size(config["vocab_size"])


def _add_vocab(writer, tokenizer_dir: Path, tokenizer_json: dict, vocab_size: int) -> str:
    """Tokens by id, their types, merges and special ids; returns the pre-tokenizer name written."""
    import gguf

    vocab = dict(tokenizer_json["model"]["vocab"])
    added = {t["id"]: t for t in tokenizer_json.get("added_tokens", [])}
    vocab.update({t["content"]: i for i, t in added.items()})
    by_id = {i: token for token, i in vocab.items()}
    tokens, types = [], []
    for i in range(max(vocab_size, len(by_id))):
        if i not in by_id:  # embedding rows beyond the tokenizer (padding to a round size)
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        elif i in added:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.CONTROL if added[i].get("special") else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.NORMAL)
    pre = _pre_tokenizer(tokenizer_json.get("pre_tokenizer") or {})
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(tokenizer_dir, load_merges=True, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)
    return pre


def _pre_tokenizer(pre: dict) -> str:
    """llama.cpp's name for how text is split before BPE: GPT-2's regex for a plain byte-level split."""
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt-2"
    return "default"


def _encode(data, outtype: str):
    """(array, raw_shape, raw_dtype) for add_tensor: 1-D stays f32; q8_0 needs rows of 32s, else f16."""
    import gguf
    import numpy as np

    if data.ndim < 2:
        return data.astype(np.float32), None, None
    if outtype == "q8_0" and data.shape[-1] % 32 == 0:
        return gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0), None, gguf.GGMLQuantizationType.Q8_0
    return data.astype(np.float16), None, None
