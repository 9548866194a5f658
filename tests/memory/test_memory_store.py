"""The memory file and its retrieval: the character's own training lines, searchable by topic."""

import json

import pytest

from characterkit.errors import UserError
from characterkit.memory import MemoryIndex, read_memory, write_memory
from characterkit.memory.store import entries_from_samples


def _sample(character, reply, context=(), split="train", instruction=""):
    return {"character": character, "reply": reply, "split": split, "instruction": instruction,
            "context": [{"speaker": s, "text": t} for s, t in context], "source": "play.txt"}


ROWS = [
    _sample("Mara", "The lighthouse keeper drowned in the winter storm.", [("Tobias", "What happened to the keeper?")]),
    _sample("Mara", "I planted the apple orchard behind the mill myself.", [("Tobias", "Who planted those trees?")]),
    _sample("Mara", "Rope, lanterns and a spare sail: that is all a boat needs.", [(None, "The harbour is quiet.")]),
    _sample("Tobias", "The apple orchard was never hers.", [("Mara", "Mine, all of it.")]),
    _sample("Mara", "My brother sails to Lisbon in May.", [("Tobias", "Where is he?")], split="val"),
    _sample("Mara", "A plain paraphrase.", instruction="Rephrase this"),
]


def test_memory_keeps_training_replies_with_the_turn_they_answered(tmp_path):
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    assert write_memory(samples, tmp_path / "memory.jsonl") == 4  # not the val row, not the instruction row
    mara = read_memory(tmp_path / "memory.jsonl", "mara")  # names match in any case
    assert [e.text for e in mara] == [r["reply"] for r in ROWS[:3]]
    assert mara[0].cue == "Tobias: What happened to the keeper?"
    assert mara[2].cue == "The harbour is quiet."  # narration has no speaker
    assert "Lisbon" not in (tmp_path / "memory.jsonl").read_text()  # held-out lines stay unseen


def test_retrieval_finds_the_characters_own_line_about_a_topic():
    index = MemoryIndex(list(entries_from_samples(ROWS)))
    best = index.search("Tell me about the orchard you planted", k=2)
    assert best[0].character == "Mara" and "orchard" in best[0].text
    assert index.search("What happened to the lighthouse keeper?", k=1)[0].text.startswith("The lighthouse keeper")


def test_retrieval_returns_nothing_for_words_no_line_has():
    index = MemoryIndex(list(entries_from_samples(ROWS)))
    assert index.search("zebra quantum", k=3) == []
    assert index.search("the and of", k=3) == []  # stop words only
    assert MemoryIndex([]).search("orchard") == []


def test_a_broken_memory_file_is_one_clear_error(tmp_path):
    path = tmp_path / "memory.jsonl"
    path.write_text('{"character": "Mara", "text": "ok"}\n{"nope": 1}\n')
    with pytest.raises(UserError, match=r"memory.jsonl:2: not a memory entry"):
        read_memory(path)


def test_recall_renders_the_best_lines_within_the_budget_and_leaves_out_a_line():
    from characterkit.memory.retrieve import MEMORY_LINES, MEMORY_TOKENS, recall_query
    from characterkit.records import Turn

    index = MemoryIndex(list(entries_from_samples(ROWS)))
    words = lambda text: len(text.split())  # noqa: E731 - a stand-in tokenizer: one token per word
    query = recall_query([Turn("Tobias", "Nice weather."), Turn("Tobias", "Who planted the orchard?"),
                          Turn("Tobias", "And the lighthouse keeper?")])
    assert "Nice weather" not in query  # the turn answered and the one before it, as chat asks
    lines = index.recall(query, words)
    assert 1 <= len(lines) <= MEMORY_LINES and sum(map(words, lines)) <= MEMORY_TOKENS
    assert any("orchard" in line for line in lines) and lines[0].startswith("Tobias: ")  # cue -> "answer"
    mine = "I planted the apple orchard behind the mill myself."
    assert not any(mine in line for line in index.recall(query, words, leave_out=[mine]))  # training: not its own reply
    shown = index.recall(query, words, leave_out=["Tobias: Who planted the orchard?", f"  {mine}\n"])
    assert shown and not any(mine in line for line in shown)  # a line the prompt already shows, however spaced
    assert index.recall(query, lambda text: MEMORY_TOKENS + 1) == []  # nothing fits: nothing recalled
