"""`export gguf`: the adapter GGUF read back with gguf's own reader, its numbers against peft's, the
merged model read back by transformers' GGUF loader, and the Modelfile."""

import numpy as np
import pytest
from gguf_helpers import make_lora

from characterkit.cli import main

PROJECTIONS = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
               "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}


def _export(*extra) -> None:
    assert main(["export", "gguf", "--lora", "mara", *extra]) == 0


def _read(path):
    import gguf

    reader = gguf.GGUFReader(path)
    fields = {name: field.contents() for name, field in reader.fields.items()}
    return fields, {t.name: t for t in reader.tensors}


def test_adapter_metadata_names_and_shapes(home, tiny_llama):
    make_lora(home, tiny_llama)
    _export()
    fields, tensors = _read(home / "loras" / "mara" / "gguf" / "mara-lora-f32.gguf")
    assert fields["general.architecture"] == "llama"
    assert fields["general.type"] == "adapter"
    assert fields["adapter.type"] == "lora"
    assert fields["adapter.lora.alpha"] == 8.0
    expected = {f"blk.{i}.{name}.weight.lora_{ab}" for i in range(2) for name in PROJECTIONS.values() for ab in "ab"}
    assert set(tensors) == expected
    # ggml shapes (innermost first): lora_a [n_in, rank], lora_b [rank, n_out]; llama.cpp checks these.
    assert list(tensors["blk.0.attn_q.weight.lora_a"].shape) == [64, 4]
    assert list(tensors["blk.0.attn_q.weight.lora_b"].shape) == [4, 64]
    assert list(tensors["blk.1.attn_k.weight.lora_b"].shape) == [4, 32]  # 2 kv heads x 16
    assert list(tensors["blk.1.ffn_down.weight.lora_a"].shape) == [96, 4]
    assert all(t.tensor_type.name == "F32" for t in tensors.values())


def _peft_deltas(lora_dir, base):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), lora_dir)
    deltas = {}
    for name, module in model.named_modules():
        short = name.rpartition(".")[2]
        if short in PROJECTIONS and hasattr(module, "get_delta_weight"):
            layer = int(name.split(".layers.")[1].split(".")[0])
            deltas[f"blk.{layer}.{PROJECTIONS[short]}.weight"] = module.get_delta_weight("default").detach().numpy()
    return deltas


def _llama_cpp_deltas(path):
    """What llama.cpp adds to each weight: alpha / rank * lora_b @ lora_a (rank from lora_b)."""
    fields, tensors = _read(path)
    alpha = fields["adapter.lora.alpha"]
    deltas = {}
    for name in {n.rpartition(".")[0] for n in tensors}:
        a, b = np.asarray(tensors[name + ".lora_a"].data), np.asarray(tensors[name + ".lora_b"].data)
        deltas[name] = alpha / b.shape[1] * b @ a
    return deltas


def _undo_llama_rows(name, delta):
    """transformers' own inverse of llama.cpp's q/k row order (used when it loads a GGUF)."""
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    undo = LlamaTensorProcessor(config={"num_attention_heads": 4, "num_key_value_heads": 2})
    return undo.process(delta, name).weights


@pytest.mark.parametrize("options", [{}, {"use_rslora": True}, {"alpha_pattern": {"down_proj": 2}}],
                         ids=["plain", "rslora", "alpha_pattern"])
def test_adapter_numbers_equal_peft_delta(home, tiny_llama, options):
    lora_dir = make_lora(home, tiny_llama, **options)
    _export()
    ours = _llama_cpp_deltas(home / "loras" / "mara" / "gguf" / "mara-lora-f32.gguf")
    peft = _peft_deltas(lora_dir, tiny_llama)
    assert set(ours) == set(peft)
    for name, delta in peft.items():
        np.testing.assert_allclose(_undo_llama_rows(name, ours[name]), delta, rtol=1e-5, atol=1e-6, err_msg=name)
    # q and k really are reordered (not just passed through): the raw product differs from peft's.
    assert not np.allclose(ours["blk.0.attn_q.weight"], peft["blk.0.attn_q.weight"])
    assert not np.allclose(ours["blk.0.attn_k.weight"], peft["blk.0.attn_k.weight"])


@pytest.mark.parametrize("outtype,tolerance", [("f16", 2e-2), ("q8_0", 6e-2)])
def test_merged_model_loads_in_transformers_with_peft_logits(home, tiny_llama, outtype, tolerance):
    """transformers reads the merged GGUF back (its own q/k inverse, names, hparams, vocabulary) and
    gives the logits of base + LoRA in peft."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lora_dir = make_lora(home, tiny_llama)
    _export("--merge", "--outtype", outtype)
    out = home / "loras" / "mara" / "gguf"
    fields, tensors = _read(out / f"mara-{outtype}.gguf")
    assert fields["general.type"] == "model" and fields["llama.attention.head_count_kv"] == 2
    assert fields["tokenizer.ggml.model"] == "gpt2" and len(fields["tokenizer.ggml.tokens"]) == 302
    assert tensors["blk.0.attn_norm.weight"].tensor_type.name == "F32"
    assert tensors["blk.0.attn_q.weight"].tensor_type.name == outtype.upper()
    gguf_model = AutoModelForCausalLM.from_pretrained(out, gguf_file=f"mara-{outtype}.gguf", dtype=torch.float32)
    peft = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float32), lora_dir)
    ids = AutoTokenizer.from_pretrained(tiny_llama)("Mara: Hand me the rope, Tobias.", return_tensors="pt").input_ids
    with torch.no_grad():
        expected, got = peft(ids).logits, gguf_model(ids).logits
    base = AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float32)(ids).logits.detach()
    assert (expected - base).abs().max() > 10 * tolerance  # the LoRA matters, so the check can fail
    assert (got - expected).abs().max() < tolerance
    assert "FROM ./mara-" in (out / "Modelfile").read_text() and "ADAPTER" not in (out / "Modelfile").read_text()


def _render(wraps, messages):
    """Ollama's rendering of our TEMPLATE (its Go template, spelled out) for `messages`."""
    text = "" if any(m["role"] == "system" for m in messages) else wraps.no_system
    for m in messages:
        prefix, suffix = getattr(wraps, m["role"])
        text += prefix + m["content"] + suffix
    return text + wraps.cue


