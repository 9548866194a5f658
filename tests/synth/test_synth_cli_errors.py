"""Bad input to `prepare synth`: one clear line on stderr, exit status 2, no traceback, and no
request sent (the server address below is never listening)."""

import pytest

from characterkit.cli import main

NOWHERE = "http://127.0.0.1:9/v1"


def synth(template, *extra):
    return main(["prepare", "synth", str(template), "--base-url", NOWHERE, "--retries", "1", "--quiet", *extra])


def test_an_unknown_slot_names_the_file_line_and_the_likely_slot(write_template, home, one_error_line):
    template = write_template('prompt: "A {genre} tale set in {plac}."\nslots:\n  genre: [x]\n  place: [y]\n')
    assert synth(template) == 2
    err = one_error_line()
    assert f"{template}:1: unknown slot {{plac}}" in err and "{place}" in err


def test_an_empty_value_list(write_template, home, one_error_line):
    template = write_template('prompt: "A {genre} tale."\nslots:\n  genre: []\n')
    assert synth(template) == 2
    assert f"{template}:3: slot `genre` has an empty value list" in one_error_line()


def test_an_unreachable_server_names_the_url(write_template, home, one_error_line):
    assert synth(write_template()) == 2
    err = one_error_line()
    assert NOWHERE in err and "LM Studio" in err


@pytest.mark.parametrize("flags, complaint", [
    (["--sample", "0"], "--sample"),
    (["--require-slot", "mood"], "--require-slot 'mood'"),
    (["--min-chars", "10", "--max-chars", "5"], "--max-chars"),
    (["--reject-regex", "(unclosed"], "--reject-regex"),
    (["--formats", "alpacca"], "unknown export format"),
    (["--dataset", "../escape"], "invalid dataset name"),
    (["--val-ratio", "1"], "--val-ratio"),
])
def test_bad_flags(write_template, home, one_error_line, flags, complaint):
    assert synth(write_template(), *flags) == 2
    assert complaint in one_error_line()


def test_a_missing_template(tmp_path, home, one_error_line):
    assert synth(tmp_path / "nowhere.yaml") == 2
    assert "no such template file" in one_error_line()


def test_an_output_path_that_is_a_file(write_template, tmp_path, home, one_error_line):
    target = tmp_path / "taken"
    target.write_text("")
    assert synth(write_template(), "-o", str(target)) == 2
    assert "is a file, not a folder" in one_error_line()
