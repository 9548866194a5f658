"""Speed settings: the precision `auto` picks, fp32 master weights, LoRA on the top K layers only."""

from pathlib import Path

import pytest
import torch

from characterkit.train import hardware
from characterkit.train.collate import make_collator
from characterkit.train.config import FinetuneSettings
from characterkit.train.encode import IGNORE
from characterkit.train.loss import trained_token_loss
from characterkit.train.model import add_lora, load_model


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_cpu_bf16_flags_read_from_cpuinfo(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n\n"
                       "processor\t: 1\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n")
    monkeypatch.setattr(hardware, "CPUINFO", cpuinfo)
    assert hardware.cpu_bf16_flags() == ["avx512_bf16"]
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")  # AVX-512, no native bf16
    assert hardware.cpu_bf16_flags() == []
    monkeypatch.setattr(hardware, "CPUINFO", tmp_path / "missing")
    assert hardware.cpu_bf16_flags() == []


def test_auto_picks_bf16_autocast_only_on_a_cpu_with_bf16_instructions(cpu_only, monkeypatch):
    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: ["amx_bf16", "avx512_bf16"])
    chosen = hardware.choose_precision("auto")
    assert (chosen.name, chosen.mixed, chosen.weights) == ("bf16-autocast", "bf16", "fp32")
    assert "amx_bf16/avx512_bf16" in chosen.reason

    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: [])
    chosen = hardware.choose_precision("auto")
    assert (chosen.name, chosen.mixed, chosen.weights) == ("fp32", None, "fp32")
    assert "no bf16 instructions" in chosen.reason
    assert hardware.choose_precision("bf16").reason == "asked for with --precision"


_FAULTS_OF_REUSE = """
import ctypes, resource, sys
from characterkit.train.hardware import keep_freed_memory
kept = sys.argv[1] == "keep" and keep_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
size = 48 << 20  # over the 32 MB glibc's own threshold can learn
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    libc.free(ctypes.c_void_p(block))
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(kept, sum(faults[1:]))
"""


@pytest.mark.skipif(not Path("/lib/x86_64-linux-gnu/libc.so.6").exists() and not Path("/lib64/libc.so.6").exists(),
                    reason="glibc only")
def test_kept_freed_memory_is_reused_without_faulting_its_pages_in_again():
    import subprocess
    import sys

    def run(mode):
        out = subprocess.run([sys.executable, "-c", _FAULTS_OF_REUSE, mode], capture_output=True, text=True, check=True)
        kept, faults = out.stdout.split()
        return kept == "True", int(faults)

    kept, faults_kept = run("keep")
    _, faults_returned = run("return")
    pages = (48 << 20) // 4096
    assert kept
    assert faults_returned >= 4 * pages * 0.9  # each reuse of a returned block faults every page in again
    assert faults_kept < pages * 0.1  # kept: the pages stay mapped


def test_auto_attention_is_plain_on_a_cpu_at_short_cutoffs_and_the_default_elsewhere(cpu_only, monkeypatch):
    from characterkit.errors import UserError
    from characterkit.train.model import attention_support

    llama, gptj = attention_support("llama"), attention_support("gptj")
    assert llama == {"plain", "sdpa", "eager"} and gptj == {"eager"}
    assert hardware.choose_attention("auto", 256, llama).name == "plain"
    assert hardware.choose_attention("auto", hardware.PLAIN_MAX_CUTOFF, llama).name == "plain"
    assert hardware.choose_attention("auto", hardware.PLAIN_MAX_CUTOFF + 1, llama).name == "default"
    assert hardware.choose_attention("auto", 256, gptj).name == "default"  # GPT-J has its own attention code
    assert hardware.choose_attention("sdpa", 256, llama).reason == "asked for with --attention"
    with pytest.raises(UserError, match="--attention sdpa: transformers has no such attention"):
        hardware.choose_attention("sdpa", 256, gptj)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert hardware.choose_attention("auto", 256, llama).name == "default"
    with pytest.raises(UserError, match="unknown --attention 'flash'"):
        FinetuneSettings(model="m", data="d", attention="flash")


