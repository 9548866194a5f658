"""Every export format: exact rows on hand-made samples, val siblings, unescaped non-ASCII text,
webui's legacy keyset rule, and loading each file with `datasets.load_dataset("json")`."""

import json

import pytest

from collections import Counter

from characterkit.export import export_samples
from characterkit.export.render import OPENING_TURN
from characterkit.prompts import Conversation, PygmalionFormat
from characterkit.records import Sample

DIALOGUE_USER = "Jon: Is the soup ready?\nSteam rises from the pot."
INSTRUCTION_USER = "Rewrite the passage in Dickens's voice.\nThe man walked home.\n\nIt rained."
DICKENS_REPLY = "It was the best of times,\nit was the worst of times."


def _array(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("[") and text.rstrip().endswith("]")
    return json.loads(text)


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_processed_dataset_is_the_legacy_one_line_array(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["processed_dataset"])["processed_dataset"]
    assert [f.name for f in files] == ["processed_dataset.json", "processed_dataset.val.json"]
    text = files[0].read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1
    rows = json.loads(text)
    assert rows == [
        {"input": "Jon: Is the soup ready?\nSteam rises from the pot.\nMara:",
         "output": "When it is ready, you will smell it."},
        # instruction samples: instruction, the input on one line, the cue; the reply on one line
        {"input": "Rewrite the passage in Dickens's voice.\nThe man walked home. It rained.\nDickens:",
         "output": "It was the best of times, it was the worst of times."},
    ]
    assert [list(row) for row in rows] == [["input", "output"]] * 2  # the legacy key order
    assert _array(files[1]) == [{"input": "Mara:", "output": "Ça va? Ünïcödé — 日本語 «ok»"}]


def test_non_ascii_is_written_unescaped(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", None)
    for paths in files.values():
        for path in paths:
            if path.suffix in (".json", ".jsonl") and "val" in path.name:
                text = path.read_text(encoding="utf-8")
                assert "日本語" in text and "\\u" not in text, path.name


def test_webui_chat_rows(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["webui"])["webui"]
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "webui-chat.json", "webui-chat.val.json", "instruction-templates/Mara-characterkit.yaml"]
    first, second = _array(files[0])
    assert first == {"messages": [
        {"role": "system", "content": "A ship's cook with opinions."},
        {"role": "user", "content": DIALOGUE_USER},
        {"role": "assistant", "content": "When it is ready, you will smell it.", "name": "Mara"}]}
    # no persona: no system message (characterkit trains none); the input turn on one line, as it trains it
    user, assistant = second["messages"]
    assert user == {"role": "user", "content": "Rewrite the passage in Dickens's voice.\nThe man walked home. It rained."}
    assert assistant == {"role": "assistant", "content": DICKENS_REPLY, "name": "Dickens"}
    (val,) = _array(files[1])
    assert val["messages"][0] == {"role": "user", "content": OPENING_TURN}  # the reply opens a scene


def test_no_export_has_an_empty_user_turn_and_openings_are_counted(tmp_path, samples):
    notes = Counter()
    files = export_samples(samples, tmp_path, "Mara", None, notes=notes)
    assert notes["opening_turn_added"] == 1  # the opening sample, once, not once per format
    val = {p.name: p for paths in files.values() for p in paths}
    assert _lines(val["openai.val.jsonl"])[0]["messages"][1] == {"role": "user", "content": OPENING_TURN}
    assert _lines(val["prompt_completion.val.jsonl"])[0]["prompt"][1]["content"] == OPENING_TURN
    assert _array(val["sharegpt.val.json"])[0]["conversations"][0] == {"from": "human", "value": OPENING_TURN}
    assert _array(val["alpaca.val.json"])[0]["instruction"] == OPENING_TURN
    assert _lines(val["human_bot.val.jsonl"])[0]["text"].startswith(f"<human>: {OPENING_TURN}\n<bot>: ")
    for path in val.values():  # the OpenAI cookbook's check: every message has non-empty content
        if path.suffix == ".jsonl" and path.name != "samples.jsonl" and "human_bot" not in path.name:
            for row in _lines(path):
                messages = row.get("messages") or row["prompt"] + row["completion"]
                assert all(m["content"].strip() for m in messages), path.name


def test_prompt_completion_rows_are_trls_conversational_shape(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["prompt-completion"])["prompt-completion"]
    assert [f.name for f in files] == ["prompt_completion.jsonl", "prompt_completion.val.jsonl"]
    first = _lines(files[0])[0]
    assert first == {"prompt": [{"role": "system", "content": "A ship's cook with opinions."},
                                {"role": "user", "content": DIALOGUE_USER}],
                     "completion": [{"role": "assistant", "content": "When it is ready, you will smell it."}]}


def test_trl_reads_prompt_completion_as_conversational_and_masks_the_prompt(tmp_path, samples):
    """TRL's own data helpers (trl 1.16): the rows are conversational prompt-completion, and its
    chat-template step splits them into a prompt and a completion, so the SFTTrainer's default
    completion_only_loss trains the reply only."""
    trl_data = pytest.importorskip("trl.data_utils")
    datasets = pytest.importorskip("datasets")
    from transformers import AutoTokenizer

    from characterkit.train.tiny import make_tiny_model

    files = export_samples(samples, tmp_path / "out", "Mara", ["prompt-completion"])["prompt-completion"]
    rows = datasets.load_dataset("json", data_files=str(files[0]), cache_dir=str(tmp_path / "cache"))["train"]
    assert trl_data.is_conversational(rows[0])
    tokenizer = AutoTokenizer.from_pretrained(make_tiny_model(tmp_path / "tiny"))
    tokenizer.chat_template = ("{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
                               "{% if add_generation_prompt %}<assistant>{% endif %}")
    applied = trl_data.apply_chat_template(rows[0], tokenizer)
    assert applied["prompt"].endswith(f"<user>{DIALOGUE_USER}\n<assistant>")
    assert applied["completion"].startswith("When it is ready, you will smell it.")


def _webui_generate_prompt(format_data: dict, data_point: dict) -> str:
    """text-generation-webui's legacy matching rule (modules/training.py, <= 2026-03), as the oracle."""
    for options, data in format_data.items():
        if set(options.split(",")) == {k for k, v in data_point.items() if isinstance(v, str) and len(v.strip()) > 0}:
            for key, val in data_point.items():
                if isinstance(val, str):
                    data = data.replace(f"%{key}%", val)
            return data
    raise RuntimeError(f"{data_point} has no keyset match within format {list(format_data)}")


def test_webui_legacy_rows_match_their_format_file(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["webui-legacy", "processed_dataset"])
    legacy = files["webui-legacy"]
    assert [f.relative_to(tmp_path).as_posix() for f in legacy] == [
        "webui-legacy.json", "webui-legacy.val.json", "formats/Mara-format.json"]
    assert _array(legacy[0]) == _array(files["processed_dataset"][0])  # the same rows as the legacy file
    template = json.loads(legacy[2].read_text(encoding="utf-8-sig"))  # webui opens it with utf-8-sig
    rendered = [_webui_generate_prompt(template, row) for row in _array(legacy[0]) + _array(legacy[1])]
    assert rendered[0] == "Jon: Is the soup ready?\nSteam rises from the pot.\nMara: When it is ready, you will smell it.\n"
    # ...which is exactly the text characterkit's own finetune trains on (prompt + target)
    for text, sample in zip(rendered, [samples[0], samples[2], samples[1]]):
        conv = Conversation(sample.character, sample.context, sample.reply, instruction=sample.instruction)
        assert text == "".join(PygmalionFormat().render(conv))


def test_webui_legacy_rule_rejects_an_empty_output():
    """Why exports never write an empty output: the row's key set would no longer match."""
    with pytest.raises(RuntimeError, match="no keyset match"):
        _webui_generate_prompt({"input,output": "%input% %output%\n"}, {"input": "Mara:", "output": " "})


def test_llama_factory_alpaca_sharegpt_and_dataset_info(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["llama-factory"])["llama-factory"]
    names = [f.name for f in files]
    assert names == ["alpaca.json", "alpaca.val.json", "sharegpt.json", "sharegpt.val.json", "dataset_info.json"]
    alpaca = _array(tmp_path / "alpaca.json")
    assert alpaca[0] == {"instruction": DIALOGUE_USER, "input": "", "output": "When it is ready, you will smell it.",
                         "system": "A ship's cook with opinions."}
    assert alpaca[1]["instruction"] == "Rewrite the passage in Dickens's voice."
    assert alpaca[1]["input"] == "The man walked home.\n\nIt rained."
    # LLaMA-Factory builds the prompt as instruction + "\n" + input: the same text as the chat exports
    assert "\n".join(p for p in (alpaca[1]["instruction"], alpaca[1]["input"]) if p) == INSTRUCTION_USER
    sharegpt = _array(tmp_path / "sharegpt.json")
    assert sharegpt[0] == {"conversations": [{"from": "human", "value": DIALOGUE_USER},
                                             {"from": "gpt", "value": "When it is ready, you will smell it."}],
                           "system": "A ship's cook with opinions."}
    info = json.loads((tmp_path / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["Mara_alpaca"] == {"file_name": "alpaca.json", "columns": {
        "prompt": "instruction", "query": "input", "response": "output", "system": "system"}}
    assert info["Mara_sharegpt"] == {"file_name": "sharegpt.json", "formatting": "sharegpt",
                                     "columns": {"messages": "conversations", "system": "system"}}
    assert info["Mara_alpaca_val"]["file_name"] == "alpaca.val.json"
    assert all((tmp_path / entry["file_name"]).is_file() for entry in info.values())


def test_openai_and_human_bot_lines(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", ["openai", "human-bot"])
    rows = _lines(files["openai"][0])
    assert len(rows) == 2 and all(row["messages"][-1]["role"] == "assistant" for row in rows)
    assert rows[0]["messages"][1] == {"role": "user", "content": DIALOGUE_USER}
    assert len(_lines(files["openai"][1])) == 1
    human_bot = _lines(files["human-bot"][0])
    assert human_bot[0] == {
        "text": "<human>: Jon: Is the soup ready?\nSteam rises from the pot.\n<bot>: When it is ready, you will smell it.",
        "metadata": {"source": "corpora/ship.txt", "character": "Mara"}}
    assert human_bot[1]["text"] == f"<human>: {INSTRUCTION_USER}\n<bot>: {DICKENS_REPLY}"
    assert human_bot[0]["text"].count("\n") == 2  # real newlines in the value, escaped only on disk


def test_no_val_files_without_val_samples(tmp_path, dialogue, instruction):
    files = export_samples([dialogue, instruction], tmp_path, "Mara", None)
    written = [p for paths in files.values() for p in paths]
    assert not [p for p in written if ".val." in p.name]
    assert not list(tmp_path.rglob("*.val.*"))
    info = json.loads((tmp_path / "dataset_info.json").read_text(encoding="utf-8"))
    assert sorted(info) == ["Mara_alpaca", "Mara_sharegpt"]


def test_samples_jsonl_round_trips_train_and_val(tmp_path, samples):
    files = export_samples(samples, tmp_path, "Mara", [])
    assert list(files) == ["samples"]
    assert [Sample.from_dict(row) for row in _lines(files["samples"][0])] == samples


def test_every_json_file_loads_with_datasets(tmp_path, samples):
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "out"
    files = export_samples(samples, out, "Mara", None)
    expected_rows = {"train": 2, "val": 1}
    for fmt, paths in files.items():
        for path in (p for p in paths if p.suffix in (".json", ".jsonl")):
            loaded = datasets.load_dataset("json", data_files=str(path), cache_dir=str(tmp_path / "cache"))["train"]
            if path.suffix not in (".json", ".jsonl") or fmt == "configs":
                continue
            if path.name.endswith((".card.json", "dataset_info.json", "-format.json")):
                assert loaded.num_rows == 1, path  # a single JSON object (config or card)
            elif fmt == "samples":
                assert loaded.num_rows == len(samples)  # train and val together
            else:
                split = "val" if ".val." in path.name else "train"
                assert loaded.num_rows == expected_rows[split], (fmt, path.name)
