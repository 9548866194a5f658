"""The loss over trained tokens only: logits where a label is, the same value and gradients as the
model's own loss over every position, for padded and packed batches."""

import pytest

from characterkit.prompts import Conversation, PygmalionFormat
from characterkit.train.collate import PadCollator, make_collator
from characterkit.train.encode import IGNORE, ConversationEncoder
from characterkit.train.loss import WithTrainedPositions, logits_mask_supported, trained_positions, trained_token_loss

@pytest.fixture(scope="module")
def lora_model(tiny_model):
    import torch

    from characterkit.train.model import add_lora, load_model

    torch.manual_seed(0)
    model = add_lora(load_model(tiny_model, "fp32"), ["q_proj", "v_proj"], rank=4, alpha=8, dropout=0.0)
    for name, p in model.named_parameters():  # LoRA B starts at zero: make the adapter matter
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)
    return model


@pytest.fixture(scope="module")
def features(tiny_model):
    """(tokenizer, encoded rows) for six samples of the bundled transcript: context masked, reply trained."""
    from train_helpers import transcript_samples

    from characterkit.train.model import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    encoder = ConversationEncoder(PygmalionFormat(), tokenizer, cutoff=128)
    conversations = [Conversation(character=s.character, turns=s.context, reply=s.reply, persona=s.persona)
                     for s in transcript_samples()[:6]]
    return tokenizer, [encoder.encode(conv).as_dict() for conv in conversations]


def test_the_mask_is_used_only_with_models_that_take_it(lora_model):
    import torch

    class NoKeep(torch.nn.Module):  # like the few causal LMs whose forward has no logits_to_keep
        def forward(self, input_ids, attention_mask=None, labels=None):
            return input_ids

    assert logits_mask_supported(lora_model)  # peft's wrapper of a llama of this transformers
    assert not logits_mask_supported(NoKeep())


def test_trained_positions_are_those_before_each_label():
    import torch

    labels = torch.tensor([[IGNORE, IGNORE, 7, 8, IGNORE], [IGNORE, 5, IGNORE, IGNORE, 9]])
    assert trained_positions(labels).tolist() == [[False, True, True, False, False], [True, False, False, True, False]]


def grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("packing", [False, True])
def test_same_loss_and_gradients_as_the_models_own_loss(lora_model, features, packing):
    import torch

    tokenizer, rows = features
    batch = make_collator(packing, tokenizer.pad_token_id, keep_logits=True)(rows)
    assert "logits_to_keep" in batch
    labels = batch["labels"]
    trained = int((labels[:, 1:] != IGNORE).sum())
    inputs = {k: v for k, v in batch.items() if k not in ("labels", "logits_to_keep")}

    lora_model.zero_grad()
    reference = lora_model(**inputs, labels=labels)  # every position projected, the model's own loss
    reference.loss.backward()
    expected = grads(lora_model)

    lora_model.zero_grad()
    outputs = lora_model(**inputs, logits_to_keep=batch["logits_to_keep"])
    assert outputs.logits.shape == (trained, lora_model.config.vocab_size)  # logits for trained tokens only
    loss = trained_token_loss(outputs, labels)
    loss.backward()
    assert loss.item() == pytest.approx(reference.loss.item(), rel=1e-5)
    assert expected and set(grads(lora_model)) == set(expected)
    for name, grad in grads(lora_model).items():
        torch.testing.assert_close(grad, expected[name], rtol=1e-4, atol=1e-6, msg=name)


def test_sum_over_the_accumulated_batch_when_the_trainer_counts_it(lora_model, features):
    """With gradient accumulation the Trainer passes the trained-token count of all micro-batches."""
    tokenizer, rows = features
    batch = WithTrainedPositions(PadCollator(tokenizer.pad_token_id))(rows)
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    outputs = lora_model(**inputs)
    mean = trained_token_loss(outputs, batch["labels"]).item()
    trained = int((batch["labels"][:, 1:] != IGNORE).sum())
    assert trained_token_loss(outputs, batch["labels"], num_items_in_batch=3 * trained).item() == \
        pytest.approx(mean / 3, rel=1e-6)


def test_full_logits_from_a_collator_without_the_mask_give_the_same_loss(lora_model, features):
    tokenizer, rows = features
    batch = PadCollator(tokenizer.pad_token_id)(rows)
    labels = batch.pop("labels")
    outputs = lora_model(**batch)
    assert outputs.logits.dim() == 3
    assert trained_token_loss(outputs, labels).item() == pytest.approx(lora_model(**batch, labels=labels).loss.item(),
                                                                      rel=1e-5)


def test_the_trainer_projects_only_the_trained_positions(home, dataset):
    """What `finetune` builds: its batches carry the mask and its loss sees only trained logits."""
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import build_trainer, plan_run

    trainer = build_trainer(plan_run(FinetuneSettings(model="tiny", data="Mara", micro_batch_size=4)))
    batch = trainer._prepare_inputs(next(iter(trainer.get_train_dataloader())))
    trained = int((batch["labels"][:, 1:] != IGNORE).sum())
    loss, outputs = trainer.compute_loss(trainer.model, dict(batch), return_outputs=True)
    assert outputs.logits.shape == (trained, trainer.model.config.vocab_size)
    assert 0 < loss.item() < 20


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_summed_cross_entropy_is_torch_s_in_value_and_gradient(dtype):
    """Chunked over rows (more rows than one chunk, a last chunk part full), in the logits' dtype."""
    import torch

    from characterkit.train.loss import CHUNK_ROWS, SummedCrossEntropy

    generator = torch.Generator().manual_seed(0)
    rows = 2 * CHUNK_ROWS + 5
    start = (torch.randn(rows, 300, generator=generator) * 4).to(getattr(torch, dtype))
    targets = torch.randint(0, 300, (rows,), generator=generator)
    ours, theirs = start.clone().requires_grad_(), start.clone().requires_grad_()
    loss = SummedCrossEntropy.apply(ours, targets)
    expected = torch.nn.functional.cross_entropy(theirs.float(), targets, reduction="sum")
    (loss / 7).backward()
    (expected / 7).backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert ours.grad.dtype == ours.dtype and torch.equal(ours, theirs)  # the logits were not changed in place
    assert torch.allclose(ours.grad.float(), theirs.grad.float(), atol=1e-6 if dtype == "float32" else 1e-3)