def test_plain_and_sdpa_attention_train_the_same_lora(tiny_model):
    """The faster attention on a CPU is a speed choice only: same loss and gradients, padding included."""
    from characterkit.train.attention import NAME

    losses, grads = [], []
    for attention in ("plain", "sdpa"):
        model = _lora_model(tiny_model, "bf16-autocast", attention=attention)
        assert model.config._attn_implementation == (NAME if attention == "plain" else attention)
        loss = _loss(model, _batch(model.config.vocab_size), autocast=True)
        loss.backward()
        losses.append(loss.item())
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters() if p.requires_grad]))
    assert abs(losses[0] - losses[1]) < 0.01 * losses[1]
    assert torch.nn.functional.cosine_similarity(grads[0], grads[1], dim=0) > 0.99


def _lora_model(model_dir, precision: str, lora_layers: int = 0, attention: str | None = None):
    torch.manual_seed(0)
    model = add_lora(load_model(model_dir, hardware.Precision(precision, "").weights, attention=attention),
                     ["q_proj", "v_proj"],
                     rank=8, alpha=16, dropout=0.0, lora_layers=lora_layers)
    if precision == "bf16-autocast":
        hardware.cache_frozen_bf16(model)
    return model


def _batch(vocab: int, length: int = 24):
    generator = torch.Generator().manual_seed(1)
    rows = [{"input_ids": torch.randint(3, vocab, (n,), generator=generator).tolist()} for n in (length, length - 7)]
    for row in rows:  # the second half of each sample is the trained reply
        row["labels"] = [IGNORE] * (len(row["input_ids"]) // 2) + row["input_ids"][len(row["input_ids"]) // 2:]
    return make_collator(False, 0, keep_logits=True)(rows)


def _loss(model, batch, autocast: bool):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        outputs = model(**{k: v for k, v in batch.items() if k != "labels"})
    return trained_token_loss(outputs, batch["labels"])


@pytest.mark.parametrize("precision", ["bf16-autocast", "bf16"])
def test_bf16_keeps_fp32_master_weights_and_the_fp32_loss(tiny_model, precision):
    fp32, mixed = _lora_model(tiny_model, "fp32"), _lora_model(tiny_model, precision)
    trainable = [p for p in mixed.parameters() if p.requires_grad]
    assert trainable and all(p.dtype == torch.float32 for p in trainable)  # LoRA weights (and so AdamW) in fp32
    frozen = {p.dtype for n, p in mixed.named_parameters() if not p.requires_grad and "proj" in n}
    assert frozen == {torch.bfloat16}  # the frozen projections are stored in bf16, not re-cast every step
    batch = _batch(fp32.config.vocab_size)
    reference, loss = _loss(fp32, batch, autocast=False), _loss(mixed, batch, autocast=True)
    assert loss.dtype == torch.float32
    assert abs(_loss(mixed, batch, autocast=False).item() - loss.item()) < 0.02 * loss.item()  # runs outside autocast
    assert abs(loss.item() - reference.item()) < 0.02 * reference.item()  # bf16 rounding, not a different model
    loss.backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in trainable)


def test_bf16_autocast_casts_a_shared_input_once_for_all_its_projections(tiny_model):
    model = _lora_model(tiny_model, "bf16-autocast")
    attention = model.get_base_model().model.layers[0].self_attn
    seen = {}
    for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
        inner = getattr(attention, name)
        inner = getattr(inner, "base_layer", inner)  # q and v carry a LoRA
        inner.register_forward_pre_hook(lambda m, args, name=name: seen.__setitem__(name, args[0]))
    batch = _batch(model.config.vocab_size)
    loss = _loss(model, batch, autocast=True)
    assert seen["q_proj"].dtype == torch.bfloat16
    assert seen["q_proj"] is seen["k_proj"] is seen["v_proj"]  # one bf16 copy of the normed hidden state
    assert seen["o_proj"] is not seen["q_proj"]
    loss.backward()
    fp32 = _lora_model(tiny_model, "fp32")
    assert abs(loss.item() - _loss(fp32, batch, autocast=False).item()) < 0.02 * loss.item()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads.values())


