import os
import stat

import pytest

from characterkit import atomic


def test_files_and_folders_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "a.txt", "hi")
        with atomic.replace_dir(tmp_path / "folder") as tmp:
            (tmp / "x").write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o755


def test_replace_dir_swaps_only_on_success(tmp_path):
    target = tmp_path / "out"
    with atomic.replace_dir(target) as tmp:
        (tmp / "v").write_text("1")
    with pytest.raises(RuntimeError), atomic.replace_dir(target) as tmp:
        (tmp / "v").write_text("2")
        raise RuntimeError("crash")
    assert (target / "v").read_text() == "1"
    with atomic.replace_dir(target) as tmp:
        (tmp / "v").write_text("3")
    assert (target / "v").read_text() == "3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
