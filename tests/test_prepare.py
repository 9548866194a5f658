"""prepare dialogue end to end, in-process: files written, samples right, every bad input one line + exit 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from characterkit.cli import main
from characterkit.data import sample_transcript_path
from characterkit.records import DEFAULT_MIN_CONFIDENCE

REPO = Path(__file__).resolve().parents[1]

TRANSCRIPT = """Bob: Morning, Mara.
Mara: Many gulls today.
Bob: Why so many?
Mara: Storm coming.
Bob: Should I stay?
Mara: Stay if you like. (smiles)
Bob: I will.
Mara: Mind the step.
"""


def run(capsys, *args):
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_every_export_with_the_cue_and_exact_prefix_removal(tmp_path, capsys):
    src = tmp_path / "talk.txt"
    src.write_text(TRANSCRIPT)
    code, out, err = run(capsys, "prepare", "dialogue", src, "--name", "mara", "--rounds", "2",
                         "--val-ratio", "0", "-o", tmp_path / "ds")
    assert code == 0, err
    rows = json.loads((tmp_path / "ds" / "processed_dataset.json").read_text())
    assert [r["output"] for r in rows] == ["Many gulls today.", "Storm coming.", "Stay if you like. (smiles)",
                                           "Mind the step."]  # the legacy lstrip ate "Ma" of "Many"
    assert all(r["input"].endswith("Mara:") for r in rows)  # the cue is there after the first rounds too
    assert rows[3]["input"] == "Mara: Stay if you like. (smiles)\nBob: I will.\nMara:"  # 2 turns of context
    report = json.loads((tmp_path / "ds" / "report.json").read_text())
    assert report["samples"]["total"] == 4 and report["speakers"] == {"Mara": 4, "Bob": 4}
    assert report["sources"][0]["reading"]["encoding"] == "utf-8"
    assert {"samples.jsonl", "webui-chat.json", "alpaca.json", "openai.jsonl"} <= {p.name for p in (tmp_path / "ds").iterdir()}
    assert "wrote 4 samples" in out


def test_min_words_duplicates_and_strip_actions_are_counted(tmp_path, capsys):
    src = tmp_path / "talk.txt"
    src.write_text(TRANSCRIPT + "\n\n\nBob: Morning, Mara.\nMara: Many gulls today.\nBob: Hi.\nMara: (nods)\n")
    code, _, err = run(capsys, "prepare", "dialogue", src, "-n", "Mara", "--min-words", "3", "--strip-actions",
                       "--val-ratio", "0", "-o", tmp_path / "ds")
    assert code == 0, err
    report = json.loads((tmp_path / "ds" / "report.json").read_text())
    # "Storm coming." is under 3 words; the repeated scene opening is a duplicate;
    # "(nods)" is empty once actions are stripped (dropped by the parser, counted there).
    assert report["drops"]["too_short"] == 1 and report["drops"]["duplicate"] == 1
    assert sum(report["sources"][0]["drops"].values()) == 1
    outputs = [json.loads(l)["reply"] for l in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines()]
    assert outputs == ["Many gulls today.", "Stay if you like.", "Mind the step."]


def test_dataset_folder_defaults_to_the_character_under_home(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    code, _, err = run(capsys, "prepare", "dialogue", sample_transcript_path(), "--name", "MARA")
    assert code == 0, err
    assert (tmp_path / "datasets" / "Mara" / "report.json").is_file()


def test_a_failed_run_leaves_the_previous_dataset_untouched(tmp_path, capsys, monkeypatch):
    src = tmp_path / "talk.txt"
    src.write_text(TRANSCRIPT)
    out = tmp_path / "ds"
    assert run(capsys, "prepare", "dialogue", src, "-n", "Mara", "-o", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    import characterkit.samples.window as window

    def explode(*args, **kwargs):
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr("characterkit.prepare.build_samples", explode)
    with pytest.raises(RuntimeError):
        main(["prepare", "dialogue", str(src), "-n", "Mara", "-o", str(out)])
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left
    assert window.build_samples is not explode


def _bad_inputs(tmp_path):
    talk = tmp_path / "talk.txt"
    talk.write_text(TRANSCRIPT)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "model.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    prose = tmp_path / "prose.txt"
    prose.write_text("It was a dark night.\nThe wind howled.\n")
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    return {
        "missing file": (["prepare", "dialogue", tmp_path / "nope.txt", "-n", "Mara"], "nope.txt"),
        "directory": (["prepare", "dialogue", tmp_path, "-n", "Mara"], str(tmp_path)),
        "empty file": (["prepare", "dialogue", empty, "-n", "Mara"], "empty.txt"),
        "binary file": (["prepare", "dialogue", binary, "-n", "Mara"], "model.bin"),
        "no speaker tags": (["prepare", "dialogue", prose, "-n", "Mara"], "prose.txt"),
        "name not found": (["prepare", "dialogue", talk, "-n", "Marra"], "Mara"),
        "rounds 0": (["prepare", "dialogue", talk, "-n", "Mara", "-r", "0"], "--rounds"),
        "rounds negative": (["prepare", "dialogue", talk, "-n", "Mara", "-r", "-3"], "--rounds"),
        "output is a file": (["prepare", "dialogue", talk, "-n", "Mara", "-o", a_file], "taken"),
        "unknown export": (["prepare", "dialogue", talk, "-n", "Mara", "--formats", "alpacca"], "llama-factory"),
        "no character chosen": (["prepare", "dialogue", talk], "--name"),
    }


@pytest.mark.parametrize("case", ["missing file", "directory", "empty file", "binary file", "no speaker tags",
                                  "name not found", "rounds 0", "rounds negative", "output is a file",
                                  "unknown export", "no character chosen"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, case):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    args, must_mention = _bad_inputs(tmp_path)[case]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert must_mention in err and "Traceback" not in err
    assert not (tmp_path / "datasets").exists()


def test_legacy_script_reads_dataset_txt_and_writes_processed_dataset_json(tmp_path):
    (tmp_path / "dataset.txt").write_text(TRANSCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(REPO / "prepare_dataset.py"), "--name", "Mara", "-r", "3"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "processed_dataset.json").read_text())
    assert list(rows[0]) == ["input", "output"] and len(rows) == 4
    assert rows[0] == {"input": "Bob: Morning, Mara.\nMara:", "output": "Many gulls today."}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.txt", "processed_dataset.json"]
    # the message names only what is on disk: no samples export, no report.json
    assert "processed_dataset.json" in done.stdout and "report.json" not in done.stdout
    assert "samples" not in done.stdout.replace("wrote 4 samples", "")

    missing = subprocess.run([sys.executable, str(REPO / "prepare_dataset.py"), "-n", "Mara", "-t", "nope.txt"],
                             cwd=tmp_path, env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


def test_top_level_datasets_folder_does_not_shadow_the_library():
    done = subprocess.run([sys.executable, "-c", "import datasets; print(datasets.__file__); datasets.load_dataset"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "site-packages" in done.stdout and not (REPO / "datasets" / "__init__.py").exists()


NOVEL = """CHAPTER I

