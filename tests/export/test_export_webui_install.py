"""into-webui: both webui layouts and both training tabs, the LoRA and its parameters, all files or none."""

import json
import os

import pytest
import yaml

from characterkit.errors import UserError
from characterkit.export import export_samples, install_into_webui
from characterkit.export.webui_install import WebuiInstall, install
from characterkit.train import artifacts
from characterkit.train.config import FinetuneSettings

# text-generation-webui 7bf15ad9 (the last commit with the formats/ tab), modules/training.py PARAMETERS
LEGACY_PARAMETERS = ["lora_name", "always_override", "q_proj_en", "v_proj_en", "k_proj_en", "o_proj_en", "gate_proj_en",
                     "down_proj_en", "up_proj_en", "save_steps", "micro_batch_size", "batch_size", "epochs",
                     "learning_rate", "lr_scheduler_type", "lora_rank", "lora_alpha", "lora_dropout", "cutoff_len",
                     "dataset", "eval_dataset", "format", "eval_steps", "raw_text_file", "overlap_len",
                     "newline_favor_len", "higher_rank_limit", "warmup_steps", "optimizer", "hard_cut_string",
                     "train_only_after", "stop_at_loss", "add_eos_token", "min_chars", "report_to"]
# 1dcde41d (current) modules/training.py PARAMETERS
CURRENT_PARAMETERS = ["lora_name", "always_override", "all_linear", "q_proj_en", "v_proj_en", "k_proj_en", "o_proj_en",
                      "gate_proj_en", "down_proj_en", "up_proj_en", "save_steps", "micro_batch_size", "batch_size",
                      "epochs", "learning_rate", "lr_scheduler_type", "lora_rank", "lora_alpha", "lora_dropout",
                      "cutoff_len", "dataset", "eval_dataset", "format", "eval_steps", "text_dataset", "warmup_steps",
                      "optimizer", "stride_length", "stop_at_loss", "add_eos_token", "excess_length", "report_to",
                      "gradient_checkpointing"]


@pytest.fixture
def dataset(tmp_path, samples):
    folder = tmp_path / "datasets" / "Mara"
    export_samples(samples, folder, "Mara", None)
    return folder


def _webui(tmp_path, layout="user_data", tab="current"):
    """A webui folder: `user_data/` (2025-04 on) or the root layout; the training module of either tab."""
    webui = tmp_path / "text-generation-webui"
    (webui / "modules").mkdir(parents=True)
    (webui / "server.py").write_text("# webui\n")
    mention = "utils.get_datasets('user_data/training/formats', 'json')" if tab == "legacy" else "get_chat_datasets"
    (webui / "modules" / "training.py").write_text(f"# {mention}\n")
    if layout == "user_data":
        (webui / "user_data" / "models").mkdir(parents=True)
    return webui


def _lora(tmp_path, dataset, cutoff_trimmed=0):
    """A LoRA folder as finetune leaves it (adapter bytes are stand-ins: nothing here loads them)."""
    lora = tmp_path / "loras" / "Mara"
    (lora / "checkpoint-10").mkdir(parents=True)
    (lora / "checkpoint-10" / "optimizer.pt").write_bytes(b"state")
    (lora / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 16}\n')
    (lora / "adapter_model.safetensors").write_bytes(b"weights")
    settings = FinetuneSettings(model="tiny", data=str(dataset), cutoff=256)
    params = artifacts.training_parameters(settings, "Mara", ["q_proj", "v_proj"], "Mara", False, "pygmalion")
    (lora / "training_parameters.json").write_text(json.dumps(params))
    card = {"character": "Mara", "persona": "", "greeting": "Hello.", "prompt_format": "pygmalion",
            "dataset": {"path": str(dataset / "samples.jsonl"),
                        "train": {"kept": 40, "dropped": {"reply_longer_than_cutoff": 1}, "context_trimmed": cutoff_trimmed}},
            "settings": {"cutoff": 256}}
    (lora / "characterkit.json").write_text(json.dumps(card))
    return lora


def _relative(paths, base):
    return sorted(p.relative_to(base).as_posix() for p in paths)


