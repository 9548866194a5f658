"""Which tokens carry loss: only the reply, its newline and EOS; padding and packing never change that."""

from dataclasses import replace

import pytest

from characterkit.prompts import Conversation, PygmalionFormat
from characterkit.records import Turn
from characterkit.train.encode import IGNORE, PROMPT_TOO_LONG, REPLY_TOO_LONG, ConversationEncoder, text_windows

CONV = Conversation(character="Mara", persona="Keeper of the light.",
                    turns=[Turn("Tobias", "Afternoon, Mara."), Turn(None, "The gulls cry."),
                           Turn("Tobias", "Any letters?")],
                    reply="A letter. She writes when she wants something.")


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from characterkit.train.model import load_tokenizer

    return load_tokenizer(tiny_model)


def trained_text(tokenizer, input_ids, labels) -> str:
    """The text of the tokens that carry loss (special tokens kept, so EOS shows as </s>)."""
    return tokenizer.decode([int(i) for i, label in zip(input_ids, labels) if label != IGNORE])


def test_one_batch_from_the_trainer_trains_only_replies_newline_and_eos(home, dataset):
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import build_trainer, plan_run

    plan = plan_run(FinetuneSettings(model="tiny", data="Mara", micro_batch_size=4))
    batch = next(iter(build_trainer(plan).get_train_dataloader()))
    replies = {f" {c.reply}\n</s>" for c in plan.data.train}
    for input_ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"]):
        shown = trained_text(plan.tokenizer, input_ids, labels)
        print(repr(shown))  # `pytest -s` shows exactly what the model is trained to say
        assert shown in replies
        assert all(label == IGNORE for label, m in zip(labels.tolist(), mask.tolist()) if m == 0)
        first_trained = next(i for i, label in enumerate(labels.tolist()) if label != IGNORE)
        assert plan.tokenizer.decode(input_ids[:first_trained]).endswith("Mara:")  # the prompt is masked


def test_eos_is_trained_when_pad_is_eos(tiny_model):
    from characterkit.train.collate import PadCollator
    from characterkit.train.model import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    tokenizer.pad_token = tokenizer.eos_token  # the pygmalion-6b tokenizers do this
    encoder = ConversationEncoder(PygmalionFormat(), tokenizer, cutoff=256)
    short = encoder.encode(replace(CONV, reply="No."))
    long = encoder.encode(CONV)
    batch = PadCollator(tokenizer.pad_token_id)([short.as_dict(), long.as_dict()])
    eos = tokenizer.eos_token_id
    short_labels = batch["labels"][0].tolist()
    assert batch["input_ids"][0].tolist().count(eos) > 1  # the padding is made of EOS ids ...
    assert short_labels.count(eos) == 1  # ... yet exactly the reply's own EOS carries loss
    assert trained_text(tokenizer, batch["input_ids"][0], short_labels) == " No.\n</s>"


def test_oldest_context_goes_first_when_over_the_cutoff(tokenizer):
    fmt = PygmalionFormat()
    full = ConversationEncoder(fmt, tokenizer, cutoff=512).encode(CONV)
    newest_only = ConversationEncoder(fmt, tokenizer, cutoff=512).encode(replace(CONV, turns=CONV.turns[-1:]))
    encoder = ConversationEncoder(fmt, tokenizer, cutoff=len(newest_only.input_ids))
    trimmed = encoder.encode(CONV)
    assert len(full.input_ids) > len(trimmed.input_ids)
    text = tokenizer.decode(trimmed.input_ids)
    assert "Any letters?" in text and "Afternoon" not in text and "gulls" not in text
    assert "Keeper of the light." in text  # the persona stays
    assert encoder.stats.context_trimmed == 1 and encoder.stats.kept == 1


def test_reply_longer_than_cutoff_is_dropped_and_counted(tokenizer):
    fmt = PygmalionFormat()
    long_reply = replace(CONV, reply="word " * 80)
    encoder = ConversationEncoder(fmt, tokenizer, cutoff=64)
    assert encoder.encode(long_reply) is None
    assert encoder.encode(replace(CONV, persona="very long persona " * 30)) is None
    assert encoder.encode(replace(CONV, persona="")) is not None
    assert encoder.stats.dropped == {REPLY_TOO_LONG: 1, PROMPT_TOO_LONG: 1}
    assert encoder.stats.kept == 1


def test_packing_keeps_labels_and_never_attends_across_samples(tokenizer, tiny_model):
    import torch

    from characterkit.train.collate import make_collator
    from characterkit.train.model import load_model

    encoder = ConversationEncoder(PygmalionFormat(), tokenizer, cutoff=256)
    rows = [encoder.encode(c).as_dict() for c in (CONV, replace(CONV, reply="No."), replace(CONV, turns=[]))]
    packed = make_collator(True, tokenizer.pad_token_id)(rows)
    assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
    flat_labels = [x for r in rows for x in [IGNORE] + r["labels"][1:]]
    assert packed["labels"][0].tolist() == flat_labels

    model = load_model(tiny_model, "fp32").eval()
    with torch.no_grad():
        packed_logits = model(input_ids=packed["input_ids"], position_ids=packed["position_ids"]).logits[0]
        alone = torch.cat([model(input_ids=torch.tensor([r["input_ids"]])).logits[0] for r in rows])
    assert torch.allclose(packed_logits, alone, atol=1e-4)


def test_text_windows_overlap_and_train_every_token(tokenizer):
    text = "The lamp is fine. " * 40
    windows = list(text_windows(text, tokenizer, cutoff=32, overlap=8))
    assert len(windows) > 2
    assert all(len(w.input_ids) <= 32 and w.labels == w.input_ids for w in windows)
    for first, second in zip(windows, windows[1:]):
        assert first.input_ids[-8:] == second.input_ids[:8]
    assert windows[-1].input_ids[-1] == tokenizer.eos_token_id
