"""Plain attention (train/attention.py) computes what torch's fused attention does, padding included."""

import pytest
import torch

from characterkit.train import attention


def _model(arch: str, attn: str):
    from transformers import AutoModelForCausalLM, GPT2Config, GPTNeoXConfig, LlamaConfig

    common = {"vocab_size": 64}
    config = {
        # grouped-query attention: 4 query heads share 2 key/value heads
        "llama": lambda: LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                                     num_key_value_heads=2, max_position_embeddings=64, **common),
        "neox": lambda: GPTNeoXConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                      max_position_embeddings=64, **common),
        "gpt2": lambda: GPT2Config(n_embd=32, n_layer=2, n_head=4, n_positions=64, **common),
    }[arch]()
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    model.set_attn_implementation(attention.register() if attn == "plain" else attn)
    return model


def _batch():
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(1, 64, (3, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 13:] = 0  # right padding, as the collator pads
    mask[2, 5:] = 0
    return ids, mask


def _loss_and_grads(model, autocast: bool = False):
    ids, mask = _batch()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        logits = model(input_ids=ids, attention_mask=mask).logits.float()
    real = mask[:, 1:].bool()
    loss = torch.nn.functional.cross_entropy(logits[:, :-1][real], ids[:, 1:][real])
    loss.backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
    return loss.item(), grads, logits[mask.bool()]


@pytest.mark.parametrize("arch", ["llama", "neox", "gpt2"])  # GPT-J has its own attention code, no sdpa
def test_plain_attention_matches_sdpa_in_fp32(arch):
    loss, grads, logits = _loss_and_grads(_model(arch, "sdpa"))
    plain_loss, plain_grads, plain_logits = _loss_and_grads(_model(arch, "plain"))
    assert plain_loss == pytest.approx(loss, rel=1e-5)
    assert torch.allclose(plain_logits, logits, atol=1e-4)
    assert torch.isfinite(plain_grads).all()  # padding rows with nothing to attend to poison no gradient
    assert torch.allclose(plain_grads, grads, rtol=1e-3, atol=1e-5)


def test_plain_attention_under_bf16_autocast_is_sdpa_within_bf16_rounding():
    loss, grads, _ = _loss_and_grads(_model("llama", "sdpa"), autocast=True)
    plain_loss, plain_grads, _ = _loss_and_grads(_model("llama", "plain"), autocast=True)
    assert plain_loss == pytest.approx(loss, rel=0.01)
    assert torch.nn.functional.cosine_similarity(plain_grads, grads, dim=0) > 0.99


def test_plain_attention_soft_caps_scores_as_gemma2_does():
    from transformers import AutoModelForCausalLM, Gemma2Config

    config = Gemma2Config(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, head_dim=8, attn_logit_softcapping=2.0,
                          max_position_embeddings=64)
    torch.manual_seed(0)
    eager = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    torch.manual_seed(0)
    plain = AutoModelForCausalLM.from_config(config, attn_implementation=attention.register())
    loss, grads, logits = _loss_and_grads(eager)
    plain_loss, plain_grads, plain_logits = _loss_and_grads(plain)
    assert plain_loss == pytest.approx(loss, rel=1e-5) and torch.allclose(plain_logits, logits, atol=1e-4)


def test_plain_attention_keeps_packed_samples_apart():
    """Packed rows (position ids restarting at 0) attend within their own sample, as with sdpa."""
    model = _model("llama", "plain")
    ids = torch.randint(1, 64, (1, 16), generator=torch.Generator().manual_seed(5))
    positions = torch.tensor([list(range(6)) + list(range(10))])
    with torch.no_grad():
        packed = model(input_ids=ids, position_ids=positions, use_cache=False).logits[0, 6:]
        alone = model(input_ids=ids[:, 6:]).logits[0]
    assert torch.allclose(packed, alone, atol=1e-4)


def test_plain_attention_makes_a_new_bias_for_each_mask_of_the_same_shape():
    """The additive bias is kept between layers of one forward pass; a different mask of the same
    shape (the next batch) must not reuse it."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    generator = torch.Generator().manual_seed(7)
    query, key, value = (torch.randn(2, 4, 6, 8, generator=generator) for _ in range(3))
    module = torch.nn.Module().eval()
    module.is_causal = True
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    for padded in (6, 3, 4):  # the second sample padded at a different length each time
        mask = causal.expand(2, 1, 6, 6).clone()
        mask[1, 0, :, padded:] = False
        mask[1, 0, padded:, 0] = True  # padding rows keep one key, so sdpa has no empty row
        expected, _ = sdpa_attention_forward(module, query, key, value, mask)
        plain, _ = attention.plain_attention(module, query, key, value, mask)
        assert torch.allclose(plain, expected, atol=1e-5)
        additive = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))  # as a float mask: the same
        assert torch.allclose(attention.plain_attention(module, query, key, value, additive)[0], expected, atol=1e-5)
