"""The export registry: names, 'all', clear errors, and the fan-out's return value."""

import pytest

from characterkit.errors import UserError
from characterkit.export import EXPORTS, export_samples, get_exports


def test_every_writer_is_registered_under_its_own_name():
    assert list(EXPORTS) == ["processed_dataset", "webui", "webui-legacy", "llama-factory", "openai",
                             "prompt-completion", "human-bot", "character"]
    assert all(cls.name == name for name, cls in EXPORTS.items())


def test_none_and_all_mean_every_export_in_registry_order():
    assert get_exports(None) == list(EXPORTS.values())
    assert get_exports(["all"]) == list(EXPORTS.values())
    assert get_exports(["openai", "webui", "openai"]) == [EXPORTS["webui"], EXPORTS["openai"]]


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UserError) as err:
        get_exports(["webiu"])
    message = str(err.value)
    assert "'webiu'" in message and "did you mean webui" in message
    assert all(name in message for name in EXPORTS)


def test_unknown_name_writes_nothing(tmp_path, samples):
    with pytest.raises(UserError):
        export_samples(samples, tmp_path / "out", "Mara", ["alpaca"])
    assert not (tmp_path / "out").exists()


def test_returns_files_per_format_inside_the_folder(tmp_path, samples):
    files = export_samples(iter(samples), tmp_path, "Mara", ["openai", "character"])
    assert list(files) == ["samples", "openai", "character", "configs"]  # configs: axolotl.yaml for openai.jsonl
    written = [p for paths in files.values() for p in paths]
    assert all(p.is_file() and p.is_relative_to(tmp_path) for p in written)
    on_disk = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == set(written)  # every file written is reported, and nothing else is left behind


def test_a_sample_outside_train_and_val_is_a_bug_not_a_silent_row(tmp_path, dialogue):
    dialogue.split = "test"
    with pytest.raises(ValueError, match="split"):
        export_samples([dialogue], tmp_path, "Mara", ["openai"])
