"""`characterkit pair`: files matched by name, completions the source of truth, unmatched listed
(fatal only with --strict), the same filters and exports as `prepare synth`."""

import json

import pytest

from characterkit.cli import main
from characterkit.synth.pair import match_files, read_pair_file

LONG = "The keeper climbed the stairs at dusk and lit the lamp before the storm came in from the west. "


def make_folders(root, prompts: dict, completions: dict):
    for folder, files in (("prompts", prompts), ("completions", completions)):
        for name, text in files.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root / "prompts", root / "completions"


def test_files_pair_by_name_without_extension_in_subfolders(tmp_path):
    prompts, completions = make_folders(
        tmp_path, {"a.txt": "p", "sub/b.txt": "p", "only-prompt.txt": "p", ".hidden.txt": "p"},
        {"a.md": "c", "sub/b.txt": "c", "only-completion.txt": "c", "sub/.b.txt.swp": "c"})
    matched = match_files(prompts, completions)
    assert [(name, p.name, c.name) for name, p, c in matched.pairs] == [
        ("a", "a.txt", "a.md"), ("sub/b", "b.txt", "b.txt")]
    assert matched.completions_without_prompt == ["only-completion"]
    assert matched.prompts_without_completion == ["only-prompt"]


def test_files_are_decoded_like_sources(tmp_path):
    for name, data in {"utf8-bom": "\ufeffCafé\r\nnoir\r\n".encode("utf-8"), "cp1252": "Café\rnoir".encode("cp1252"),
                       "utf16": "Café\nnoir".encode("utf-16")}.items():
        path = tmp_path / f"{name}.txt"
        path.write_bytes(data)
        assert read_pair_file(path) == "Café\nnoir", name


def test_pair_writes_the_dataset_and_lists_what_is_unmatched(tmp_path, home, capsys):
    prompts, completions = make_folders(
        tmp_path / "stories", {"x.txt": "Write about a lighthouse.", "y.txt": "Write about a train.",
                               "z.txt": "Write about a harbour.", "gone.txt": "Deleted after review."},
        {"x.txt": LONG * 3, "y.txt": "Too short.", "z.txt": LONG * 3, "stray.txt": LONG})
    args = ["pair", str(prompts), str(completions), "--character", "Keeper", "--persona", "You tell stories.",
            "--min-chars", "50", "--keep-rejected"]
    assert main(args) == 0
    folder = home / "datasets" / "stories"  # named after the folder holding completions/
    report = json.loads((folder / "report.json").read_text())
    assert report["unmatched"] == {"completions_without_prompt": ["stray"], "prompts_without_completion": ["gone"]}
    assert report["completions"] == {"total": 3, "kept": 1, "dropped": 2}
    assert report["drops"] == {"too_short": 1, "duplicate": 1}
    rows = [json.loads(line) for line in (folder / "prompt_completion.jsonl").read_text().splitlines()]
    assert rows == [{"prompt": "Write about a lighthouse.", "completion": (LONG * 3).strip()}]
    rejected = [json.loads(line) for line in (folder / "rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reason"]) for r in rejected] == [("y", "too_short"), ("z", "duplicate")]
    sample = json.loads((folder / "samples.jsonl").read_text())
    assert sample["instruction"] == "Write about a lighthouse." and sample["context"] == []
    assert sample["character"] == "Keeper" and sample["persona"] == "You tell stories."
    chat = json.loads((folder / "openai.jsonl").read_text())
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    assert chat["messages"][0]["content"] == "You tell stories." and chat["messages"][1]["content"] == rows[0]["prompt"]
    out = capsys.readouterr().out
    assert "completions without a prompt" in out and "1 (stray)" in out


def test_strict_refuses_a_completion_without_a_prompt(tmp_path, home, one_error_line):
    prompts, completions = make_folders(tmp_path, {"x.txt": "p"}, {"x.txt": LONG, "stray.txt": LONG})
    assert main(["pair", str(prompts), str(completions), "--strict"]) == 2
    err = one_error_line()
    assert "stray" in err and "no prompt file" in err and str(completions) in err
    assert not (home / "datasets").exists()


@pytest.mark.parametrize("layout, complaint", [
    ("missing", "no such folder"),
    ("nothing matches", "no completion has a prompt file"),
    ("two of a name", "two files are named 'x'"),
])
def test_bad_folders_are_one_line(tmp_path, home, one_error_line, layout, complaint):
    if layout == "missing":
        prompts, completions = tmp_path / "nowhere", tmp_path / "nothing"
    elif layout == "nothing matches":
        prompts, completions = make_folders(tmp_path, {"a.txt": "p"}, {"b.txt": LONG})
    else:
        prompts, completions = make_folders(tmp_path, {"x.txt": "p"}, {"x.txt": LONG, "x.md": LONG})
    assert main(["pair", str(prompts), str(completions)]) == 2
    assert complaint in one_error_line()


def test_nothing_left_after_filtering_is_an_error(tmp_path, home, one_error_line):
    prompts, completions = make_folders(tmp_path, {"x.txt": "p"}, {"x.txt": "short"})
    assert main(["pair", str(prompts), str(completions), "--min-chars", "100"]) == 2
    assert "too_short 1" in one_error_line()