CHARACTERS = ["characters/Dickens.png", "characters/Dickens.yaml", "characters/Mara.png", "characters/Mara.yaml"]


@pytest.mark.parametrize("layout, root", [("user_data", "user_data"), ("root", ".")])
def test_current_tab_gets_the_chat_dataset_and_template_not_formats(tmp_path, dataset, layout, root):
    webui = _webui(tmp_path, layout)
    installed = install_into_webui(dataset, webui, "Mara")
    base = webui / root
    assert _relative(installed, base) == sorted(["training/datasets/Mara.json", "training/datasets/Mara-val.json",
                                                 "instruction-templates/Mara-characterkit.yaml"] + CHARACTERS)
    assert (base / "training/datasets/Mara.json").read_bytes() == (dataset / "webui-chat.json").read_bytes()
    assert not (base / "training" / "formats").exists()  # that tab is gone from current webui
    assert not list(webui.rglob("*.card.json"))  # webui would list a .json there as a character
    if layout == "user_data":
        assert not (webui / "training").exists()


@pytest.mark.parametrize("layout, root", [("user_data", "user_data"), ("root", ".")])
def test_legacy_tab_gets_the_legacy_file_and_its_format(tmp_path, dataset, layout, root):
    webui = _webui(tmp_path, layout, tab="legacy")
    installed = install_into_webui(dataset, webui, "Mara")
    assert _relative(installed, webui / root) == sorted(
        ["training/datasets/Mara-legacy.json", "training/datasets/Mara-legacy-val.json",
         "training/formats/Mara-format.json"] + CHARACTERS)


def test_tab_is_told_by_the_training_module_else_by_a_formats_folder(tmp_path):
    webui = _webui(tmp_path, tab="legacy")
    assert WebuiInstall.find(webui).legacy
    (webui / "modules" / "training.py").unlink()
    assert not WebuiInstall.find(webui).legacy
    (webui / "user_data" / "training" / "formats").mkdir(parents=True)
    assert WebuiInstall.find(webui).legacy


def _listed_templates(root):
    """The current tab's Instruction Template choices (modules/training.py get_instruction_templates)."""
    stems = sorted(p.stem for p in (root / "instruction-templates").iterdir() if p.suffix in (".yaml", ".yml", ".jinja"))
    return ["None", "Chat Template"] + stems


def _listed_chat_datasets(root):
    """utils.get_chat_datasets: JSON arrays whose first row has `messages` or `conversations`."""
    out = []
    for path in sorted((root / "training" / "datasets").glob("*.json")):
        rows = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(rows, list) and rows and ({"messages", "conversations"} & set(rows[0])):
            out.append(path.stem)
    return out


def test_lora_goes_to_loras_with_parameters_its_tab_lists(tmp_path, dataset):
    webui = _webui(tmp_path)
    lora = _lora(tmp_path, dataset)
    result = install(webui, dataset=dataset, name="Mara", lora=lora)
    root = webui / "user_data"
    assert sorted(p.name for p in (root / "loras" / "Mara").iterdir()) == [
        "adapter_config.json", "adapter_model.safetensors", "characterkit.json", "training_parameters.json"]
    params = json.loads((root / "loras" / "Mara" / "training_parameters.json").read_text())
    assert list(params) == CURRENT_PARAMETERS
    assert params["format"] == "Mara-characterkit" and params["format"] in _listed_templates(root)
    assert params["dataset"] in _listed_chat_datasets(root)
    assert any(p.name == "adapter_model.safetensors" for p in result.installed)


def test_lora_in_a_legacy_webui_points_at_the_legacy_files(tmp_path, dataset):
    webui = _webui(tmp_path, layout="root", tab="legacy")
    result = install(webui, dataset=dataset, name="Ship", lora=_lora(tmp_path, dataset))
    assert "cuts them at the cutoff" in result.notes[0]  # the legacy tab truncates where the current one drops
    params = json.loads((webui / "loras" / "Mara" / "training_parameters.json").read_text())
    assert list(params) == LEGACY_PARAMETERS
    assert params["format"] == "Ship-format" and (webui / "training/formats/Ship-format.json").is_file()
    assert params["dataset"] == "Ship-legacy" and (webui / "training/datasets/Ship-legacy.json").is_file()
    assert params["q_proj_en"] and params["v_proj_en"] and not params["k_proj_en"]