def _in_a_mapped_model_file(tensor) -> bool:
    """Whether `tensor`'s memory lies in a memory map of a .safetensors file (Linux /proc)."""
    address = tensor.untyped_storage().data_ptr()
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5].endswith(".safetensors"):
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if start <= address < end:
                return True
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="reads Linux's /proc/self/maps")
def test_bf16_autocast_keeps_no_weight_in_the_loaded_file(tiny_model):
    """A frozen weight left a view of the memory-mapped file keeps every page read from it resident."""
    loaded = load_model(tiny_model, "fp32")
    assert any(_in_a_mapped_model_file(p) for p in loaded.parameters())  # transformers maps the file
    model = _lora_model(tiny_model, "bf16-autocast")
    assert not any(_in_a_mapped_model_file(p) for p in model.parameters())
    base = model.get_base_model()  # a tied head stays tied (the copy replaces the parameter's data only)
    tied = loaded.get_input_embeddings().weight is loaded.get_output_embeddings().weight
    assert (base.get_input_embeddings().weight is base.get_output_embeddings().weight) == tied


def test_bf16_autocast_casts_no_weight_on_a_training_step(tiny_model):
    """Frozen weights, the LM head's included, are cast to bf16 once, not on every forward."""
    from torch.profiler import ProfilerActivity, profile

    model = _lora_model(tiny_model, "bf16-autocast")
    frozen = {tuple(p.shape) for p in model.parameters() if not p.requires_grad and p.dim() == 2}
    batch = _batch(model.config.vocab_size)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as recorded:
        _loss(model, batch, autocast=True).backward()
    casts = [tuple(e.input_shapes[0]) for e in recorded.events() if e.name == "aten::_to_copy" and e.input_shapes]
    assert casts  # the profiler saw the casts of activations
    assert not frozen & set(casts)
    head = model.get_base_model().get_output_embeddings()
    assert head.weight.dtype == torch.float32  # tied to the fp32 input embedding in most models


def test_lora_layers_adapts_the_top_layers_and_backward_stops_below_them(tmp_path_factory):
    from characterkit.train.tiny import make_tiny_model

    model_dir = make_tiny_model(tmp_path_factory.mktemp("deep") / "tiny4", arch="llama", layers=4)
    model = _lora_model(model_dir, "fp32", lora_layers=2)
    adapted = {int(n.split(".layers.")[1].split(".")[0]) for n, p in model.named_parameters() if p.requires_grad}
    assert adapted == {2, 3}
    layers = model.get_base_model().model.layers
    needs_grad = {}
    for index, layer in enumerate(layers):  # does autograd record anything at the layer's output?
        layer.register_forward_hook(lambda m, args, out, i=index: needs_grad.__setitem__(
            i, (out[0] if isinstance(out, tuple) else out).requires_grad))
    loss = _loss(model, _batch(model.config.vocab_size), autocast=False)
    assert needs_grad == {0: False, 1: False, 2: True, 3: True}  # nothing below layer 2 is part of backward
    loss.backward()
    assert all(p.grad is None for n, p in model.named_parameters() if ".layers.0." in n or ".layers.1." in n)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_lora_layers_with_every_projection_adapts_all_of_them_in_the_top_layers(tiny_model):
    model = add_lora(load_model(tiny_model, "fp32"), "all-linear", rank=4, alpha=8, dropout=0.0, lora_layers=1)
    adapted = {(int(n.split(".layers.")[1].split(".")[0]), n.split(".lora_A")[0].rsplit(".", 1)[-1])
               for n, p in model.named_parameters() if p.requires_grad and ".lora_A" in n}
    assert {layer for layer, _ in adapted} == {1}  # tiny_model has 2 layers: the top one only
    assert {name for _, name in adapted} == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_lora_layers_beyond_the_model_is_a_user_error(tiny_model):
    from characterkit.errors import UserError

    with pytest.raises(UserError, match="only 2 layers"):
        _lora_model(tiny_model, "fp32", lora_layers=3)
    with pytest.raises(UserError, match="--lora-layers"):
        FinetuneSettings(model="m", data="d", lora_layers=-1)


def test_finetune_says_which_precision_it_picked(dataset, home, capsys, cpu_only, monkeypatch):
    from characterkit.cli import main

    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: ["avx512_bf16"])
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "0",
                 "--lora-layers", "1"]) == 0
    err = capsys.readouterr().err
    assert "precision: bf16-autocast (auto: this CPU has avx512_bf16" in err
    assert "attention: plain (auto: on a CPU at --cutoff 256" in err
    import json

    card = json.loads((home / "loras" / "Mara" / "characterkit.json").read_text())
    assert card["result"]["precision"]["name"] == "bf16-autocast" and card["settings"]["lora_layers"] == 1
    assert card["result"]["attention"]["name"] == "plain" and card["settings"]["attention"] == "auto"
    assert card["result"]["threads"] >= 1
