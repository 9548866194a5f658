"""The registry, format detection, parse_source's report, streaming, and the light import path."""

import subprocess
import sys
from itertools import islice

import pytest

from characterkit.errors import UserError
from characterkit.parse import FORMATS, ParseOptions, detect_format, get_format, parse_lines, parse_source


def numbered(text):
    return list(enumerate(text.splitlines(), 1))


def test_lookup_lists_the_valid_names():
    assert get_format("ownline") is FORMATS["ownline"]
    with pytest.raises(UserError, match="unknown format 'playscript'; choose one of: auto, inline, ownline, chatlog"):
        get_format("playscript")


@pytest.mark.parametrize("text, expected", [
    ("Mara: Hello.\nTobias: Hi.\nA line of narration.\n", "inline"),
    ("First Citizen:\nSpeak.\n\nAll:\nSpeak, speak.\n", "ownline"),
    ("ALGERNON.\nDid you hear?\n\nLANE.\nNo, sir.\n", "ownline"),
    ("[12:01] Bob: hi\n[12:02] Ann: hello\n", "chatlog"),
    ("12/01/2024, 12:01 - Bob: hi\nmore of it\n12/01/2024, 12:02 - Ann: hello\n", "chatlog"),
])
def test_detect_format(text, expected):
    assert detect_format(numbered(text)) == expected


def test_a_file_without_tags_is_a_user_error_naming_it(tmp_path):
    path = tmp_path / "essay.txt"
    path.write_text("It was a dark and stormy night.\n\nThe end came soon.\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"essay.txt: no speaker tags found in the first 3 lines; use --format"):
        list(parse_source(path))
    with pytest.raises(UserError, match=r"essay.txt: no speaker tags found \(read as inline\)"):
        list(parse_source(path, fmt="inline"))
    with pytest.raises(UserError, match="unknown format"):
        parse_source(path, fmt="novel-ish")


def test_parse_source_counts_kinds_and_drops_for_the_report(tmp_path):
    path = tmp_path / "dialogue.txt"
    path.write_text("Intro line.\nMara: (sighs) Hello.\nTobias: (waves)\n\n\nMara: Bye.\n", encoding="utf-8")
    parsed = parse_source(path, keep_narration=False, strip_actions=True)
    assert [(line.speaker, line.text, line.lineno) for line in parsed] == [
        ("Mara", "Hello.", 2), (None, "", 6), ("Mara", "Bye.", 6)]
    report = parsed.report()
    assert report["format"] == "inline" and report["path"] == str(path)
    assert report["lines"] == {"break": 1, "speech": 2}
    assert report["drops"] == {"empty_after_strip_actions": 1, "narration": 1}
    assert report["reading"]["encoding"] == "utf-8"


def test_parsing_streams_instead_of_reading_everything_first():
    consumed = 0

    def endless():
        nonlocal consumed
        for n in range(1, 10_000_000):
            consumed += 1
            yield n, f"Speaker{n % 7}: line {n}"

    first = list(islice(parse_lines(endless()), 5))
    assert [line.text for line in first] == ["line 1", "line 2", "line 3", "line 4", "line 5"]
    assert consumed < 5_000  # the detection and continuation look-ahead, not the whole input


def test_unknown_options_and_bad_aliases_fail_early():
    with pytest.raises(TypeError):
        ParseOptions(keep_everything=True)
    with pytest.raises(UserError, match="alias needs a name on both sides"):
        ParseOptions(aliases={"Jack": " "})


def test_the_speakers_path_imports_no_heavy_library(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Mara: Hello.\n", encoding="utf-8")
    code = ("import sys; from characterkit.cli import main; main(['speakers', sys.argv[1]]); "
            "print(sorted(m for m in ('torch', 'transformers', 'gradio', 'peft', 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "Mara" in out.stdout


def test_detection_looks_past_a_long_preface():
    preface = [(n, f"Paragraph {n} of a preface with no speaker in it.") for n in range(1, 1001)]
    dialogue = [(1001, "Mara: Hello."), (1002, "Tobias: Hi.")]
    assert [line.speaker for line in parse_lines(preface + dialogue) if line.speaker] == ["Mara", "Tobias"]
