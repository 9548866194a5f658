"""--into-webui: both webui layouts, what is copied where, and never overwriting a different file silently."""

import pytest

from characterkit.errors import UserError
from characterkit.export import export_samples, install_into_webui


@pytest.fixture
def dataset(tmp_path, samples):
    folder = tmp_path / "datasets" / "Mara"
    export_samples(samples, folder, "Mara", None)
    return folder


def _webui(tmp_path, layout):
    webui = tmp_path / "text-generation-webui"
    webui.mkdir()
    (webui / "server.py").write_text("# webui\n")
    if layout == "user_data":
        (webui / "user_data" / "models").mkdir(parents=True)
    return webui


EXPECTED = ["training/datasets/Mara.json", "training/datasets/Mara-val.json", "training/datasets/Mara-legacy.json",
            "training/datasets/Mara-legacy-val.json", "training/formats/Mara-format.json",
            "characters/Dickens.yaml", "characters/Mara.yaml"]


@pytest.mark.parametrize("layout, root", [("user_data", "user_data"), ("root", ".")])
def test_installs_into_either_layout(tmp_path, dataset, layout, root):
    webui = _webui(tmp_path, layout)
    installed = install_into_webui(dataset, webui, "Mara")
    base = webui / root
    assert sorted(p.relative_to(base).as_posix() for p in installed) == sorted(EXPECTED)
    assert (base / "training/datasets/Mara.json").read_bytes() == (dataset / "webui-chat.json").read_bytes()
    assert (base / "training/formats/Mara-format.json").read_bytes() == (dataset / "formats/Mara-format.json").read_bytes()
    # SillyTavern cards stay out: webui would list a .json there as a character and misread it
    assert not list(webui.rglob("*.card.json"))
    if layout == "user_data":
        assert not (webui / "training").exists()


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
        install_into_webui(folder, _webui(tmp_path, "user_data"), "Mara")


def test_same_files_install_twice(tmp_path, dataset):
    webui = _webui(tmp_path, "user_data")
    assert install_into_webui(dataset, webui, "Mara") == install_into_webui(dataset, webui, "Mara")


def test_a_different_existing_file_stops_the_install(tmp_path, dataset):
    webui = _webui(tmp_path, "user_data")
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


def test_dataset_name_cannot_escape_the_webui_folder(tmp_path, dataset):
    with pytest.raises(UserError, match="invalid dataset name"):
        install_into_webui(dataset, _webui(tmp_path, "user_data"), "../Mara")
