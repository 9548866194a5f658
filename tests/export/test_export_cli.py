"""`characterkit into-webui`: in-process through characterkit.cli.main."""

import json

from characterkit.cli import main
from characterkit.export import export_samples


def _webui(tmp_path):
    webui = tmp_path / "webui"
    (webui / "user_data").mkdir(parents=True)
    return webui


def test_into_webui_installs_a_dataset_by_name(tmp_path, monkeypatch, capsys, samples):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    export_samples(samples, tmp_path / "datasets" / "Mara", "Mara", ["webui", "character"])
    webui = _webui(tmp_path)
    assert main(["into-webui", "Mara", str(webui)]) == 0
    installed = [line.removeprefix("installed ") for line in capsys.readouterr().out.splitlines()]
    expected = ["training/datasets/Mara.json", "training/datasets/Mara-val.json",
                "instruction-templates/Mara-characterkit.yaml", "characters/Dickens.yaml", "characters/Mara.yaml",
                "characters/Dickens.png", "characters/Mara.png"]
    assert installed == [str(webui / "user_data" / path) for path in expected]
    assert all((webui / "user_data" / path).is_file() for path in expected)


def test_into_webui_installs_a_lora_alone(tmp_path, monkeypatch, capsys, samples):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    export_samples(samples, tmp_path / "datasets" / "Mara", "Mara", ["webui", "character"])
    lora = tmp_path / "loras" / "Mara"
    lora.mkdir(parents=True)
    (lora / "adapter_config.json").write_text("{}")
    (lora / "characterkit.json").write_text(json.dumps({
        "character": "Mara", "dataset": {"path": str(tmp_path / "datasets" / "Mara")}}))
    webui = _webui(tmp_path)
    assert main(["into-webui", str(webui), "--lora", "Mara"]) == 0
    out = capsys.readouterr().out
    assert f"installed {webui / 'user_data/loras/Mara/adapter_config.json'}" in out
    assert (webui / "user_data/characters/Mara.yaml").is_file()


def test_into_webui_errors_are_one_line(tmp_path, monkeypatch, one_error_line, samples):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    export_samples(samples, tmp_path / "datasets" / "Mara", "Mara", ["webui"])
    (tmp_path / "plain").mkdir()
    assert main(["into-webui", "Mara", str(tmp_path / "plain")]) == 2
    assert "not a text-generation-webui folder" in one_error_line()
    assert not list((tmp_path / "plain").iterdir())  # nothing half-written
    assert main(["into-webui", "Nobody", str(tmp_path / "plain")]) == 2
    assert "dataset 'Nobody' not found" in one_error_line()
    assert main(["into-webui", str(tmp_path / "plain")]) == 2  # neither a dataset nor --lora
    assert "give a dataset, --lora, or both" in one_error_line()
    assert main(["into-webui", str(_webui(tmp_path)), "--lora", "Nobody"]) == 2
    assert "LoRA 'Nobody' not found" in one_error_line()


def test_prepare_counts_opening_turns_and_takes_a_greeting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    play = tmp_path / "play.txt"
    play.write_text("Mara: Who goes there?\nJon: Only me.\nMara: Come in, then.\n\n***\n\n"
                    "Mara: Another day at sea.\nJon: Aye.\n", encoding="utf-8")
    argv = ["prepare", "dialogue", str(play), "--name", "Mara", "--val-ratio", "0", "--formats", "openai,character"]
    assert main(argv + ["--greeting", "Mara=Welcome aboard."]) == 0
    folder = tmp_path / "datasets" / "Mara"
    report = json.loads((folder / "report.json").read_text())
    assert report["export_notes"] == {"opening_turn_added": 2}  # the first line of each scene
    card = json.loads((folder / "characters" / "Mara.card.json").read_text())
    assert card["greeting"] == card["data"]["first_mes"] == "Welcome aboard."
