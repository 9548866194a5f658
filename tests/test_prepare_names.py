"""Names on disk: the user's spelling wins, a shouted source name reads as a name, look-ups ignore case."""

import json

import pytest

from characterkit import paths
from characterkit.cli import main
from characterkit.errors import UserError
from characterkit.parse.speakers import as_name

PLAY = "ALGERNON.\nDid you hear?\n\nLANE.\nNo, sir.\n\nALGERNON.\nPity.\n\nLANE.\nYes, sir.\n\n" * 3


def prepare(capsys, *args):
    code = main(["prepare", "dialogue", *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_the_users_spelling_names_the_dataset_and_the_character(corpora, home, capsys):
    play = corpora / "plays" / "importance-of-being-earnest_pg844_2025-utf8.txt"
    prepare(capsys, play, "--name", "Algernon", "--formats", "openai,character")
    folder = home / "datasets" / "Algernon"
    assert [p.name for p in (home / "datasets").iterdir()] == ["Algernon"]
    report = json.loads((folder / "report.json").read_text())
    assert report["characters"] == ["Algernon"]
    written = "".join(p.read_text() for p in folder.rglob("*")
                      if p.suffix in (".json", ".jsonl", ".yaml") and p.name != "report.json")
    assert '"character": "Algernon"' in written and '"name": "Algernon"' in written
    assert ': "ALGERNON"' not in written  # as a speaker or a name (stage directions keep the print)
    assert '"speaker": "Lady Bracknell"' in written  # the other speakers read as names too


def test_a_shouted_name_reads_as_a_name_when_the_user_gave_no_spelling(home, tmp_path, capsys):
    (tmp_path / "play.txt").write_text(PLAY)
    prepare(capsys, tmp_path / "play.txt", "--name", "algernon", "--formats", "openai")
    assert [p.name for p in (home / "datasets").iterdir()] == ["Algernon"]  # lower case is no spelling
    prepare(capsys, tmp_path / "play.txt", "--name", "AlGy", "--alias", "Algy=ALGERNON", "--dataset", "aliased",
            "--formats", "openai")
    report = json.loads((home / "datasets" / "aliased" / "report.json").read_text())
    assert report["characters"] == ["Algernon"]  # the alias target, read as a name
    prepare(capsys, tmp_path / "play.txt", "--all-speakers", "--min-lines", "1", "--dataset", "all",
            "--formats", "openai")
    report = json.loads((home / "datasets" / "all" / "report.json").read_text())
    assert report["characters"] == ["Algernon", "Lane"]


@pytest.mark.parametrize("shouted, name", [("ALGERNON", "Algernon"), ("LADY BRACKNELL", "Lady Bracknell"),
                                           ("MR. PICKWICK", "Mr. Pickwick"), ("O'BRIEN", "O'Brien"),
                                           ("GM", "GM"), ("NPC", "NPC"), ("JOHN-PAUL", "John-Paul")])
def test_as_name(shouted, name):
    assert as_name(shouted) == name


def test_look_ups_ignore_case(tmp_path):
    (tmp_path / "Algernon").mkdir()
    assert paths.resolve_in(tmp_path, "ALGERNON", "dataset") == tmp_path / "Algernon"
    assert paths.resolve_in(tmp_path, "algernon", "dataset") == tmp_path / "Algernon"
    (tmp_path / "ALGERNON").mkdir()  # two folders differing in case: ambiguous, so not guessed
    with pytest.raises(UserError, match="not found"):
        paths.resolve_in(tmp_path, "AlGeRnOn", "dataset")
