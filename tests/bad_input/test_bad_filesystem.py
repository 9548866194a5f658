"""Filesystem faults: a read-only folder and a full disk (real tmpfs mounts: chmod does not stop root,
which CI runs as), for every command that writes. Each is one line naming the path and the cause,
exit 2, and nothing half-written: the home is unchanged (the mount itself holds nothing new).

Skipped with the reason where a tmpfs cannot be mounted (not root, no CAP_SYS_ADMIN)."""

from __future__ import annotations

import subprocess

import pytest
from bad_input_support import Case, error_line, snapshot

T = "transcript.txt"
DIALOGUE = ["prepare", "dialogue", T, "--name", "Mara"]
FT = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "1", "-b", "2", "-c", "128"]


def _rows(where: str, cause: str) -> list[Case]:
    """The same commands against a folder `where` (mounted by the test) that fails with `cause`."""
    return [
        Case(f"dialogue -o ({cause})", [*DIALOGUE, "-o", f"{where}/out"], err=cause),
        Case(f"dialogue --formats processed_dataset -o ({cause})",
             [*DIALOGUE, "--formats", "processed_dataset", "-o", f"{where}/out"], err=cause),
        Case(f"pair -o ({cause})", ["pair", "prompts", "completions", "-o", f"{where}/out"], err=cause),
        Case(f"make-tiny-model ({cause})", ["make-tiny-model", f"{where}/tiny"], err=cause),
        Case(f"into-webui ({cause})", ["into-webui", "Mara", f"{where}/webui"], err=cause),
        Case(f"prepare_dataset.py -j ({cause})", ["-n", "Mara", "-t", T, "-j", f"{where}/out.json"], err=cause,
             script="prepare_dataset"),
    ]


def _mount_with_webui(tmpfs, name: str, options: str):
    folder = tmpfs(name, options)
    (folder / "webui").mkdir()
    (folder / "webui" / "server.py").write_text("# webui\n")
    return folder


def _remount(folder, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


@pytest.mark.parametrize("case", _rows("ro", "Read-only file system"), ids=str)
def test_a_read_only_folder_is_one_line(check_case, case_home, tmpfs, case):
    folder = _mount_with_webui(tmpfs, "ro", "size=1m")
    _remount(folder, "ro")
    (case_home / "ro").symlink_to(folder)
    check_case(case)


@pytest.mark.parametrize("case", _rows("full", "No space left on device"), ids=str)
def test_a_full_disk_is_one_line_and_writes_nothing(check_case, case_home, tmpfs, case):
    folder = _mount_with_webui(tmpfs, "full", "size=24k")
    (case_home / "full").symlink_to(folder)
    before = snapshot(folder)
    check_case(case)
    assert snapshot(folder) == before  # no temporary folder, no half of a file, no webui file without the rest


def test_into_webui_installs_all_files_or_none(check_case, case_home):
    """The last target cannot be written (a file is where its folder must go): the others are not
    installed either."""
    (case_home / "webui" / "characters").write_text("in the way\n")
    check_case(Case("into-webui blocked", ["into-webui", "Mara", "webui"], err="characters"))
    assert not (case_home / "webui" / "training").exists() or not any((case_home / "webui" / "training").rglob("*.json"))


@pytest.mark.parametrize("cause,options", [("No space left on device", "size=16k"), ("Read-only file system", "ro")])
def test_finetune_on_a_full_or_read_only_loras_folder(case_home, run_cli, tmpfs, cause, options):
    """The Trainer's checkpoints fail to write: one line naming loras/Mara, and no loras/Mara left behind."""
    folder = tmpfs("loras", options)
    (case_home / "loras").symlink_to(folder)
    code, err = run_cli(FT)
    line = error_line(err)
    assert code == 2 and cause in line and "Mara" in line, line
    assert not (folder / "Mara").exists()
    assert not list(folder.iterdir())


def test_a_full_disk_for_the_journal_names_it(tmpfs):
    from characterkit.llm.journal import Journal

    folder = tmpfs("journal", "size=8k")
    with pytest.raises(OSError) as raised, Journal(folder / "j.jsonl", {"a": 1}) as journal:
        for i in range(100):
            journal.append(f"id{i}", {"text": "x" * 500})
    assert raised.value.filename == str(folder / "j.jsonl") and raised.value.errno == 28
    reopened = Journal(folder / "j.jsonl", {"a": 1})
    reopened.open().close()  # the torn last line is cut off; what was written reads back
    assert reopened.done


def test_demo_on_a_full_disk_is_one_line(run_cli, tmpfs, monkeypatch):
    folder = tmpfs("demo-home", "size=16k")
    monkeypatch.setenv("CHARACTERKIT_HOME", str(folder))
    code, err = run_cli(["demo", "--epochs", "1"])
    assert code == 2 and "No space left on device" in error_line(err)
    assert not [p for p in folder.rglob("*") if p.is_file()]
