"""finetune trains with the memory block chat shows: recalled lines in each sample, never its own reply
nor a line its context already shows."""

import json
from dataclasses import replace

from characterkit.cli import main
from characterkit.data import sample_transcript_path
from characterkit.memory import MemoryIndex
from characterkit.memory.retrieve import recall_query
from characterkit.prompts import Conversation
from characterkit.records import Turn


def _prepared(home):
    assert main(["prepare", "dialogue", str(sample_transcript_path()), "-n", "Mara", "--val-ratio", "0.2"]) == 0
    return home / "datasets" / "Mara"


def test_samples_get_recalled_lines_but_never_their_own_reply_nor_their_context(home):
    from characterkit.train.data import read_training_data
    from characterkit.train.memory import add_recalled_lines, memory_file

    data = read_training_data(str(_prepared(home)))
    report = add_recalled_lines(data, lambda text: len(text.split()))
    assert report["lines"] > 0 and report["samples_with_lines"]["train"] > len(data.train) // 2
    assert report["samples_with_lines"]["val"] > 0  # the held-out loss measures the chat with memory
    index, would_repeat = MemoryIndex.load(memory_file(data), "Mara"), 0
    for conv in data.train + data.val:
        said = [" ".join(t.text.split()) for t in conv.turns if t.speaker == conv.character]
        for text in [" ".join(conv.reply.split()), *said]:
            assert all(f'"{text}"' not in line for line in conv.memories)
        unfiltered = index.recall(recall_query(conv.turns), lambda text: len(text.split()), leave_out=[conv.reply])
        would_repeat += any(f'"{text}"' in line for text in said for line in unfiltered)
    assert would_repeat > 0  # this data does recall lines its contexts show, when they are not left out


def test_a_long_sample_loses_old_context_then_recalled_lines_then_its_cue(home, tiny_model):
    from characterkit.prompts import get_format
    from characterkit.train.encode import ConversationEncoder
    from characterkit.train.model import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    fmt = get_format("pygmalion", tokenizer)
    conv = Conversation(character="Mara", reply="Ahoy.", persona="Mara keeps the light.",
                        turns=[Turn("Tobias", "The tide is late again tonight, and the boats wait.") for _ in range(6)],
                        memories=[f"Tobias: storm {i} -> \"The lamp held through the storm.\"" for i in range(3)])
    full = ConversationEncoder(fmt, tokenizer, cutoff=4096).encode(conv)
    without_context = ConversationEncoder(fmt, tokenizer, cutoff=4096).encode(replace(conv, turns=conv.turns[-1:]))
    encoder = ConversationEncoder(fmt, tokenizer, cutoff=len(without_context.input_ids))
    assert encoder.encode(conv).input_ids == without_context.input_ids  # the old turns go before any line
    assert encoder.stats.context_trimmed == 1 and encoder.stats.memories_trimmed == 0
    tighter = ConversationEncoder(fmt, tokenizer, cutoff=len(without_context.input_ids) - 1)
    kept = tighter.encode(conv)
    assert kept is not None and tighter.stats.memories_trimmed == 1 and len(kept.input_ids) < len(full.input_ids)


def test_finetune_records_the_memory_and_chat_starts_with_recall_on(home, tiny_model):
    from characterkit.chat.load import load_engine, resolve_setup

    _prepared(home)
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "2"]) == 0
    card = json.loads((home / "loras" / "Mara" / "characterkit.json").read_text())
    assert card["dataset"]["memory"]["samples_with_lines"]["train"] > 0
    assert (home / "loras" / "Mara" / "memory.jsonl").is_file()
    assert card["dataset"]["memory"]["attention"] == "blocks"
    engine = load_engine(resolve_setup(lora="Mara"))
    assert engine.recalls and engine.line_cache is not None  # trained with the block: recall starts on, lines kept
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "-l", "Plain", "--max-steps", "2", "--save-steps", "2",
                 "--no-memory"]) == 0
    card = json.loads((home / "loras" / "Plain" / "characterkit.json").read_text())
    assert card["dataset"]["memory"] is None
    assert not load_engine(resolve_setup(lora="Plain")).recalls  # trained without: a switch left off


def test_packing_reads_the_lines_as_plain_text_and_chat_prefills_them(home, tiny_model):
    from characterkit.chat.load import load_engine, resolve_setup

    _prepared(home)
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "1", "--save-steps", "1", "--packing"]) == 0
    card = json.loads((home / "loras" / "Mara" / "characterkit.json").read_text())
    assert card["dataset"]["memory"]["attention"] == "full"  # packed rows carry no per-sample mask
    engine = load_engine(resolve_setup(lora="Mara"))
    assert engine.recalls and engine.line_cache is None


def test_the_collator_gives_samples_with_lines_their_positions_and_block_mask():
    import torch

    from characterkit.memory.blocks import block_mask
    from characterkit.train.collate import PadCollator

    features = [{"input_ids": [5] * 6, "labels": [-100] * 5 + [5], "windows": [[1, 3], [3, 4]]},
                {"input_ids": [5] * 4, "labels": [-100] * 3 + [5], "windows": []}]
    batch = PadCollator(pad_token_id=0)(features)
    assert batch["position_ids"].tolist() == [[0, 1, 2, 1, 4, 5], [0, 1, 2, 3, 4, 5]]
    assert batch["attention_mask"].shape == (2, 1, 6, 6)
    assert batch["attention_mask"][0, 0].tolist() == block_mask(6, [(1, 3), (3, 4)]).tolist()
    assert not batch["attention_mask"][1, 0, :, 4:].any()  # the padding of the shorter sample
    additive = PadCollator(pad_token_id=0, additive_mask=True)(features)["attention_mask"]
    assert additive.dtype == torch.float32 and ((additive == 0) == batch["attention_mask"]).all()
