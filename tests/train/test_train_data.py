"""Reading datasets: each format's quirks, validation rows, held-out shares, and plain text."""

import json

import pytest

from characterkit.errors import UserError
from characterkit.records import Turn
from characterkit.train.data import read_training_data


def write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows) if path.suffix == ".json" else "".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_legacy_rows_give_persona_turns_and_the_cue_as_character(home):
    path = write(home / "legacy.json", [
        {"input": "Mara's Persona: Keeps the light.\n<START>\nTobias: Hello.\nThe wind rises.\nMara:", "output": "Hm."},
        {"input": "Tobias: Any letters?\n", "output": "One."},  # no cue: the seed script's bug
    ])
    data = read_training_data(str(path))
    first, second = data.train
    assert (first.character, first.persona, first.reply) == ("Mara", "Keeps the light.", "Hm.")
    assert first.turns == [Turn("Tobias", "Hello."), Turn(None, "The wind rises.")]
    assert second.character == "Mara" and second.turns == [Turn("Tobias", "Any letters?")]


def test_sharegpt_gives_one_conversation_per_reply_with_earlier_replies_as_turns(home):
    path = write(home / "chat.json", [{"system": "Keeps the light.", "conversations": [
        {"from": "human", "value": "Tobias: Hello."}, {"from": "gpt", "value": "Hm.", "name": "Mara"},
        {"from": "human", "value": "Tobias: Letters?"}, {"from": "gpt", "value": "One.", "name": "Mara"}]}])
    first, second = read_training_data(str(path)).train
    assert first.reply == "Hm." and first.turns == [Turn("Tobias", "Hello.")] and first.persona == "Keeps the light."
    assert second.turns == [Turn("Tobias", "Hello."), Turn("Mara", "Hm."), Turn("Tobias", "Letters?")]


def test_prompt_completion_rows_train_the_completion_after_the_prompt(home):
    path = write(home / "prompt_completion.jsonl", [{"prompt": "Write a haiku about rain.", "completion": " Soft rain.\n"}])
    data = read_training_data(str(path), character="Poet")
    (conv,) = data.train
    assert data.format == "prompt_completion"
    assert (conv.character, conv.instruction, conv.reply, conv.turns) == ("Poet", "Write a haiku about rain.",
                                                                          "Soft rain.", [])


def test_validation_sibling_and_held_out_share(home):
    rows = [{"instruction": f"Say {i}.", "input": "", "output": f"{i}."} for i in range(10)]
    write(home / "datasets" / "a" / "alpaca.json", rows)
    write(home / "datasets" / "a" / "alpaca.val.json", rows[:2])
    data = read_training_data(str(home / "datasets" / "a" / "alpaca.json"), character="Mara")
    assert (len(data.train), len(data.val), data.train[0].instruction) == (10, 2, "Say 0.")

    write(home / "datasets" / "b" / "alpaca.json", rows)
    held = read_training_data(str(home / "datasets" / "b" / "alpaca.json"), val_split=0.3, seed=1)
    again = read_training_data(str(home / "datasets" / "b" / "alpaca.json"), val_split=0.3, seed=1)
    assert (len(held.train), len(held.val)) == (7, 3)
    assert [c.reply for c in held.val] == [c.reply for c in again.val]  # seeded


def test_plain_text_files_and_text_rows(home):
    (home / "style.txt").write_text("It was a dark night.\n\nThe wind rose.\n")
    (home / "style.val.txt").write_text("Morning came.\n")
    data = read_training_data(str(home / "style.txt"))
    assert data.is_text and "The wind rose." in data.text and data.val_text.strip() == "Morning came."
    rows = read_training_data(str(write(home / "docs.jsonl", [{"text": "One."}, {"text": "Two."}])))
    assert rows.is_text and rows.text == "One.\n\nTwo."


def test_a_folder_prefers_samples_jsonl_and_fingerprints_change_with_content(dataset):
    data = read_training_data("Mara")
    assert data.format == "samples" and data.path.name == "samples.jsonl" and data.val
    (dataset / "samples.jsonl").write_text((dataset / "samples.jsonl").read_text().replace("Kind?", "Kind!"))
    assert read_training_data("Mara").fingerprint != data.fingerprint


@pytest.mark.parametrize("rows, message", [
    ([{"question": "a", "answer": "b"}], "unknown dataset format"),
    ([{"input": "a"}, {"input": "b", "output": "c"}], "unknown dataset format"),
    ([{"messages": "not a list"}], "row 1 does not look like the messages format"),
])
def test_unreadable_rows_name_the_file(home, rows, message):
    with pytest.raises(UserError, match=message):
        read_training_data(str(write(home / "bad.json", rows)))


def test_style_training_on_a_txt_file(home):
    from characterkit.cli import main
    from characterkit.data import sample_transcript_text

    (home / "datasets").mkdir()
    (home / "datasets" / "lighthouse.txt").write_text(sample_transcript_text() * 3)
    assert main(["finetune", "-m", "tiny", "-d", "lighthouse.txt", "-c", "64", "--overlap", "16",
                 "--max-steps", "2", "--save-steps", "0"]) == 0
    lora = home / "loras" / "lighthouse"
    params = json.loads((lora / "training_parameters.json").read_text())
    assert (params["text_dataset"], params["dataset"], params["stride_length"]) == ("lighthouse", "None", 16)
    assert json.loads((lora / "characterkit.json").read_text())["dataset"]["train"]["kept"] > 3
