"""Output folders: a folder the user made is never replaced (one line, nothing changed), files the
user added to a characterkit folder survive a rebuild, and a swap killed (kill -9) at each of its
steps leaves the previous folder reachable by name and nothing behind after the next run.

The kill rows run the real CLI in a subprocess that SIGKILLs itself at the named step of the swap
(CHARACTERKIT_TEST_KILL_AT, a hook in characterkit/atomic.py): exactly what kill -9 does there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input_support import REPO, Case, is_progress

from characterkit import atomic

T = "transcript.txt"
DIALOGUE = ["prepare", "dialogue", T, "--name", "Mara"]
PAIR = ["pair", "prompts", "completions"]
SYNTH = ["prepare", "synth", "synth/good.yaml"]
STYLE = ["prepare", "style", "novel.txt", "--author", "X"]


def _foreign_dataset(home):
    (home / "datasets" / "Foreign").mkdir()
    (home / "datasets" / "Foreign" / "notes.txt").write_text("mine\n")


def _symlink(home):
    os.symlink(home / "somedir", home / "link")


REFUSED = [
    Case(f"{name} -o {where}", [*args, "-o", where], err=err)
    for name, args in (("dialogue", DIALOGUE), ("pair", PAIR), ("synth", SYNTH), ("style", STYLE))
    for where, err in (("mine", "not written by characterkit (holds notes.txt)"),
                       ("myproject", "not written by characterkit (holds src)"),
                       (".", "is the current folder"), ("..", "is the current folder (or holds it)"),
                       (T, "is a file"))
] + [
    Case("dialogue -o symlink", [*DIALOGUE, "-o", "link"], err="symbolic link", setup=_symlink),
    Case("dialogue --dataset foreign", [*DIALOGUE, "--dataset", "Foreign"], err="not written by characterkit",
         setup=_foreign_dataset),
    Case("make-tiny-model mine", ["make-tiny-model", "mine"], err="not written by characterkit"),
    Case("make-tiny-model .", ["make-tiny-model", "."], err="is the current folder"),
    Case("make-tiny-model file", ["make-tiny-model", T], err="is a file"),
    Case("make-tiny-model under a file", ["make-tiny-model", f"{T}/x"], err=T),
    Case("dialogue -o under a file", [*DIALOGUE, "-o", f"{T}/x"], err="a file is in the way"),
    Case("prepare_dataset.py -j under a file", ["-n", "Mara", "-t", T, "-j", f"{T}/x.json"], err=T,
         script="prepare_dataset"),
]


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_a_folder_of_the_users_is_never_replaced(check_case, case):
    check_case(case)


def test_files_the_user_added_survive_a_rebuild(case_home, run_cli):
    folder = case_home / "datasets" / "Mara"
    (folder / "notes.txt").write_text("mine\n")
    (folder / "extra").mkdir()
    (folder / "extra" / "a.txt").write_text("a\n")
    assert run_cli(DIALOGUE)[0] == 0
    assert (folder / "notes.txt").read_text() == "mine\n" and (folder / "extra" / "a.txt").read_text() == "a\n"
    assert "notes.txt" not in json.loads((folder / atomic.MARKER).read_text())["entries"]
    assert run_cli(DIALOGUE)[0] == 0  # and again: still the user's, still kept
    assert (folder / "notes.txt").read_text() == "mine\n"


def test_a_user_file_named_like_a_new_output_is_kept_beside_it(case_home, run_cli):
    assert run_cli([*DIALOGUE, "--formats", "processed_dataset"])[0] == 0
    folder = case_home / "datasets" / "Mara"
    (folder / "openai.jsonl").write_text("my own\n")
    assert run_cli(DIALOGUE)[0] == 0
    assert (folder / "openai.jsonl.user").read_text() == "my own\n"
    assert (folder / "openai.jsonl").read_text() != "my own\n"


def test_a_folder_from_before_the_marker_is_rebuilt_keeping_everything_else(case_home, run_cli):
    folder = case_home / "datasets" / "Mara"
    (folder / atomic.MARKER).unlink()  # as an older characterkit left it: report.json, no marker
    (folder / "notes.txt").write_text("mine\n")
    assert run_cli(DIALOGUE)[0] == 0
    assert (folder / "notes.txt").read_text() == "mine\n" and (folder / atomic.MARKER).is_file()


def test_an_empty_folder_is_written(case_home, run_cli):
    (case_home / "empty-out").mkdir()
    assert run_cli([*DIALOGUE, "-o", "empty-out"])[0] == 0
    assert (case_home / "empty-out" / "report.json").is_file()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_dead_runs_are_removed_by_the_next_run(case_home, run_cli):
    datasets = case_home / "datasets"
    dead = _dead_pid()
    for name in (f".Mara.{dead}.abc123_x.tmp", f".Mara.old.{dead}", ".Mara.1.live_one.tmp", ".Mara.old.1",
                 ".Mara.oldstyle.tmp", ".Mara.newstyle.tmp"):
        (datasets / name).mkdir()
        (datasets / name / "big.bin").write_bytes(b"0" * 1000)
    os.utime(datasets / ".Mara.oldstyle.tmp", (1, 1))  # an older version's (no PID), untouched for long: stale
    assert run_cli(DIALOGUE)[0] == 0
    left = sorted(p.name for p in datasets.iterdir() if p.name.startswith(".Mara."))
    # pid 1 is alive: another run's, not touched; a PID-less one written just now may be a running old version's
    assert left == [".Mara.1.live_one.tmp", ".Mara.newstyle.tmp", ".Mara.old.1"]


def test_a_folder_hidden_by_a_killed_swap_is_found_by_name(case_home, run_cli):
    datasets = case_home / "datasets"
    os.replace(datasets / "Mara", datasets / f".Mara.old.{_dead_pid()}")
    code, err = run_cli(["into-webui", "Mara", "webui"])
    assert code == 0, err
    assert (datasets / "Mara" / "report.json").is_file()
    assert not [p for p in datasets.iterdir() if p.name.startswith(".Mara.")]


def _exchange_works(tmp_path: Path) -> bool:
    a, b = tmp_path / "xa", tmp_path / "xb"
    a.mkdir(), b.mkdir()
    return atomic._exchange(a, b)


KILLS = [("before-swap", "exchange"), ("after-exchange", "exchange"), ("before-swap", "rename"),
         ("between-renames", "rename"), ("after-renames", "rename")]


@pytest.mark.parametrize("step,swap", KILLS, ids=[f"{s}-{w}" for s, w in KILLS])
def test_kill_9_at_each_step_of_the_swap(case_home, run_cli, step, swap, tmp_path):
    if step == "after-exchange" and not _exchange_works(case_home):
        pytest.skip("this filesystem has no RENAME_EXCHANGE: the two-rename swap is used (tested below)")
    datasets = case_home / "datasets"
    (datasets / "Mara" / "notes.txt").write_text("mine\n")
    before = (datasets / "Mara" / "samples.jsonl").read_bytes()
    env = {**os.environ, "CHARACTERKIT_HOME": str(case_home), "PYTHONPATH": str(REPO),
           atomic.FAULT_ENV: step, atomic.SWAP_ENV: swap}
    killed = subprocess.run([sys.executable, "-c", "import sys; from characterkit.cli import main; sys.exit(main())",
                             *DIALOGUE, "--val-ratio", "0.5"], cwd=case_home, env=env, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    if step != "between-renames":  # reachable under its name at once: the old folder or the new one
        assert (datasets / "Mara" / "samples.jsonl").is_file()
    # the next run that looks the dataset up by name finds it (brought back if it was hidden) ...
    code, err = run_cli(["into-webui", "Mara", "webui"])
    assert code == 0, err
    assert (datasets / "Mara" / "notes.txt").read_text() == "mine\n"
    if step in ("before-swap", "between-renames"):
        assert (datasets / "Mara" / "samples.jsonl").read_bytes() == before  # the previous dataset, whole
    # ... and the next run that writes it leaves nothing of the dead one behind
    assert run_cli(DIALOGUE)[0] == 0
    assert not [p.name for p in datasets.iterdir() if p.name.startswith(".Mara.")]
    assert (datasets / "Mara" / "notes.txt").read_text() == "mine\n"


@pytest.mark.slow  # a subprocess that imports torch and trains (about 15 s)
def test_ctrl_c_in_lora_finetune_leaves_no_empty_lora_folder(case_home):
    """A real SIGINT to the legacy script while it trains: exit 130, one line, no loras/lora_test."""
    import signal
    import time

    env = {**os.environ, "CHARACTERKIT_HOME": str(case_home), "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, str(REPO / "lora_finetune.py"), "-m", "tiny", "-d", "Mara", "-e", "1000",
                                "-c", "128"], cwd=case_home, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               # as a terminal leaves it: a shell's background job inherits SIGINT ignored
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    folder = case_home / "loras" / "lora_test"
    deadline = time.monotonic() + 120
    while not folder.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert folder.exists(), "the Trainer never made its folder"
    time.sleep(0.5)  # into the training loop
    process.send_signal(signal.SIGINT)
    err = process.communicate(timeout=60)[1].decode()
    lines = [line for line in err.splitlines() if line.strip() and not is_progress(line)]
    assert process.returncode == 130 and "Traceback" not in err and lines == ["aborted"], err[-2000:]
    assert not folder.exists()


@pytest.mark.slow  # a subprocess that imports torch and trains (about 15 s)
def test_kill_9_while_a_lora_is_swapped_in_keeps_the_previous_lora(case_home, run_cli):
    """loras/NAME uses the same swap: a retrain killed between its two renames leaves the previous
    LoRA, which the next lookup by name brings back (checkpoints included)."""
    from characterkit import paths

    train = ["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "1", "-b", "2", "-c", "128", "--save-steps", "0"]
    assert run_cli(train)[0] == 0
    lora = case_home / "loras" / "Mara"
    before = (lora / "adapter_model.safetensors").read_bytes()
    env = {**os.environ, "CHARACTERKIT_HOME": str(case_home), "PYTHONPATH": str(REPO), atomic.SWAP_ENV: "rename",
           atomic.FAULT_ENV: "between-renames"}
    killed = subprocess.run([sys.executable, "-c", "import sys; from characterkit.cli import main; sys.exit(main())",
                             *train, "--overwrite", "--seed", "7"], cwd=case_home, env=env, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert not lora.exists()  # hidden for now as .Mara.old.PID ...
    assert paths.resolve_in(paths.loras_dir(), "Mara", "LoRA") == lora  # ... and found by name
    assert (lora / "adapter_model.safetensors").read_bytes() == before
    assert not [p for p in lora.parent.iterdir() if p.name.startswith(".Mara.")]
