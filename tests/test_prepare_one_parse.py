"""prepare reads each source once (the Lines wait in a spool) and writes what two plain passes give."""

import json

import pytest

import characterkit.parse as parse_module
from characterkit.config import DialogueSettings
from characterkit.parse import parse_source, scan_speakers
from characterkit.prepare import prepare_dialogue
from characterkit.samples import build_samples

FIRST = "".join(f"JACK:\nLine {i} of Jack.\n\nALGY:\nLine {i} of Algy.\n\n" for i in range(12)) + \
    "DORA:\nAt last, Dora.\nShe goes on.\n\n\n\nJACK:\nA new scene.\n\nDora:\nAgain.\n"
SECOND = "Dora:\nThe second file opens with me.\n\nLANE:\nYes, miss.\n\nDORA:\nThank you.\n"


def _iterated_report(path, table):
    parsed = parse_source(path, speakers=table)
    list(parsed)
    return parsed.report()


def _readable(lines, table):
    """Lines under the names prepare writes: each speaker's display spelling read as a name."""
    for line in lines:
        if line.speaker is not None:
            line.speaker = table.readable(line.speaker)
        yield line


@pytest.mark.parametrize("who", [{"names": ["dora"]}, {"all_speakers": True, "min_lines": 1}])
def test_each_source_is_parsed_once_into_the_samples_of_two_plain_passes(tmp_path, monkeypatch, who):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    opened = []
    open_source = parse_module._open
    monkeypatch.setattr(parse_module, "_open", lambda path: opened.append(str(path)) or open_source(path))

    report = prepare_dialogue(DialogueSettings(sources=[str(first), str(second)], rounds=2, val_ratio=0.0,
                                               output_dir=str(tmp_path / "ds"), **who))
    assert opened == [str(first), str(second)]
    monkeypatch.undo()

    # the reference: scan every source, then parse each again with the table and build its samples
    table = scan_speakers([first, second])
    characters = set(report["characters"])
    expected = [{**sample.to_dict(), "persona": report["personas"][sample.character]} for path in (first, second)
                for sample in build_samples(_readable(parse_source(path, speakers=table), table), characters, rounds=2)]
    rows = [json.loads(line) for line in (tmp_path / "ds" / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == expected
    assert report["sources"] == [_iterated_report(path, table) for path in (first, second)]
    dora = [row for row in rows if row["character"] == "Dora"]  # DORA in most lines, read as a name
    assert [row["reply"] for row in dora] == ["At last, Dora. She goes on.", "Again.", "The second file opens with me.",
                                              "Thank you."]
    assert [turn["text"] for turn in dora[0]["context"]] == ["Line 11 of Jack.", "Line 11 of Algy."]
    assert [turn["text"] for turn in dora[1]["context"]] == ["A new scene."]  # not across the scene break
    assert dora[2]["context"] == []  # nor across files
