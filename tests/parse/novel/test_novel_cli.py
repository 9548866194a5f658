"""`characterkit quotes` and `characterkit speakers` on a novel, in-process; bad input is one line, exit 2."""

import json

import pytest

from characterkit.cli import main
from characterkit.io import read_text

NOVEL = """\
\ufeffCHAPTER I.\r
\r
“Where were you?” asked Mara.\r
\r
“Out,” said Tobias, “in the rain.” Tobias shook his coat.\r
\r
“Out where?” said Mara.\r
"""


@pytest.fixture
def novel(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_bytes(NOVEL.encode("utf-8"))  # a BOM and CRLF: offsets are into the text as read
    return path


def test_quotes_jsonl_offsets_point_into_the_text_as_read(novel, capsys):
    assert main(["quotes", str(novel), "--jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["speaker"], r["rule"]) for r in rows] == [("Mara", "explicit"), ("Tobias", "explicit"), ("Mara", "explicit")]
    assert set(rows[0]) == {"start", "end", "text", "speaker", "confidence", "rule"}
    text, _ = read_text(novel)
    assert text[rows[0]["start"] : rows[0]["end"]] == "Where were you?"
    assert text[rows[1]["start"] : rows[1]["end"]] == "Out,” said Tobias, “in the rain."
    assert rows[1]["text"] == "Out, in the rain."
    assert rows[0]["start"] < rows[1]["start"] < rows[2]["start"]


def test_quotes_table_and_cast_file(novel, tmp_path, capsys):
    cast = tmp_path / "cast.yaml"
    cast.write_text("- name: Mara Holloway\n  aliases: [Mara]\n- name: Tobias\n", encoding="utf-8")
    assert main(["quotes", str(novel), "--cast", str(cast)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:5] == ["offset", "speaker", "conf", "rule", "words"]  # a header names the columns
    assert len(out) == 4 and "Mara Holloway" in out[1] and "explicit" in out[1]


def test_speakers_lists_the_discovered_cast(novel, capsys):
    assert main(["speakers", str(novel)]) == 0
    out = capsys.readouterr().out
    assert "Mara" in out and "Tobias" in out


AMBIGUOUS_MISS = ("Anne Grey and her sisters walked in. Anne was calm, and she smiled. Lucy Grey followed her.\n\n"
                  + "\n\n".join(f'"{words}," said {who}.' for who, words in [
                      ("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"),
                      ("Lucy Grey", "Too cold"), ("Lucy Grey", "So it is"), ("Anne Grey", "Indeed")]) + "\n")


def test_speakers_flags_a_name_two_characters_may_own(tmp_path, capsys):
    """Either sister may be the eldest, Miss Grey: she stays a speaker of her own, and speakers says so."""
    path = _write(tmp_path / "sisters.txt", AMBIGUOUS_MISS)
    assert main(["speakers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Miss Grey may be Anne Grey or Lucy Grey" in out and '--alias "Miss Grey=NAME"' in out
    assert main(["speakers", str(path), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["speakers"]}
    assert sorted(rows["Miss Grey"]["may_be"]) == ["Anne Grey", "Lucy Grey"] and "may_be" not in rows["Anne Grey"]
    assert main(["speakers", str(path), "--alias", "Miss Grey=Anne Grey"]) == 0  # the user settles it
    out = capsys.readouterr().out
    assert "may be" not in out and "Miss Grey" not in out


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing.txt", "missing.txt"),
    (lambda tmp: _write(tmp / "plain.txt", "It rained.\n\nNobody spoke at all.\n"), "no quotations found"),
])
def test_quotes_bad_input_is_one_line(tmp_path, capsys, make, message):
    assert main(["quotes", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_quotes_with_a_malformed_cast_file(novel, tmp_path, capsys):
    cast = _write(tmp_path / "cast.yaml", "- name: [Mara\n")
    assert main(["quotes", str(novel), "--cast", str(cast)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {cast}:") and "not valid YAML" in err


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_quotes_on_a_play_says_it_is_not_a_novel(tmp_path, capsys):
    play = tmp_path / "play.txt"
    play.write_text("".join(f"MARA.\nThe tide turns at {i}.\n\nTOBIAS.\nThen we sail.\n\n" for i in range(12)), encoding="utf-8")
    assert main(["quotes", str(play)]) == 2
    err = capsys.readouterr().err
    assert "play.txt" in err and "not a novel" in err and "Traceback" not in err