def test_chat_template_modelfile_renders_what_training_rendered(home, tiny_llama):
    from transformers import AutoTokenizer

    from characterkit.gguf.modelfile import chat_template_wraps
    from characterkit.prompts import Conversation, get_format
    from characterkit.records import Turn

    make_lora(home, tiny_llama)
    _export()
    text = (home / "loras" / "mara" / "gguf" / "Modelfile").read_text()
    assert f"FROM {tiny_llama.resolve()}\nADAPTER ./mara-lora-f32.gguf\n" in text
    assert 'SYSTEM "Mara keeps the lighthouse."' in text
    assert 'PARAMETER stop "<|im_end|>"' in text
    assert '{{ else if eq .Role "user" }}<|im_start|>user\nYou: {{ .Content }}<|im_end|>\n' in text
    assert text.count('TEMPLATE """') == 1 and "{{-" not in text
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    conv = Conversation(character="Mara", persona="Mara keeps the lighthouse.",
                        turns=[Turn("You", "Hello."), Turn("Mara", "Hand me the rope."), Turn("You", "Here.")])
    messages = [{"role": "system", "content": conv.persona}, {"role": "user", "content": "Hello."},
                {"role": "assistant", "content": "Hand me the rope."}, {"role": "user", "content": "Here."}]
    wraps = chat_template_wraps(tokenizer, "You")
    assert _render(wraps, messages) == get_format("chat-template", tokenizer).render(conv)[0]


def test_pygmalion_modelfile_stops_on_newline(home, tiny_llama):
    from characterkit.gguf.modelfile import pygmalion_wraps
    from characterkit.prompts import Conversation, get_format
    from characterkit.records import Turn

    make_lora(home, tiny_llama, prompt_format="pygmalion")
    _export("--base-gguf", "smollm2:135m")
    text = (home / "loras" / "mara" / "gguf" / "Modelfile").read_text()
    assert "FROM smollm2:135m\n" in text
    # Ollama's parser has no escapes: the newline stop is a real newline inside quotes.
    assert 'PARAMETER stop "\n"\nPARAMETER stop "\nYou:"\n' in text
    assert "Mara's Persona: {{ .Content }}\n<START>\n" in text
    conv = Conversation(character="Mara", persona="Keeps the lighthouse.", turns=[Turn("You", "Hello.")])
    messages = [{"role": "system", "content": "Keeps the lighthouse."}, {"role": "user", "content": "Hello."}]
    assert _render(pygmalion_wraps("Mara", "You"), messages) == get_format("pygmalion").render(conv)[0]


@pytest.mark.parametrize("arch,targets", [("gpt2", ("c_attn", "c_proj", "c_fc")), ("neox", ("query_key_value",))])
def test_gpt2_and_neox_adapters_follow_llama_cpp_layout(home, tmp_path, arch, targets):
    """GPT-2 keeps Conv1D weights as (in, out), which llama.cpp's converter transposes; GPT-NeoX's fused
    qkv rows are per head (q, k, v), which it regroups as all q, all k, all v. The adapter must match."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from characterkit.train.tiny import make_tiny_model

    base = make_tiny_model(tmp_path / arch, arch=arch, hidden=64, heads=4, layers=1)
    lora_dir = make_lora(home, base, prompt_format="pygmalion", targets=targets)
    _export()
    ours = _llama_cpp_deltas(home / "loras" / "mara" / "gguf" / "mara-lora-f32.gguf")
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), lora_dir)
    peft = {name: m.get_delta_weight("default").detach().numpy() for name, m in model.named_modules()
            if hasattr(m, "get_delta_weight") and name.rpartition(".")[2] in targets}
    if arch == "gpt2":
        names = {"attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "mlp.c_fc": "ffn_up",
                 "mlp.c_proj": "ffn_down"}
        for module, gguf_name in names.items():
            delta = next(d for n, d in peft.items() if n.endswith(f"h.0.{module}"))
            np.testing.assert_allclose(ours[f"blk.0.{gguf_name}.weight"], delta.T, rtol=1e-5, atol=1e-6)
    else:
        (delta,) = peft.values()
        # llama.cpp's converter: reshape to (heads, 3, head_dim, n_in) and concatenate q, k, v.
        per_head = delta.reshape(4, 3, 16, 64)
        expected = np.concatenate([per_head[:, i].reshape(-1, 64) for i in range(3)])
        assert set(ours) == {"blk.0.attn_qkv.weight"}
        np.testing.assert_allclose(ours["blk.0.attn_qkv.weight"], expected, rtol=1e-5, atol=1e-6)
        assert not np.allclose(ours["blk.0.attn_qkv.weight"], delta)
