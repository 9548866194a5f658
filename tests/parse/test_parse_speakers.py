"""Speaker names: case-insensitive matching, display spelling, aliases, resolving a typed name."""

import pytest

from characterkit.errors import UserError
from characterkit.parse import SpeakerTable, parse_lines, parse_source, scan_speakers

PLAY = "DORA: Hello.\nDora: Again.\nJack: Hi.\nDORA: Third.\nJACK: Yes.\nJohn Worthing: Ahem.\n"


def numbered(text):
    return list(enumerate(text.splitlines(), 1))


def test_names_match_case_insensitively_and_show_the_most_common_spelling():
    table = scan_speakers(numbered(PLAY))
    assert table.most_common() == [("DORA", 3), ("Jack", 2), ("John Worthing", 1)]  # Jack/JACK tie: first seen
    assert table.rows()[0]["spellings"] == {"DORA": 2, "Dora": 1}
    assert table.rows()[0]["first_seen"] == "line 1"


def test_aliases_merge_into_the_name_on_the_right():
    table = scan_speakers(numbered(PLAY), aliases={"jack": "John Worthing"})
    assert table.to_dict() == {"DORA": 3, "John Worthing": 3}
    assert table.resolve("JACK") == "John Worthing"
    assert table.display("Jack") == "John Worthing"


def test_resolve_finds_a_typed_name_or_lists_the_closest():
    table = scan_speakers(numbered(PLAY))
    assert table.resolve("dora") == "DORA"
    with pytest.raises(UserError, match=r"no speaker named 'Doro'; closest: DORA"):
        table.resolve("Doro")
    with pytest.raises(UserError, match="no speakers were found"):
        SpeakerTable().resolve("Anyone")


def test_a_table_gives_the_parse_its_display_names():
    table = scan_speakers(numbered(PLAY))
    names = [line.speaker for line in parse_lines(numbered(PLAY), speakers=table)]
    assert names == ["DORA", "DORA", "Jack", "DORA", "Jack", "John Worthing"]
    # Without a table one streaming pass keeps each speaker's first spelling.
    names = [line.speaker for line in parse_lines(numbered(PLAY))]
    assert names == ["DORA", "DORA", "Jack", "DORA", "Jack", "John Worthing"]
    names = [line.speaker for line in parse_lines(numbered("Dora: a\nDORA: b\nDORA: c\n"))]
    assert names == ["Dora", "Dora", "Dora"]


def test_parse_source_spells_names_as_the_whole_file_does(tmp_path):
    path = tmp_path / "play.txt"
    path.write_text("Dora: a\nDORA: b\nDORA: c\nJack: d\n", encoding="utf-8")
    assert [line.speaker for line in parse_source(path)] == ["DORA", "DORA", "DORA", "Jack"]
    assert [line.speaker for line in parse_source(path, aliases={"Jack": "John"})][-1] == "John"


def test_scan_counts_over_several_files(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Mara: one\nTobias: two\n", encoding="utf-8")
    second.write_text("MARA: three\nMARA: four\n", encoding="utf-8")
    table = scan_speakers([first, second])
    assert table.most_common() == [("MARA", 3), ("Tobias", 1)]
    assert table.rows()[0]["first_seen"] == f"{first}:1"
    assert table.formats == {str(first): "inline", str(second): "inline"}
    lines = parse_source(second, speakers=table)
    assert {line.speaker for line in lines} == {"MARA"}


def test_the_table_names_each_file_once_with_its_format(tmp_path):
    play = tmp_path / "play.txt"
    play.write_text(PLAY)
    out = scan_speakers([str(play)]).format_table()
    assert out.splitlines()[0] == "play.txt: read as inline"
    assert str(tmp_path) not in out and out.count("play.txt") == 1
    assert "line 1" in out
    other = tmp_path / "other.txt"
    other.write_text("Lane: Yes, sir.\n")
    both = scan_speakers([str(play), str(other)]).format_table()
    assert str(tmp_path) not in both and "other.txt:1" in both
