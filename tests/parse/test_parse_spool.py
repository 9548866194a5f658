"""LineSpool keeps Lines on disk between prepare's passes; ParsedSource.scan counts speakers in the same read."""

import pytest

from characterkit.errors import UserError
from characterkit.parse import SpeakerTable, parse_source, scan_speakers
from characterkit.parse import spool as spool_module
from characterkit.parse.spool import LineSpool
from characterkit.records import BREAK, NARRATION, SPEECH, Line

PLAY = "DORA:\nGood day.\nHow are you?\n\nJack:\nWell.\n\n\nDora:\nAnd you?\n\nJACK:\nFine.\n"


def _lines(n, source="a.txt"):
    kinds = [SPEECH, NARRATION, BREAK]
    return [Line(None if i % 3 else f"Speaker {i % 7}", f"text {i} ünï", kinds[i % 3], source, i + 1, 1 - i / (n + 1))
            for i in range(n)]


def test_sections_come_back_whole_in_order_and_apart(monkeypatch):
    monkeypatch.setattr(spool_module, "BATCH_LINES", 10)  # several batches per section
    first, second = _lines(35), _lines(3, "b.txt")
    with LineSpool() as spool:
        assert (spool.add(iter(first)), spool.add(second), spool.add([])) == (0, 1, 2)
        assert len(spool) == 3
        assert list(spool.read(1)) == second
        assert list(spool.read(0)) == first  # any section, in any order, as often as wanted
        assert list(spool.read(0)) == first
        assert list(spool.read(2)) == []
        section = spool.add(_lines(12, "c.txt"))  # adding after reading appends
        assert list(spool.read(section)) == _lines(12, "c.txt")
        assert list(spool.read(1)) == second


def test_the_spool_file_is_closed_with_the_spool():
    with LineSpool() as spool:
        spool.add(_lines(5))
        file = spool._file
    assert file.closed


def test_scan_yields_names_as_spelled_and_fills_the_table_like_scan_speakers(tmp_path):
    path = tmp_path / "play.txt"
    path.write_text(PLAY, encoding="utf-8")
    expected = scan_speakers(path)

    scanned, table = parse_source(path), SpeakerTable()
    lines = list(scanned.scan(table))
    assert [line.speaker for line in lines if line.kind == SPEECH] == ["DORA", "Jack", "Dora", "JACK"]
    assert table.rows() == expected.rows() and table.formats == expected.formats == {str(path): "ownline"}
    assert table.display("dora") == "DORA"
    # the Lines and the report of an iteration, but for how the names are spelled
    iterated = parse_source(path, speakers=table)
    shown = list(iterated)
    assert [line.speaker for line in shown if line.kind == SPEECH] == ["DORA", "Jack", "DORA", "Jack"]
    assert [(l.text, l.kind, l.lineno) for l in shown] == [(l.text, l.kind, l.lineno) for l in lines]
    assert scanned.report() == iterated.report()


def test_scan_fails_like_scan_speakers_on_a_file_without_tags(tmp_path):
    path = tmp_path / "essay.txt"
    path.write_text("It was a dark and stormy night.\n\nThe end came soon.\n", encoding="utf-8")
    with pytest.raises(UserError) as expected:
        scan_speakers(path, fmt="inline")
    with pytest.raises(UserError) as got:
        list(parse_source(path, fmt="inline").scan(SpeakerTable()))
    assert str(got.value) == str(expected.value)
    assert "essay.txt: no speaker tags found (read as inline)" in str(got.value)
