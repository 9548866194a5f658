"""webui's instruction template for our format: webui's Chat Dataset path, run on webui-chat.json with a
real tokenizer, trains exactly the ids and labels `characterkit finetune` trains on samples.jsonl.

`_webui_tokenize` mirrors text-generation-webui's modules/training.py (1dcde41d) tokenize_conversation:
the template set on the tokenizer, labels unmasked between the prompt rendered with the generation
prompt and the conversation through each assistant message. The template is read from the YAML file
as its modules/models_settings.py load_template_by_name does (the `instruction_template` key).
"""

import json

import pytest
import yaml

from characterkit.export import export_samples
from characterkit.export.render import OPENING_TURN
from characterkit.prompts import PygmalionFormat
from characterkit.records import Sample, Turn
from characterkit.train.data import read_training_data
from characterkit.train.encode import ConversationEncoder


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from characterkit.train.tiny import make_tiny_model

    return AutoTokenizer.from_pretrained(make_tiny_model(tmp_path_factory.mktemp("m") / "tiny"))


def _webui_tokenize(tokenizer, messages):
    full = list(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False))
    labels = [-100] * len(full)
    for i, message in enumerate(messages):
        if message["role"] == "assistant":
            header = tokenizer.apply_chat_template(messages[:i], tokenize=True, return_dict=False,
                                                   add_generation_prompt=True)
            through = tokenizer.apply_chat_template(messages[:i + 1], tokenize=True, return_dict=False)
            labels[len(header):min(len(through), len(full))] = full[len(header):min(len(through), len(full))]
    return full, labels


def _stream():
    persona = "A ship's cook with opinions."
    return [
        Sample("a-1", "Mara", [], "Who goes there?", persona=persona),  # opens a scene
        Sample("a-2", "Mara", [Turn("Jon", "Is the soup  ready?"), Turn(None, "Steam rises.")],
               "When it is ready,\nyou will smell it.", persona=persona),
        Sample("a-3", "Mara", [Turn("Mara", "I said so."), Turn("Jon", "Fine.")], "Good."),  # no persona
        Sample("s-1", "Mara", [Turn(None, "The man walked home.\n\nIt rained.")], "It poured.",
               instruction="Rewrite the passage in Mara's voice."),
    ]


def test_template_renders_the_text_and_labels_characterkit_trains(tmp_path, tokenizer):
    folder = tmp_path / "Mara"
    export_samples(_stream(), folder, "Mara", ["webui"])
    template = yaml.safe_load((folder / "instruction-templates" / "Mara-characterkit.yaml").read_text())
    tokenizer.chat_template = template["instruction_template"]
    rows = json.loads((folder / "webui-chat.json").read_text(encoding="utf-8"))
    conversations = read_training_data(str(folder)).train
    assert len(rows) == len(conversations) == 4
    encoder = ConversationEncoder(PygmalionFormat(), tokenizer, cutoff=10_000, add_eos=True)
    for row, conv in zip(rows, conversations):
        ids, labels = _webui_tokenize(tokenizer, row["messages"])
        ours = encoder.encode(conv)
        # characterkit adds the tokenizer's own BOS (this tokenizer adds <s>); webui's template path adds
        # only what the template writes. Everything after it is the same, token for token.
        assert ours.input_ids == [tokenizer.bos_token_id] + ids
        assert ours.labels == [-100] + labels
        assert tokenizer.decode(ids).endswith(f"Mara: {' '.join(conv.reply.split())}\n</s>")


def test_rows_hold_no_empty_user_turn_and_name_the_speaker(tmp_path):
    folder = tmp_path / "Mara"
    export_samples(_stream(), folder, "Mara", ["webui"])
    rows = json.loads((folder / "webui-chat.json").read_text(encoding="utf-8"))
    roles = [[m["role"] for m in row["messages"]] for row in rows]
    assert roles == [["system", "user", "assistant"], ["system", "user", "assistant"], ["user", "assistant"],
                     ["user", "assistant"]]  # a system message only for a persona the user gave
    assert rows[0]["messages"][1]["content"] == OPENING_TURN
    assert rows[3]["messages"][0]["content"] == "Rewrite the passage in Mara's voice.\nThe man walked home. It rained."
    assert all(m["content"].strip() for row in rows for m in row["messages"])
    assert {row["messages"][-1]["name"] for row in rows} == {"Mara"}


def test_generation_prompt_ends_with_the_cue(tmp_path, tokenizer):
    folder = tmp_path / "Mara"
    export_samples(_stream()[2:3], folder, "Mara", ["webui"])
    tokenizer.chat_template = yaml.safe_load(next((folder / "instruction-templates").glob("*.yaml")).read_text())[
        "instruction_template"]
    text = tokenizer.apply_chat_template([{"role": "user", "content": "Jon: Hello."}], tokenize=False,
                                         add_generation_prompt=True)
    assert text == "Jon: Hello.\nMara:"
