"""Trainer configs beside the data: every option name is one the tool defines (read from LLaMA-Factory's
hparams dataclasses and axolotl's config schemas, tests/export/data/tool_keys.json), and the files,
dataset names and field mappings they name exist in what we wrote."""

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from characterkit.export import export_samples

KEYS = json.loads((Path(__file__).parent / "data" / "tool_keys.json").read_text())


@pytest.fixture
def folder(tmp_path, samples):
    export_samples(samples, tmp_path / "Mara", "Mara", None)
    return tmp_path / "Mara"


def _yaml(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Written by characterkit.")
    return yaml.safe_load(text)


def test_llamafactory_config_uses_its_options_and_our_registered_datasets(folder):
    from transformers import Seq2SeqTrainingArguments  # LLaMA-Factory's TrainingArguments extends it

    config = _yaml(folder / "llamafactory-train.yaml")
    known = set(KEYS["llamafactory"]) | {f.name for f in dataclasses.fields(Seq2SeqTrainingArguments)}
    assert set(config) <= known, set(config) - known
    info = json.loads((folder / "dataset_info.json").read_text())
    assert config["dataset"] == "Mara_sharegpt" and config["eval_dataset"] == "Mara_sharegpt_val"
    assert (folder / config["dataset_dir"] / info[config["dataset"]]["file_name"]).is_file()
    assert (config["stage"], config["finetuning_type"]) == ("sft", "lora")


def test_axolotl_config_reads_the_messages_file_with_chat_template(folder):
    config = _yaml(folder / "axolotl.yaml")
    assert set(config) <= set(KEYS["axolotl_config"]), set(config) - set(KEYS["axolotl_config"])
    (train,), (test,) = config["datasets"], config["test_datasets"]
    for entry in (train, test):
        assert set(entry) <= set(KEYS["axolotl_dataset"])
        assert entry["type"] == "chat_template" and (folder / entry["path"]).is_file()
        row = json.loads((folder / entry["path"]).read_text(encoding="utf-8").splitlines()[0])
        assert [m["role"] for m in row[entry["field_messages"]]][-1] == "assistant"
    assert (config["adapter"], config["train_on_inputs"]) == ("lora", False)


def test_axolotl_maps_sharegpt_fields_when_there_is_no_messages_file(tmp_path, samples):
    export_samples(samples, tmp_path / "lf", "Mara", ["llama-factory"])
    (entry,) = _yaml(tmp_path / "lf" / "axolotl.yaml")["datasets"]
    assert entry["path"] == "sharegpt.json" and entry["field_messages"] == "conversations"
    assert entry["message_property_mappings"] == {"role": "from", "content": "value"}
    assert set(entry) <= set(KEYS["axolotl_dataset"])


def test_no_configs_without_their_data(tmp_path, samples):
    files = export_samples(samples, tmp_path / "c", "Mara", ["character"])
    assert "configs" not in files and not list((tmp_path / "c").glob("*.yaml"))
