"""LoRA dropout with a cheap mask (train/dropout.py): torch's dropout in distribution, seeded, swapped into peft."""

import pytest
import torch

from characterkit.train.dropout import FastDropout, use_fast_lora_dropout


def test_fast_dropout_keeps_one_minus_p_of_the_values_scaled_as_torch_does():
    dropout = FastDropout(0.05).train()
    out = dropout(torch.ones(1000, 1000))
    kept = (out != 0).float()
    assert kept.mean().item() == pytest.approx(0.95, abs=0.002)
    assert [kept.flatten()[i::4].mean().item() for i in range(4)] == pytest.approx([0.95] * 4, abs=0.003)
    assert out.unique().tolist() == [0.0, pytest.approx(1 / 0.95)]
    x = torch.randn(3, 7, 5, requires_grad=True)  # any shape, a numel not divisible by 4
    y = FastDropout(0.5).train()(x)
    y.sum().backward()
    assert torch.equal(x.grad, (y != 0).float() * 2.0)  # gradient flows through the kept values only


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("p", [0.05, 0.1, 0.5, 0.9])
def test_fast_dropout_in_16_bits_drops_the_same_values_and_scales_as_the_float_mask(p, dtype):
    """The 16-bit mask is made from bits: it must agree with comparing and converting, value by value."""
    dropout = FastDropout(p).train()
    torch.manual_seed(3)
    half = dropout(torch.ones(500, 300, dtype=dtype))
    torch.manual_seed(3)
    full = dropout(torch.ones(500, 300))
    assert torch.equal(half != 0, full != 0)
    assert half.unique().tolist() == [0.0, torch.tensor(1 / (1 - p), dtype=dtype).item()]
    assert (half != 0).float().mean().item() == pytest.approx(1 - p, abs=0.005)


def test_fast_dropout_refuses_p_of_one():
    with pytest.raises(ValueError, match="not in"):
        FastDropout(1.0)


def test_fast_dropout_is_seeded_by_torch_and_off_in_eval():
    dropout = FastDropout(0.3).train()
    x = torch.ones(64, 64)
    torch.manual_seed(7)
    first = dropout(x)
    torch.manual_seed(7)
    assert torch.equal(dropout(x), first)
    assert not torch.equal(dropout(x), first)
    assert dropout.eval()(x) is x


def test_peft_lora_dropout_is_swapped_only_where_it_drops(tiny_model):
    from characterkit.train.model import add_lora, load_model

    model = add_lora(load_model(tiny_model, "fp32"), ["q_proj", "v_proj"], rank=4, alpha=8, dropout=0.05)
    assert use_fast_lora_dropout(model) == 2 * model.config.num_hidden_layers
    assert all(isinstance(m, FastDropout) and m.p == 0.05 for name, m in model.named_modules()
               if name.endswith("lora_dropout.default"))
    plain = add_lora(load_model(tiny_model, "fp32"), ["q_proj"], rank=4, alpha=8, dropout=0.0)
    assert use_fast_lora_dropout(plain) == 0  # p = 0 is peft's Identity: nothing to draw
