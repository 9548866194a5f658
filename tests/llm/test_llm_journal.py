"""The journal: durable appends, a torn last line cut off, other settings refused."""

import json

import pytest

from characterkit.errors import UserError
from characterkit.llm import Journal

SETTINGS = {"model": "m", "template": {"system": "s", "user": "{text}"}}


def test_results_survive_a_reopen(tmp_path):
    path = tmp_path / "run.journal.jsonl"
    with Journal(path, SETTINGS) as journal:
        journal.append("a", {"text": "one"})
        journal.append("b", {"text": "two"})
    with Journal(path, SETTINGS) as journal:
        assert journal.done == {"a": {"text": "one"}, "b": {"text": "two"}}
        journal.append("c", {"text": "three"})
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"journal": 1, "settings": SETTINGS}
    assert [json.loads(line)["id"] for line in lines[1:]] == ["a", "b", "c"]


def test_a_torn_last_line_is_cut_and_appends_stay_valid(tmp_path):
    """kill -9 in the middle of a write leaves half a line; it is dropped, the rest is kept."""
    path = tmp_path / "j.jsonl"
    with Journal(path, SETTINGS) as journal:
        journal.append("a", {"n": 1})
    with open(path, "a") as f:
        f.write('{"id": "b", "result": {"n"')  # no newline: the write was cut
    with Journal(path, SETTINGS) as journal:
        assert journal.done == {"a": {"n": 1}}
        assert journal.torn_lines == 1
        journal.append("c", {"n": 3})
    rows = [json.loads(line) for line in path.read_text().splitlines()]  # every line parses
    assert [r.get("id") for r in rows[1:]] == ["a", "c"]


def test_other_settings_are_refused_with_what_changed(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path, SETTINGS) as journal:
        journal.append("a", {"n": 1})
    with pytest.raises(UserError) as err:
        Journal(path, {**SETTINGS, "model": "other"}).open()
    message = str(err.value)
    assert str(path) in message and "model" in message and "--fresh" in message


def test_a_file_that_is_not_a_journal_is_refused(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": "world"}\n')
    with pytest.raises(UserError, match="not a characterkit journal"):
        Journal(path, SETTINGS).open()