def test_lora_alone_brings_its_character_and_says_what_webui_drops(tmp_path, dataset):
    webui = _webui(tmp_path)
    result = install(webui, lora=_lora(tmp_path, dataset, cutoff_trimmed=3))
    root = webui / "user_data"
    assert _relative([p for p in result.installed if "characters" in p.parts], root) == [
        "characters/Mara.png", "characters/Mara.yaml"]
    assert (root / "characters/Mara.yaml").read_bytes() == (dataset / "characters/Mara.yaml").read_bytes()
    assert result.notes and result.notes[0].startswith("4 of 41 training rows are longer than the cutoff of 256")
    assert "drops them" in result.notes[0]


def test_lora_without_its_dataset_folder_gets_a_character_from_the_run_card(tmp_path, dataset):
    lora = _lora(tmp_path, dataset)
    card = json.loads((lora / "characterkit.json").read_text())
    card["dataset"]["path"] = str(tmp_path / "moved" / "samples.jsonl")
    (lora / "characterkit.json").write_text(json.dumps(card))
    webui = _webui(tmp_path)
    install(webui, lora=lora)
    assert yaml.safe_load((webui / "user_data/characters/Mara.yaml").read_text()) == {"name": "Mara", "greeting": "Hello."}


def test_not_a_webui_folder(tmp_path, dataset):
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(UserError, match="not a text-generation-webui folder"):
        install_into_webui(dataset, tmp_path / "elsewhere", "Mara")
    with pytest.raises(UserError, match="not found"):
        install_into_webui(dataset, tmp_path / "missing", "Mara")


def test_dataset_without_webui_files(tmp_path, samples):
    folder = tmp_path / "only-openai"
    export_samples(samples, folder, "Mara", ["openai"])
    with pytest.raises(UserError, match="no text-generation-webui files"):
        install_into_webui(folder, _webui(tmp_path), "Mara")


def test_same_files_install_twice(tmp_path, dataset):
    webui = _webui(tmp_path)
    assert install_into_webui(dataset, webui, "Mara") == install_into_webui(dataset, webui, "Mara")


def test_a_different_existing_file_stops_the_install(tmp_path, dataset):
    webui = _webui(tmp_path)
    mine = webui / "user_data" / "characters" / "Mara.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: Mara\ngreeting: my own card\n")
    with pytest.raises(UserError, match="Mara.yaml") as err:
        install_into_webui(dataset, webui, "Mara")
    assert "--overwrite" in str(err.value)
    assert mine.read_text() == "name: Mara\ngreeting: my own card\n"
    assert not (webui / "user_data" / "training").exists()  # nothing copied: checked before the first copy

    install_into_webui(dataset, webui, "Mara", overwrite=True)
    assert mine.read_bytes() == (dataset / "characters" / "Mara.yaml").read_bytes()


def test_a_failure_part_way_puts_everything_back(tmp_path, dataset, monkeypatch):
    webui = _webui(tmp_path)
    mine = webui / "user_data" / "characters" / "Mara.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: Mara\n")
    before = {p: p.read_bytes() for p in webui.rglob("*") if p.is_file()}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 6:  # well into the renames: some targets are new, one replaced a file
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        install(webui, dataset=dataset, name="Mara", lora=_lora(tmp_path, dataset), overwrite=True)
    monkeypatch.setattr(os, "replace", real_replace)
    after = {p: p.read_bytes() for p in webui.rglob("*") if p.is_file()}
    assert after == before  # the replaced file is back, the new ones and every temporary are gone
    assert sorted(p.relative_to(webui).as_posix() for p in webui.rglob("*") if p.is_dir()) == [
        "modules", "user_data", "user_data/characters", "user_data/models"]


def test_dataset_name_cannot_escape_the_webui_folder(tmp_path, dataset):
    with pytest.raises(UserError, match="invalid dataset name"):
        install_into_webui(dataset, _webui(tmp_path), "../../outside")
