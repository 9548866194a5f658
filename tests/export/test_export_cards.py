"""Character cards: webui YAML (name, greeting, context), a V2 JSON card webui's upload also takes, and
a PNG card with `chara` (V2) and `ccv3` (V3) chunks, one set per character."""

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from characterkit.export import export_samples
from characterkit.export.cards import MAX_EXAMPLES
from characterkit.records import Sample, Turn
from pngchunks import read_png_chunks

V2_DATA_FIELDS = {"name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes",
                  "system_prompt", "post_history_instructions", "alternate_greetings", "tags", "creator",
                  "character_version", "extensions"}


def _cards(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Ship", ["character"])["character"]
    return {f.name: f for f in files}


def test_one_yaml_and_one_v2_card_per_character(tmp_path, samples):
    files = _cards(tmp_path, samples)
    assert sorted(files) == ["Dickens.card.json", "Dickens.png", "Dickens.yaml", "Mara.card.json", "Mara.png",
                             "Mara.yaml"]
    assert all(f.parent == tmp_path / "characters" for f in files.values())


def test_webui_yaml_fields(tmp_path, samples):
    mara = yaml.safe_load(_cards(tmp_path, samples)["Mara.yaml"].read_text(encoding="utf-8"))
    assert list(mara) == ["name", "greeting", "context"]
    assert mara["name"] == "Mara"
    # a question that opened a scene beats her first line (an answer to Jon's question)
    assert mara["greeting"] == "Ça va? Ünïcödé — 日本語 «ok»"
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
    assert data["extensions"] == {} and isinstance(data["tags"], list)
    assert data["description"] == "A ship's cook with opinions."
    assert data["first_mes"] == "Ça va? Ünïcödé — 日本語 «ok»"
    assert data["alternate_greetings"] == ["When it is ready, you will smell it."]
    assert data["mes_example"] == "<START>\n{{user}}: Is the soup ready?\n{{char}}: When it is ready, you will smell it."
    assert "ship.txt" in data["creator_notes"]
    strings = V2_DATA_FIELDS - {"alternate_greetings", "tags", "extensions"}
    assert all(isinstance(data[k], str) for k in strings)


def test_instruction_only_character_gets_a_default_description(tmp_path, samples):
    card = json.loads(_cards(tmp_path, samples)["Dickens.card.json"].read_text(encoding="utf-8"))["data"]
    assert card["description"] == "The voice of Dickens, from Tale."  # style pairs: an author, not a speaker
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
    assert sorted(files) == ["Pip_Co-2.card.json", "Pip_Co-2.png", "Pip_Co-2.yaml", "Pip_Co.card.json", "Pip_Co.png",
                             "Pip_Co.yaml"]
    assert yaml.safe_load(files["Pip_Co-2.yaml"].read_text(encoding="utf-8"))["name"] == "Pip, Co"


def _sillytavern_read(path: Path) -> dict:
    """SillyTavern's card-parser read order (src/character-card-parser.js): `ccv3` first, else `chara`;
    base64 of UTF-8 JSON. Its validator's V2 rules (src/validator/TavernCardValidator.js) are checked
    on the `chara` card in the tests below."""
    chunks = {k.lower(): v for k, v in read_png_chunks(path).items()}
    return json.loads(base64.b64decode(chunks.get("ccv3") or chunks["chara"]).decode("utf-8"))


def _valid_v2(card: dict) -> bool:
    data = card.get("data") or {}
    return (card.get("spec") == "chara_card_v2" and card.get("spec_version") == "2.0" and V2_DATA_FIELDS <= set(data)
            and isinstance(data["alternate_greetings"], list) and isinstance(data["tags"], list)
            and isinstance(data["extensions"], dict))


def test_png_card_carries_v2_and_v3_chunks_of_the_json_card(tmp_path, samples):
    files = _cards(tmp_path, samples)
    chunks = read_png_chunks(files["Mara.png"])  # CRCs checked, plain tEXt chunks
    assert {"chara", "ccv3"} <= set(chunks)
    v2 = json.loads(base64.b64decode(chunks["chara"]).decode("utf-8"))
    json_card = json.loads(files["Mara.card.json"].read_text(encoding="utf-8"))
    assert _valid_v2(v2) and v2["data"] == json_card["data"]
    assert v2["data"]["first_mes"] == "Ça va? Ünïcödé — 日本語 «ok»"  # non-ASCII survives base64 of UTF-8
    v3 = _sillytavern_read(files["Mara.png"])
    assert v3["spec"] == "chara_card_v3" and v3["spec_version"] == "3.0"
    assert v3["data"]["name"] == "Mara" and v3["data"]["group_only_greetings"] == []


def test_png_avatar_is_a_portrait_of_initials_on_a_colour(tmp_path, samples):
    from PIL import Image

    image = Image.open(_cards(tmp_path, samples)["Mara.png"])
    assert image.size == (400, 600) and image.format == "PNG"
    background = image.getpixel((5, 5))
    colours = {image.getpixel((x, y)) for x in range(100, 300, 4) for y in range(220, 380, 4)}
    assert background != (255, 255, 255) and (255, 255, 255) in colours and background in colours
    assert image.info["chara"]  # Pillow reads the chunk back too (webui's TavernAI upload uses it)


def test_json_card_is_also_webuis_upload_shape(tmp_path, samples):
    """webui's "Upload character" (modules/chat.py upload_character) takes a JSON with name, greeting and
    context at the top; SillyTavern's importFromJson takes `spec` + `data`: one file serves both."""
    card = json.loads(_cards(tmp_path, samples)["Mara.card.json"].read_text(encoding="utf-8"))
    mara_yaml = yaml.safe_load(_cards(tmp_path / "y", samples)["Mara.yaml"].read_text(encoding="utf-8"))
    assert "char_name" not in card  # else webui would read it as a Pygmalion JSON
    assert {k: card[k] for k in ("name", "greeting", "context")} == mara_yaml
    assert _valid_v2(card)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_png_card_read_by_a_node_png_reader(tmp_path, samples):
    """The same read in JavaScript (a small PNG chunk walker, as SillyTavern's png-chunks-extract does)."""
    png = _cards(tmp_path, samples)["Mara.png"]
    script = (
        "const b=require('fs').readFileSync(process.argv[1]);let p=8,t={};"
        "while(p<b.length){const n=b.readUInt32BE(p),k=b.toString('latin1',p+4,p+8);"
        "if(k==='tEXt'){const d=b.subarray(p+8,p+8+n),z=d.indexOf(0);t[d.toString('latin1',0,z)]=d.toString('latin1',z+1);}"
        "p+=12+n;}"
        "const j=JSON.parse(Buffer.from(t.ccv3||t.chara,'base64').toString('utf8'));"
        "console.log(JSON.stringify([j.spec,j.data.name,j.data.first_mes]));")
    out = subprocess.run(["node", "-e", script, str(png)], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["chara_card_v3", "Mara", "Ça va? Ünïcödé — 日本語 «ok»"]


def _line(i, speaker, text, character="Algy"):
    return Sample(f"l{i}", character, [Turn(speaker, "Something was said.")] if speaker else [], text)


def test_greeting_skips_lines_addressed_to_someone_else(tmp_path):
    stream = [
        _line(1, "Lane", "Did you hear what I was playing, Lane?"),  # his first line: to the butler
        _line(2, "Jack", "How are you, my dear Ernest? What brings you up to town?"),  # a vocative
        _line(3, "Gwendolen", "But you forget, mamma, it is late."),  # a family word
        _line(4, "Jack", "Yes, Mr. Worthing, what have you got to say to me?"),  # a title and a name
        _line(5, "Jack", "[Stiffly.] Where have you been since last Thursday?"),  # a stage direction
        _line(6, "Jack", "Good evening. What brings you here on such a night?"),  # a greeting, a question to you
        _line(7, None, "Well, what shall we do tonight?"),  # opens a scene, asks
    ]
    card = json.loads(_cards(tmp_path, stream)["Algy.card.json"].read_text(encoding="utf-8"))["data"]
    assert card["first_mes"] == "Good evening. What brings you here on such a night?"
    assert card["alternate_greetings"] == ["Well, what shall we do tonight?"]


def test_greeting_never_names_another_speaker_seen_later(tmp_path):
    stream = [_line(1, None, "How do you do? Is Cecily about?"), _line(2, "Jack", "Hello. Shall we talk?"),
              _line(3, "Cecily", "Here I am.", character="Jack")]
    card = json.loads(_cards(tmp_path, stream)["Algy.card.json"].read_text(encoding="utf-8"))["data"]
    assert card["first_mes"] == "Hello. Shall we talk?"  # Cecily speaks only after the first line was seen


def test_greeting_option_chooses_the_line(tmp_path):
    stream = [_line(1, None, "Hello. How are you today?")]
    files = export_samples(stream, tmp_path, "Algy", ["character"], greetings={"Algy": "Welcome to my flat."})
    data = json.loads(next(f for f in files["character"] if f.name == "Algy.card.json").read_text())["data"]
    assert data["first_mes"] == "Welcome to my flat." and data["alternate_greetings"] == ["Hello. How are you today?"]


def test_default_description_comes_from_the_source(tmp_path):
    source = tmp_path / "earnest_pg844.txt"
    source.write_text("Title: The Importance of Being Earnest: A Trivial Comedy\nAuthor: Oscar Wilde\n\nbody\n")
    stream = [Sample(f"s{i}", "Algy", [Turn(speaker, "Well?")], "Why not? Why ever not?", source=str(source))
              for i, speaker in enumerate(["Jack", "Jack", "Lane", "Jack", "Lane", "Cecily"])]
    data = json.loads(_cards(tmp_path, stream)["Algy.card.json"].read_text(encoding="utf-8"))["data"]
    assert data["description"] == ("Algy, a character in The Importance of Being Earnest by Oscar Wilde. "
                                   "Talks mostly with Jack, Lane and Cecily. Speaks in short lines and asks a lot "
                                   "of questions.")
    assert "Stay in character" not in data["description"]
