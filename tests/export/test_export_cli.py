"""`characterkit into-webui`: in-process through characterkit.cli.main."""

from characterkit.cli import main
from characterkit.export import export_samples


def test_into_webui_installs_a_dataset_by_name(tmp_path, monkeypatch, capsys, samples):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    export_samples(samples, tmp_path / "datasets" / "Mara", "Mara", ["webui", "character"])
    webui = tmp_path / "webui"
    (webui / "user_data").mkdir(parents=True)
    assert main(["into-webui", "Mara", str(webui)]) == 0
    installed = [line.removeprefix("installed ") for line in capsys.readouterr().out.splitlines()]
    expected = ["training/datasets/Mara.json", "training/datasets/Mara-val.json", "characters/Dickens.yaml",
                "characters/Mara.yaml"]
    assert installed == [str(webui / "user_data" / path) for path in expected]
    assert all((webui / "user_data" / path).is_file() for path in expected)


def test_into_webui_errors_are_one_line(tmp_path, monkeypatch, capsys, samples):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    export_samples(samples, tmp_path / "datasets" / "Mara", "Mara", ["webui"])
    (tmp_path / "plain").mkdir()
    assert main(["into-webui", "Mara", str(tmp_path / "plain")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not a text-generation-webui folder" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["into-webui", "Nobody", str(tmp_path / "plain")]) == 2
    assert "dataset 'Nobody' not found" in capsys.readouterr().err
