"""Character cards: webui YAML (name, greeting, context) and SillyTavern V2 JSON, one per character."""

import json

import yaml

from characterkit.export import export_samples
from characterkit.export.cards import MAX_EXAMPLES
from characterkit.records import Sample, Turn

V2_DATA_FIELDS = {"name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes",
                  "system_prompt", "post_history_instructions", "alternate_greetings", "tags", "creator",
                  "character_version", "extensions"}


def _cards(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Ship", ["character"])["character"]
    return {f.name: f for f in files}


def test_one_yaml_and_one_v2_card_per_character(tmp_path, samples):
    files = _cards(tmp_path, samples)
    assert sorted(files) == ["Dickens.card.json", "Dickens.yaml", "Mara.card.json", "Mara.yaml"]
    assert all(f.parent == tmp_path / "characters" for f in files.values())


def test_webui_yaml_fields(tmp_path, samples):
    mara = yaml.safe_load(_cards(tmp_path, samples)["Mara.yaml"].read_text(encoding="utf-8"))
    assert list(mara) == ["name", "greeting", "context"]
    assert mara["name"] == "Mara"
    assert mara["greeting"] == "When it is ready, you will smell it."  # her first line in the stream
    # persona first, then the exchange: the narration after Jon's line is skipped
    assert mara["context"] == ("Mara's Persona: A ship's cook with opinions.\n\n"
                               "{{user}}: Is the soup ready?\n{{char}}: When it is ready, you will smell it.")


def test_yaml_keeps_multiline_context_as_a_block_and_text_unescaped(tmp_path, samples):
    text = _cards(tmp_path, samples)["Mara.yaml"].read_text(encoding="utf-8")
    assert "context: |" in text
    opening = Sample("x-1", "Zoë", [Turn("Jon", "Ça va?")], "Très bien, 日本語.", source="a.txt")
    zoe = _cards(tmp_path / "z", [opening])["Zoë.yaml"].read_text(encoding="utf-8")
    assert "Très bien, 日本語." in zoe and "\\u" not in zoe


def test_v2_card_fields(tmp_path, samples):
    card = json.loads(_cards(tmp_path, samples)["Mara.card.json"].read_text(encoding="utf-8"))
    assert card["spec"] == "chara_card_v2" and card["spec_version"] == "2.0"
    data = card["data"]
    assert V2_DATA_FIELDS <= set(data)
    assert data["extensions"] == {} and data["alternate_greetings"] == [] and isinstance(data["tags"], list)
    assert data["description"] == "A ship's cook with opinions."
    assert data["first_mes"] == "When it is ready, you will smell it."
    assert data["mes_example"] == "<START>\n{{user}}: Is the soup ready?\n{{char}}: When it is ready, you will smell it."
    assert "ship.txt" in data["creator_notes"]
    strings = V2_DATA_FIELDS - {"alternate_greetings", "tags", "extensions"}
    assert all(isinstance(data[k], str) for k in strings)


def test_instruction_only_character_gets_a_default_description(tmp_path, samples):
    card = json.loads(_cards(tmp_path, samples)["Dickens.card.json"].read_text(encoding="utf-8"))["data"]
    assert "Dickens" in card["description"]
    assert card["mes_example"] == ""  # style pairs are not dialogue exchanges
    assert card["first_mes"] == "It was the best of times, it was the worst of times."


def test_greeting_prefers_dialogue_and_examples_are_few_and_short(tmp_path):
    style = Sample("s", "Mara", [Turn(None, "A passage.")], "A rewritten passage.", instruction="Rewrite.")
    long_line = "word " * 100
    stream = [style] + [Sample(f"d{i}", "Mara", [Turn("Jon", f"Question {i}?")], f"Answer {i}.") for i in range(10)]
    stream.insert(1, Sample("long", "Mara", [Turn("Jon", long_line)], "Short answer."))
    stream.insert(2, Sample("self", "Mara", [Turn("Mara", "I said this.")], "And this."))
    mara = yaml.safe_load(_cards(tmp_path, stream)["Mara.yaml"].read_text(encoding="utf-8"))
    assert mara["greeting"] == "Short answer."  # the first line of dialogue, not the style pair
    exchanges = [line for line in mara["context"].splitlines() if line.startswith("{{user}}")]
    assert exchanges == [f"{{{{user}}}}: Question {i}?" for i in range(MAX_EXAMPLES)]


def test_names_that_slug_alike_get_separate_files(tmp_path):
    a = Sample("a", "Pip & Co", [], "Hello.")
    b = Sample("b", "Pip, Co", [], "Goodbye.")
    files = _cards(tmp_path, [a, b])
    assert sorted(files) == ["Pip_Co-2.card.json", "Pip_Co-2.yaml", "Pip_Co.card.json", "Pip_Co.yaml"]
    assert yaml.safe_load(files["Pip_Co-2.yaml"].read_text(encoding="utf-8"))["name"] == "Pip, Co"
