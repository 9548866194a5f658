"""`characterkit speakers FILE...`: the table, --json, --alias, and errors as one line with exit 2."""

import json

from characterkit.cli import main
from characterkit.data import sample_transcript_path


def tag_count(path, name):
    return sum(line.startswith(f"{name}:") for line in path.read_text(encoding="utf-8").splitlines())


def test_speakers_table_sorted_by_count(capsys):
    path = sample_transcript_path()
    assert main(["speakers", str(path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == f"{path.name}: read as inline"  # each file named once, with its format
    assert rows[1].split() == ["speaker", "lines", "kept", "first", "seen"]  # kept: lines at the cut-off
    counts = {row.split()[0]: int(row.split()[1]) for row in rows[2:]}
    assert counts == {"Mara": tag_count(path, "Mara"), "Tobias": tag_count(path, "Tobias")}
    assert list(counts.values()) == sorted(counts.values(), reverse=True)


def test_speakers_json_and_alias(capsys, tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("[09:00] bob: hi\n[09:01] Ann: hello\n[09:02] Bobby: again\n[09:03] BOB: and again\n",
                    encoding="utf-8")
    assert main(["speakers", str(path), "--json", "--alias", "Bobby=Bob", "--format", "chatlog"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(row["name"], row["lines"]) for row in report["speakers"]] == [("Bob", 3), ("Ann", 1)]
    assert report["speakers"][0]["spellings"] == {"bob": 1, "Bobby": 1, "BOB": 1}
    assert report["formats"] == {str(path): "chatlog"}


def test_speakers_errors_are_one_line_with_exit_code_2(capsys, tmp_path):
    assert main(["speakers", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing.txt" in err and len(err.strip().splitlines()) == 1

    essay = tmp_path / "essay.txt"
    essay.write_text("Just prose here.\nNo one speaks.\n", encoding="utf-8")
    assert main(["speakers", str(essay)]) == 2
    assert "no speaker tags found" in capsys.readouterr().err

    assert main(["speakers", str(essay), "--format", "screenplay"]) == 2
    assert "choose one of: auto, inline, ownline, chatlog" in capsys.readouterr().err