"Good morning," said Tobias, pulling the boat onto the shingle.

"Is it?" said Mara. "The glass says rain by noon."

Tobias laughed. "You and your glass."

"My glass has never lied to me," said Mara, "which is more than I can say for the harbour master."

"Shall I carry the oil up?" asked Tobias.

"Mind the third step," Mara said. "It is loose."
"""


def test_a_novel_with_a_cast_file_resolves_aliases_and_keeps_sure_lines(tmp_path, capsys):
    novel = tmp_path / "lighthouse.txt"
    novel.write_text(NOVEL)
    cast = tmp_path / "cast.yaml"
    cast.write_text("- name: Mara Quill\n  aliases: [Mara, Miss Quill]\n  gender: F\n"
                    "- name: Tobias\n  aliases: [Toby]\n  gender: M\n")
    code, _, err = run(capsys, "prepare", "dialogue", novel, "--name", "Miss Quill", "--cast", cast,
                       "--val-ratio", "0", "-o", tmp_path / "ds")
    assert code == 0, err
    rows = [json.loads(l) for l in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines()]
    assert {r["character"] for r in rows} == {"Mara Quill"}
    replies = [r["reply"] for r in rows]
    assert "Mind the third step, It is loose." in replies or any("third step" in r for r in replies)
    assert all("Good morning" not in r for r in replies)  # Tobias's line is never put in her mouth
    report = json.loads((tmp_path / "ds" / "report.json").read_text())
    assert report["settings"]["min_confidence"] == DEFAULT_MIN_CONFIDENCE and report["sources"][0]["format"] == "novel"


def test_every_export_the_summary_lists_is_accepted_by_formats(tmp_path, capsys):
    """The summary lists "samples"; --formats samples is accepted (samples.jsonl is always written)."""
    src = tmp_path / "talk.txt"
    src.write_text(TRANSCRIPT)
    code, out, err = run(capsys, "prepare", "dialogue", src, "--name", "Mara", "-o", tmp_path / "all")
    assert code == 0, err
    listed = out.split("exports: ", 1)[1].split(";")[0].split(", ")
    assert "samples" in listed
    code, out, err = run(capsys, "prepare", "dialogue", src, "--name", "Mara", "--formats", ",".join(listed),
                         "-o", tmp_path / "again")
    assert code == 0, err
    code, out, err = run(capsys, "prepare", "dialogue", src, "--name", "Mara", "--formats", "samples",
                         "-o", tmp_path / "only")
    assert code == 0, err
    assert "exports: samples;" in out  # samples.jsonl only: no trainer's format
    assert not any(p.name.startswith(("webui", "processed")) for p in (tmp_path / "only").iterdir())


def test_without_persona_every_sample_gets_one_written_from_the_source(tmp_path, capsys):
    """The system prompt names the character, the source and whom they talk to, the same in every
    sample, in the card and in report.json; `--persona ''` writes none."""
    src = tmp_path / "harbour_pg1.txt"
    src.write_text("Title: The Harbour\nAuthor: A. Writer\n\n" + TRANSCRIPT + "Dora: Goodbye, Mara.\nMara: Goodbye?\n")
    code, _, err = run(capsys, "prepare", "dialogue", src, "--name", "Mara", "--val-ratio", "0", "-o", tmp_path / "ds")
    assert code == 0, err
    persona = json.loads((tmp_path / "ds" / "report.json").read_text())["personas"]["Mara"]
    assert persona.startswith("Mara, a character in The Harbour by A. Writer. Talks mostly with Bob and Dora.")
    samples = [json.loads(line) for line in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 5 and {s["persona"] for s in samples} == {persona}
    openai_rows = [json.loads(line) for line in (tmp_path / "ds" / "openai.jsonl").read_text().splitlines()]
    assert all(row["messages"][0] == {"role": "system", "content": persona} for row in openai_rows)
    card = json.loads((tmp_path / "ds" / "characters" / "Mara.card.json").read_text())["data"]
    assert card["description"] == persona

    code, _, err = run(capsys, "prepare", "dialogue", src, "--name", "Mara", "--persona", "", "--val-ratio", "0",
                       "-o", tmp_path / "none")
    assert code == 0, err
    samples = [json.loads(line) for line in (tmp_path / "none" / "samples.jsonl").read_text().splitlines()]
    assert {s["persona"] for s in samples} == {""}


def test_all_speakers_each_get_their_own_persona(tmp_path, capsys):
    src = tmp_path / "talk.txt"
    src.write_text(TRANSCRIPT)
    code, _, err = run(capsys, "prepare", "dialogue", src, "--all-speakers", "--min-lines", "1", "--val-ratio", "0",
                       "-o", tmp_path / "ds")
    assert code == 0, err
    samples = [json.loads(line) for line in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines()]
    personas = {s["character"]: s["persona"] for s in samples}
    assert personas["Mara"].startswith("Mara, a character in Talk. Talks mostly with Bob.")
    assert personas["Bob"].startswith("Bob, a character in Talk. Talks mostly with Mara.")
